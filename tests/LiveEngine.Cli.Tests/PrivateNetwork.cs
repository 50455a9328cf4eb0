using System.Diagnostics;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// A private network namespace that lives as long as this object: <c>unshare --net</c> runs a shell that brings its
/// own loopback up, routes multicast (224.0.0.0/4) to it and then sleeps; processes join it with
/// <c>nsenter --net=/proc/PID/ns/net</c>. The namespace has no other interface, so Link's discovery multicast can
/// never leave the machine. Needs root (CI runs as root) and util-linux and iproute2 (.ci/run checks them).
/// </summary>
internal sealed class PrivateNetwork : IDisposable
{
    private readonly Process _holder;

    public PrivateNetwork()
    {
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--net", "--", "sh", "-c", "ip link set lo up && ip route add 224.0.0.0/4 dev lo && echo ready && exec sleep 3600"])
        {
            start.ArgumentList.Add(arg);
        }

        _holder = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
        string? ready = _holder.StandardOutput.ReadLine();
        if (ready != "ready")
        {
            _holder.Kill();
            string error = _holder.StandardError.ReadToEnd();
            Assert.Fail($"Could not make a private network namespace (unshare --net, ip link set lo up, ip route add 224.0.0.0/4 dev lo); it needs root, util-linux and iproute2: {error}");
        }
    }

    /// <summary>The namespace's file, for <c>nsenter --net=</c>.</summary>
    public string NamespacePath => $"/proc/{_holder.Id}/ns/net";

    /// <summary>Starts <paramref name="program"/> inside the namespace (<c>nsenter</c>), its standard streams redirected.</summary>
    public Process Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("nsenter")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--net={NamespacePath}");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(program);
        foreach (string arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"nsenter {program} did not start");
    }

    /// <summary>What <c>ip -o link</c> lists inside the namespace (only <c>lo</c>).</summary>
    public string Interfaces()
    {
        var start = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])[$"--net={NamespacePath}", "--", "ip", "-o", "link"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process ip = Process.Start(start)!;
        string output = ip.StandardOutput.ReadToEnd();
        ip.WaitForExit();
        return output;
    }

    public void Dispose()
    {
        _holder.Kill();
        _holder.WaitForExit();
        _holder.Dispose();
    }
}
