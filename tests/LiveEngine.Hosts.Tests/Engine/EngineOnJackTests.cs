using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Tests.Hosts.Jack;
using LiveEngine.Time;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>The engine process playing through a real jackd (dummy backend), heard by a capture client at the server.</summary>
[Collection(JackServerCollection.Name)]
public sealed class EngineOnJackTests
{
    /// <summary>A 440 Hz sine at level 0.5, centred by the equal-power pan: each channel's RMS is 0.5 · cos(π/4) / √2 = 0.25, i.e. −12.04 dBFS.</summary>
    private static GraphDescription Tone440()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 440, ["level"] = 0.5 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "pan", "out");
        return graph;
    }

    private static readonly double s_toneDb = 20 * Math.Log10(0.25);

    [Fact]
    public void ToneIsHeardAtItsFrequencyAndLevel_ServerStopIsReported_RenderingGoesOn_AndASwitchReconnects()
    {
        var server = new JackServer();
        string socketPath = EngineProcess.NewSocketPath();
        EngineClient? engine = null;
        try
        {
            engine = EngineProcess.Launch(socketPath, "--driver", "jack", "--jack-server", server.Name, "--client-name", "liveengine-engine");
            Assert.Equal("jack (server liveengine-test)", engine.Info.Driver);
            engine.Commit(Tone440(), Quantization.Now);
            using (JackCapture capture = JackCapture.Start(server.Name, 2, 48_000))
            {
                capture.Connect("liveengine-engine:out_1", 0);
                capture.Connect("liveengine-engine:out_2", 1);
                Thread.Sleep(100);
                Tone.AssertTone(capture.Record(38_400), capture.SampleRate, 440, s_toneDb);
            }

            server.Kill();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            EngineStats stats = engine.GetStats();
            while (stats.Driver != "null" && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(20);
                stats = engine.GetStats();
            }

            Assert.Equal("null", stats.Driver);
            Assert.Contains(stats.DriverEvents, e => e.Message == "jack (server liveengine-test) stopped (the server went away); playing on the null driver until a switch-driver request reconnects");
            long p1 = engine.GetClock().Position;
            Thread.Sleep(200);
            long p2 = engine.GetClock().Position;
            Assert.InRange(p2 - p1, 200 * 48 * 0.7, 200 * 48 * 1.3);

            server.Dispose();
            server = new JackServer();
            Assert.Equal("jack (server liveengine-test)", engine.SwitchDriver(new DriverSpec("jack", server.Name)));
            using (JackCapture capture = JackCapture.Start(server.Name, 2, 48_000))
            {
                capture.Connect("liveengine-engine:out_1", 0);
                capture.Connect("liveengine-engine:out_2", 1);
                Thread.Sleep(100);
                Tone.AssertTone(capture.Record(24_000), capture.SampleRate, 440, s_toneDb);
            }

            stats = engine.GetStats();
            Assert.Equal(0, stats.AudioThreadAllocatedBytes);
            Assert.Contains(stats.DriverEvents, e => e.Message == "switched from null to jack (server liveengine-test)");
            engine.Shutdown();
        }
        finally
        {
            EngineProcess.Stop(engine?.Process);
            engine?.Dispose();
            server.Dispose();
        }
    }
}
