using System.Diagnostics;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Live;

namespace LiveEngine.Tests.Hosts.Drivers;

[Collection(RealTimeCollection.Name)]
public sealed class NullDriverTests
{
    [Fact]
    public void RendersAtTheRealRate_WithoutAllocating()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "saw", new Dictionary<string, double> { ["freqHz"] = 110 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("osc", "out");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1 });
        var clock = Stopwatch.StartNew();
        using (NullDriver driver = NullDriver.Start(session.Renderer, 48_000, 128))
        {
            Thread.Sleep(1_500);
            double elapsed = clock.Elapsed.TotalSeconds;
            // Less the 64 unheard warm-up blocks rendered before the driver started.
            double rendered = (session.Renderer.Position - (64 * 128)) / 48_000.0;

            // Real time, not faster: within 10 % of the wall clock (a busy machine may make it lag, never lead).
            Assert.InRange(rendered, elapsed * 0.85, elapsed * 1.02);
            Assert.Equal(0, driver.Stats.AllocatedAfterWarmUp);
        }
    }
}
