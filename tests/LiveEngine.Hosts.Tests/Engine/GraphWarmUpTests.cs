using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Live;

namespace LiveEngine.Tests.Hosts.Engine;

public sealed class GraphWarmUpTests
{
    [Fact]
    public void WarmUp_RendersAThrowawayCopy_AndTheSessionThatPlaysStartsAtSampleZeroAsIfItHadNotRun()
    {
        GraphDescription graph = StandardWorkloads.Voices(16);
        var options = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 1024 };
        float[] cold = FirstBlocks(new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options));

        string before = graph.ToJson();
        TimeSpan took = GraphWarmUp.Run(BuiltinNodeTypes.CreateRegistry(), graph, options, executor: null, 64, 1024, TimeSpan.FromSeconds(10));
        Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromSeconds(11));
        Assert.Equal(before, graph.ToJson());

        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options);
        Assert.Equal(0, session.Renderer.Position);
        Assert.Equal(cold, FirstBlocks(session));
    }

    private static float[] FirstBlocks(LiveSession session)
    {
        var left = new List<float>();
        for (int b = 0; b < 8; b++)
        {
            session.Renderer.Render(64);
            left.AddRange(session.Renderer.Output(0, 64).ToArray());
        }

        return [.. left];
    }
}
