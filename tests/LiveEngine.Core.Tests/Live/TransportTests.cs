using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Live;

public sealed class TransportTests
{
    private const int Block = 100;

    /// <summary>A ramp (position × 1e-3) into the output: each frame says which sample it is.</summary>
    private static LiveSession NewSession()
    {
        var graph = new GraphDescription();
        graph.Add("ramp", "ramp", new Dictionary<string, double> { ["scale"] = 1e-3 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("ramp", "out");
        return new LiveSession(TestNodes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1 });
    }

    [Fact]
    public void Stop_SilencesTheNextBlock_AndHoldsTheClock_PlayResumesExactlyWhereItHeld()
    {
        LiveSession session = NewSession();
        var tap = new OutputTap();
        session.Renderer.Tap = tap;
        for (int b = 0; b < 3; b++)
        {
            session.Renderer.Render(Block);
        }

        CommandReceipt stopped = session.Execute(new TransportCommand(Playing: false));
        Assert.Equal(3 * Block, stopped.Sample);
        Assert.False(session.Renderer.Playing);
        for (int b = 0; b < 5; b++)
        {
            session.Renderer.Render(Block);
            Assert.True(session.Renderer.Output(0, Block).ToArray().All(x => x == 0), $"block {b} after the stop is not silent");
            Assert.Equal(3 * Block, session.Renderer.Position);
        }

        // The display hears the silence too.
        var latest = new float[Block];
        Assert.Equal(Block, tap.CopyLatest(latest, out _));
        Assert.All(latest, x => Assert.Equal(0f, x));

        Assert.Equal(3 * Block, session.SetTransport(playing: true));
        session.Renderer.Render(Block);
        ReadOnlySpan<float> resumed = session.Renderer.Output(0, Block);
        for (int i = 0; i < Block; i++)
        {
            Assert.Equal((3 * Block + i) * 1e-3f, resumed[i], 1e-6f);
        }

        Assert.Equal(4 * Block, session.Renderer.Position);
    }

    [Fact]
    public void WhileStopped_ACommitDueLater_Waits_AndLandsOnItsSampleAfterPlay()
    {
        LiveSession session = NewSession();
        session.Renderer.Render(Block);
        session.SetTransport(playing: false);
        var louder = new GraphDescription();
        louder.Add("ramp", "ramp", new Dictionary<string, double> { ["scale"] = 2e-3 });
        louder.Add("out", "out", channels: 1);
        louder.Connect("ramp", "out");
        CommitTicket commit = session.Commit(louder, Quantization.NextBeat);
        for (int b = 0; b < 10; b++)
        {
            session.Renderer.Render(Block);
        }

        Assert.Equal(Block, session.Renderer.Position);
        Assert.Equal(24_000, commit.CommitSample);
        session.SetTransport(playing: true);
        var output = new float[24_000 + Block];
        for (long at = Block; at < output.Length; at += Block)
        {
            session.Renderer.Render(Block);
            session.Renderer.Output(0, Block).CopyTo(output.AsSpan((int)at));
        }

        Assert.Equal(23_999 * 1e-3f, output[23_999], 1e-3f);
        Assert.Equal(24_000 * 2e-3f, output[24_000], 1e-3f);
    }

    [Fact]
    public void RenderWhileStopped_AllocatesNothing()
    {
        LiveSession session = NewSession();
        session.Renderer.Tap = new OutputTap();
        session.Renderer.Probe = new NodeProbe { Metering = true };
        session.SetTransport(playing: false);
        for (int b = 0; b < 200; b++)
        {
            session.Renderer.Render(Block);
        }

        SteadyAllocation.AssertNone(
            "10,000 stopped blocks",
            measured: () =>
            {
                for (int b = 0; b < 10_000; b++)
                {
                    session.Renderer.Render(Block);
                }
            });
    }
}
