using System.Diagnostics;
using LiveEngine.Hosts.Engine;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// The engine process as the REPL starts it with repl.config's [link] enabled (<c>liveengine engine --link-quantum 4</c>),
/// in a private network namespace with a <c>liveengine link probe</c> peer: a tempo set on the peer lands in the
/// engine's own tempo map (read over its socket, as the front reads it) as ramps that end on the peer's tempo within
/// a second.
/// </summary>
[Collection("TimingSensitive")]
public sealed class LinkEngineProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("le-link-engine-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task TheEngineProcessFollowsAPeersTempoWithinASecond()
    {
        using var network = new PrivateNetwork();
        string socket = Path.Combine(_folder, "engine.sock");
        string dll = Path.Combine(AppContext.BaseDirectory, "liveengine.dll");
        var start = new ProcessStartInfo("nsenter") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])[$"--net={network.NamespacePath}", "--", Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", dll, "engine", "--socket", socket, "--tempo", "100", "--no-mlock", "--link-quantum", "4"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process engine = Process.Start(start)!;
        Task<string> engineLog = engine.StandardError.ReadToEndAsync();
        try
        {
            using EngineClient client = EngineClient.Connect(socket, "link-test", TimeSpan.FromSeconds(60));
            using var peer = new LinkProbe(network, 120);
            Assert.True(Wait(() => peer.ReadStatus().Peers == 1, TimeSpan.FromSeconds(20)), "the probe never saw the engine as a Link peer");

            // Let the session settle (the engine closes the phase error of joining), then change the tempo on the peer.
            // Both sides: whichever adopted the other's phase closes it over several windows, and a tempo set on a
            // peer lands after its own corrections.
            Assert.True(Wait(() => Settled(client) && peer.ReadStatus() is { PhaseErrorMs: > -0.5 and < 0.5 } s && Math.Abs(s.EngineBpm - s.LinkBpm) < 0.006, TimeSpan.FromSeconds(30)), "the clocks never settled on the Link session");
            // In the engine's own samples: from its position just before the peer was asked (a poll that comes back
            // late only makes this later) to the end of the first ramp that arrives at 133 BPM. A later
            // phase-correcting ramp around 133 does not count, and neither does a slow poll under load.
            EngineClock before = client.GetClock();
            var clock = Stopwatch.StartNew();
            peer.SetTempo(133m);
            long reached = -1;
            bool followed = Wait(
                () =>
                {
                    EngineClock c = client.GetClock();
                    foreach (TempoChange change in c.Changes)
                    {
                        if (change.Sample >= before.Position && change.Bpm == 133 && change.Sample + change.RampSamples <= c.Position)
                        {
                            reached = change.Sample + change.RampSamples;
                            return true;
                        }
                    }

                    return false;
                },
                TimeSpan.FromSeconds(10));
            Assert.True(followed, "the engine's tempo map never reached 133 BPM");
            double seconds = (reached - before.Position) / (double)before.SampleRate;
            output.WriteLine($"133 BPM set on the peer reached the engine process's clock {seconds * 1000:F0} ms of its audio later (the test saw it after {clock.Elapsed.TotalMilliseconds:F0} ms)");
            Assert.True(seconds < 1, $"the engine's tempo reached 133 BPM after {seconds:F2} s of its audio");
            client.Shutdown();
        }
        finally
        {
            if (!engine.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                engine.Kill(entireProcessTree: true);
            }
        }

        Assert.Contains("Ableton Link on: quantum 4", await engineLog);
    }

    /// <summary>No tempo change scheduled ahead and none for the last second.</summary>
    private static bool Settled(EngineClient client)
    {
        EngineClock c = client.GetClock();
        long last = c.Changes.Count == 0 ? 0 : c.Changes[^1].Sample + c.Changes[^1].RampSamples;
        return c.Position - last > c.SampleRate;
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
