using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Live;

public sealed class CrossfadeTests
{
    private const int Block = 64;

    private static List<float> Render(LiveSession session, int blocks, List<float>? into = null)
    {
        into ??= [];
        for (int b = 0; b < blocks; b++)
        {
            session.Renderer.Render(Block);
            into.AddRange(session.Renderer.Output(0, Block).ToArray());
        }

        return into;
    }

    [Fact]
    public void RemovedNode_FadesOutOfTheSumItFed_ThenTheGraphItselfTakesOver()
    {
        var before = new GraphDescription();
        before.Add("keep", "const", new Dictionary<string, double> { ["value"] = 0.25 });
        before.Add("gone", "const", new Dictionary<string, double> { ["value"] = 0.5 });
        before.Add("out", "out", channels: 1);
        before.Connect("keep", "out");
        before.Connect("gone", "out");
        var after = new GraphDescription();
        after.Add("keep", "const", new Dictionary<string, double> { ["value"] = 0.25 });
        after.Add("out", "out", channels: 1);
        after.Connect("keep", "out");

        var session = new LiveSession(TestNodes.CreateRegistry(), before, new LiveSessionOptions { MaxBlockFrames = 64, OutputChannels = 1, CrossfadeMs = 20 });
        List<float> output = Render(session, 10);
        CommitTicket ticket = session.Commit(after, Quantization.NextBeat);
        Render(session, 400, output);
        session.Maintain();
        Render(session, 100, output);

        // The output's input lost a source: it crossfades linearly (the kept source is on both sides, so equal
        // power would lift it by 3 dB mid-fade) over 20 ms at 48 kHz = 960 frames from 0.75 to 0.25.
        Assert.Equal(24_000, ticket.AppliedAtSample);
        Assert.Equal(0.75f, output[23_999]);
        Assert.Equal(0.75f, output[24_000]);
        Assert.Equal(0.5, output[24_480], 5);
        Assert.Equal(0.25f, output[24_960]);
        Assert.All(output.Skip(24_960).ToArray(), x => Assert.Equal(0.25f, x));
        for (int i = 24_001; i < 24_960; i++)
        {
            Assert.True(output[i] <= output[i - 1], "a fade-out only goes down");
        }

        // Maintain replaced the transition graph by the plain one after the fade, without a trace in the output.
        Assert.Equal(-1, session.Renderer.Current.IndexOfNode("gone~old"));
    }

    [Fact]
    public void RewiredInput_CrossfadesLinearlyFromTheOldSourcesToTheNewOnes()
    {
        static GraphDescription Graph(string source)
        {
            var graph = new GraphDescription();
            graph.Add("a", "const", new Dictionary<string, double> { ["value"] = 0.25 });
            graph.Add("b", "const", new Dictionary<string, double> { ["value"] = 0.75 });
            graph.Add("gain", "scale", new Dictionary<string, double> { ["factor"] = 1 });
            graph.Add("out", "out", channels: 1);
            graph.Chain(source, "gain", "out");
            return graph;
        }

        var session = new LiveSession(TestNodes.CreateRegistry(), Graph("a"), new LiveSessionOptions { MaxBlockFrames = 64, OutputChannels = 1 });
        List<float> output = Render(session, 10);
        Nodes.AudioNode gain = session.Renderer.Current.Nodes[session.Renderer.Current.IndexOfNode("gain")];
        session.Commit(Graph("b"), Quantization.AtBeat(1));
        Render(session, 400, output);
        session.Maintain();
        Render(session, 100, output);
        Assert.Equal(0.25f, output[24_000]);
        Assert.Equal(0.5, output[24_480], 5);
        Assert.All(output.Skip(24_960).ToArray(), x => Assert.Equal(0.75f, x));

        // The re-wired node itself kept its instance through the transition and the plain graph after it.
        Assert.Equal(-1, session.Renderer.Current.IndexOfNode("gain~in~xfade"));
        Assert.Same(gain, session.Renderer.Current.Nodes[session.Renderer.Current.IndexOfNode("gain")]);
    }

    [Fact]
    public void ReplacedNode_CrossfadesFromItsOldInstanceToItsNewOne()
    {
        static GraphDescription Graph(string type, double value)
        {
            var graph = new GraphDescription();
            graph.Add("src", type, new Dictionary<string, double> { [type == "const" ? "value" : "scale"] = value });
            graph.Add("out", "out", channels: 1);
            graph.Connect("src", "out");
            return graph;
        }

        var session = new LiveSession(TestNodes.CreateRegistry(), Graph("const", 0.5), new LiveSessionOptions { MaxBlockFrames = 64, OutputChannels = 1 });
        List<float> output = Render(session, 10);
        session.Commit(Graph("ramp", 0), Quantization.AtBeat(1));
        Render(session, 500, output);

        // From a constant 0.5 to a (zero-scaled) ramp, i.e. 0: the crossfade is cos-shaped and monotonic.
        Assert.Equal(0.5f, output[24_000]);
        Assert.Equal(0.5 * Math.Cos(Math.PI / 4), output[24_480], 5);
        Assert.Equal(0f, output[24_960]);
        double largestStep = 0;
        for (int i = 1; i < output.Count; i++)
        {
            largestStep = Math.Max(largestStep, Math.Abs(output[i] - output[i - 1]));
        }

        // An equal-power fade of 0.5 over 960 frames moves at most 0.5·(π/2)/960 per frame.
        Assert.True(largestStep <= 0.5 * Math.PI / 2 / 960 * 1.001, $"largest step {largestStep}");
    }
}
