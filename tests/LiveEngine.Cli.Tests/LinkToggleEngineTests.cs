using System.Diagnostics;
using LiveEngine.Hosts.Engine;
using LiveEngine.Hosts.Link;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// The engine protocol's Link request (what <c>link(true)</c> and <c>:link on</c> send) on an engine process started
/// without <c>--link-quantum</c>, in a private network namespace with a <c>liveengine link probe</c> peer at another
/// tempo: on, the engine joins the peer's session and its tempo map takes the session's tempo; off, it leaves, and the
/// peer sees no one.
/// </summary>
[Collection("TimingSensitive")]
public sealed class LinkToggleEngineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("le-link-toggle-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LinkOn_JoinsAPeersSession_AndOff_LeavesIt()
    {
        using var network = new PrivateNetwork();
        string socket = Path.Combine(_folder, "engine.sock");
        string dll = Path.Combine(AppContext.BaseDirectory, "liveengine.dll");
        var start = new ProcessStartInfo("nsenter") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])[$"--net={network.NamespacePath}", "--", Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", dll, "engine", "--socket", socket, "--tempo", "100", "--no-mlock"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process engine = Process.Start(start)!;
        _ = engine.StandardError.ReadToEndAsync();
        try
        {
            using EngineClient client = EngineClient.Connect(socket, "link-toggle-test", TimeSpan.FromSeconds(60));
            using var peer = new LinkProbe(network, 120);

            LinkReport before = client.SetLink(null);
            Assert.False(before.Enabled);
            Assert.Null(before.Reason);
            Thread.Sleep(1000);
            Assert.Equal(0, peer.ReadStatus().Peers);

            LinkReport on = client.SetLink(true);
            Assert.True(on.Enabled, on.Reason);
            Assert.Equal(4, on.Quantum);
            Assert.True(Wait(() => peer.ReadStatus().Peers == 1 && client.SetLink(null).Peers == 1, TimeSpan.FromSeconds(20)), "the engine never joined the probe's session");
            Assert.True(Wait(() => client.GetClock() is { Changes.Count: > 0 } c && c.Changes[^1].Bpm == 120, TimeSpan.FromSeconds(20)), "the engine's tempo map never took the session's 120 BPM");
            LinkReport joined = client.SetLink(null);
            Assert.Equal(120, joined.SessionTempo, 3);
            Assert.InRange(joined.Phase, 0, 4);

            LinkReport off = client.SetLink(false);
            Assert.False(off.Enabled);
            Assert.Equal(0, off.Peers);
            Assert.True(double.IsNaN(off.SessionTempo));
            Assert.True(Wait(() => peer.ReadStatus().Peers == 0, TimeSpan.FromSeconds(20)), "the probe still saw the engine after link off");

            // On again: the same engine joins again.
            Assert.True(client.SetLink(true).Enabled);
            Assert.True(Wait(() => peer.ReadStatus().Peers == 1, TimeSpan.FromSeconds(20)), "the engine did not join again");
            client.Shutdown();
        }
        finally
        {
            if (!engine.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                engine.Kill(entireProcessTree: true);
            }
        }
    }

    private static bool Wait(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(10);
        }

        return condition();
    }
}
