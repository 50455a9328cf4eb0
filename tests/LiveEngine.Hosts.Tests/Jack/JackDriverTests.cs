using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Hosts.Jack;
using LiveEngine.Live;

namespace LiveEngine.Tests.Hosts.Jack;

[Collection(JackServerCollection.Name)]
public sealed class JackDriverTests
{
    private static LiveSession Sine()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 440, ["level"] = 0.2 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "pan", "out");
        return new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128 });
    }

    [Fact]
    public void PlaysThroughARealJackServer_InRealTime_AllocatingNothingAfterWarmUp()
    {
        using var server = new JackServer();
        LiveSession session = Sine();
        using (JackDriver driver = JackDriver.Start(session.Renderer, 48_000, "liveengine-test", server.Name))
        {
            Assert.Equal(48_000, driver.SampleRate);
            Assert.Equal(128, driver.BufferFrames);
            Thread.Sleep(2_000);
            long callbacks = driver.Stats.Callbacks;

            // The dummy backend paces in real time: 2 s is 750 periods of 128 frames (allow for start-up and a busy machine).
            Assert.InRange(callbacks, 250, 900);
            // The driver first renders 64 unheard warm-up blocks of the session's maximum block (128 frames).
            Assert.Equal((callbacks + 64) * 128, session.Renderer.Position, 128.0 * 2);
            Assert.Equal(0, driver.CallbackErrors);
            Assert.Equal(0, driver.Stats.AllocatedAfterWarmUp);
            Assert.True(driver.Stats.PercentileUs(0.5) < 2_667, "a block of one sine must take far less than its 2.67 ms deadline");
            Assert.False(driver.IsShutDown);
        }
    }

    [Fact]
    public void Freewheel_RunsFasterThanRealTime_AndBackToRealTime()
    {
        using var server = new JackServer();
        LiveSession session = Sine();
        using JackDriver driver = JackDriver.Start(session.Renderer, 48_000, "liveengine-test", server.Name);
        driver.SetFreewheel(true);
        long before = driver.Stats.Callbacks;
        Thread.Sleep(500);
        long freewheeling = driver.Stats.Callbacks - before;
        driver.SetFreewheel(false);
        Thread.Sleep(100);
        before = driver.Stats.Callbacks;
        Thread.Sleep(500);
        long realTime = driver.Stats.Callbacks - before;

        // Real time: 500 ms is about 188 periods of 128 frames; freewheeling a single sine, many times that.
        Assert.InRange(realTime, 100, 260);
        Assert.True(freewheeling > 3 * realTime, $"freewheel ran {freewheeling} callbacks in 500 ms against {realTime} in real time");
        Assert.False(driver.SampleRateChanged);
        Assert.Equal(128, driver.BufferFrames);
    }

    [Fact]
    public void ServerStoppedMidPerformance_IsReported()
    {
        var server = new JackServer();
        LiveSession session = Sine();
        using JackDriver driver = JackDriver.Start(session.Renderer, 48_000, "liveengine-test", server.Name);
        Thread.Sleep(300);
        server.Dispose();
        SpinWait.SpinUntil(() => driver.IsShutDown, TimeSpan.FromSeconds(5));
        Assert.True(driver.IsShutDown, "the driver must notice that the server went away");
    }

    [Fact]
    public void NoServer_GivesAClearError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => JackDriver.Start(Sine().Renderer, 48_000, serverName: "no-such-server-" + Guid.NewGuid().ToString("N")[..8]));
        Assert.Contains("No JACK server named 'no-such-server-", e.Message);
        Assert.False(JackDriver.IsServerRunning("no-such-server-x"));
    }
}
