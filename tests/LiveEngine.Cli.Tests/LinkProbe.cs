using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>liveengine link probe</c> (a silent engine on the real-time null driver whose clock follows the Link session)
/// started inside a <see cref="PrivateNetwork"/>, asked questions line by line on its standard input.
/// </summary>
internal sealed partial class LinkProbe : IDisposable
{
    private readonly Process _process;

    public LinkProbe(PrivateNetwork network, decimal tempo)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "liveengine.dll");
        Assert.True(File.Exists(dll), $"liveengine.dll not found next to the tests at {dll}");
        var start = new ProcessStartInfo("nsenter")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        foreach (string arg in (string[])[$"--net={network.NamespacePath}", "--", dotnet, dll, "link", "probe", "--tempo", tempo.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("nsenter did not start");
        string? ready = _process.StandardOutput.ReadLine();
        if (ready != "ready")
        {
            _process.Kill(entireProcessTree: true);
            string error = _process.StandardError.ReadToEnd();
            Assert.Fail($"liveengine link probe did not start: {ready} {error}");
        }
    }

    public Status ReadStatus()
    {
        Match m = StatusLine().Match(Ask("status"));
        Assert.True(m.Success, "unexpected status line");
        return new Status(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Double(m.Groups[2]), Double(m.Groups[3]), m.Groups[4].Value == "1", long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), m.Groups[6].Value == "1", Double(m.Groups[7]), long.Parse(m.Groups[8].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Link's clock now (µs of CLOCK_MONOTONIC_RAW, the same in every process).</summary>
    public long Now() => long.Parse(Ask("now").Split(' ')[1], CultureInfo.InvariantCulture);

    /// <summary>The engine's beat at the sample heard at Link time <paramref name="micros"/>, and Link's beat then.</summary>
    public (double Engine, double Link, double Bpm) BeatAt(long micros)
    {
        Match m = BeatLine().Match(Ask($"beat-at {micros}"));
        Assert.True(m.Success, "unexpected beat line");
        return (Double(m.Groups[1]), Double(m.Groups[2]), Double(m.Groups[3]));
    }

    /// <summary>Sets the engine's tempo now; returns the Link time (µs) at which the change is heard.</summary>
    public long SetTempo(decimal bpm)
    {
        string answer = Ask(string.Create(CultureInfo.InvariantCulture, $"tempo {bpm}"));
        Assert.StartsWith("tempo ", answer);
        return long.Parse(answer[(answer.LastIndexOf("host_us=", StringComparison.Ordinal) + "host_us=".Length)..], CultureInfo.InvariantCulture);
    }

    /// <summary>The Link time (µs) at which this engine first played <paramref name="bpm"/> at or after <paramref name="sinceMicros"/>, or null if it has not yet.</summary>
    public long? TempoReachedAt(decimal bpm, long sinceMicros)
    {
        string answer = Ask(string.Create(CultureInfo.InvariantCulture, $"reached {bpm} {sinceMicros}"));
        Assert.StartsWith("reached ", answer);
        return answer == "reached none" ? null : long.Parse(answer["reached ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>Starts or stops the session; returns the Link time (µs) of the start or stop.</summary>
    public long SetPlaying(bool playing)
    {
        string answer = Ask(playing ? "play" : "stop");
        Assert.StartsWith(playing ? "play host_us=" : "stop host_us=", answer);
        return long.Parse(answer[(answer.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("quit");
            _process.StandardInput.Flush();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (IOException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private string Ask(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
        Task<string?> read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(TimeSpan.FromSeconds(10)))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"liveengine link probe did not answer '{line}' within 10 s");
        }

        string? answer = read.Result;
        if (answer is null)
        {
            Assert.Fail($"liveengine link probe exited: {_process.StandardError.ReadToEnd()}");
        }

        Assert.False(answer.StartsWith("error", StringComparison.Ordinal), answer);
        return answer;
    }

    private static double Double(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^status peers=(\d+) engine_bpm=([-\d.]+) link_bpm=([-\d.]+) playing=([01]) playing_seen_us=(-?\d+) transport=([01]) error_ms=([-\d.]+) .* quiet_tick_bytes=(\d+)$")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^beat -?\d+ engine=([-\d.]+) link=([-\d.]+) bpm=([-\d.]+)$")]
    private static partial Regex BeatLine();

    public sealed record Status(long Peers, double EngineBpm, double LinkBpm, bool IsPlaying, long PlayingSeenAtMicros, bool TransportPlaying, double PhaseErrorMs, long QuietTickAllocatedBytes);
}
