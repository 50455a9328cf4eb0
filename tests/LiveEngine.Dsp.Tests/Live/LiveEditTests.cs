using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Dsp.Live;

public sealed class LiveEditTests
{
    private const int Block = 100;

    private static float[][] Render(LiveSession session, int blocks)
    {
        int channels = session.Renderer.OutputChannels;
        var output = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            output[c] = new float[blocks * Block];
        }

        for (int b = 0; b < blocks; b++)
        {
            session.Renderer.Render(Block);
            for (int c = 0; c < channels; c++)
            {
                session.Renderer.Output(c, Block).CopyTo(output[c].AsSpan(b * Block));
            }
        }

        return output;
    }

    [Fact]
    public void SineFrequencyChange_KeepsPhaseContinuous_AndGlides()
    {
        static GraphDescription Sine(double freqHz)
        {
            var graph = new GraphDescription();
            graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = freqHz, ["level"] = 0.8 });
            graph.Add("out", "out", channels: 1);
            graph.Connect("osc", "out");
            return graph;
        }

        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), Sine(440), new LiveSessionOptions { OutputChannels = 1 });
        float[] before = Render(session, 95)[0];
        CommitTicket ticket = session.Commit(Sine(660), Quantization.NextBeat);
        float[] after = Render(session, 300)[0];
        float[] all = [.. before, .. after];
        Assert.Equal(24_000, ticket.AppliedAtSample);

        // The largest step a 0.8-level sine at 660 Hz can take between samples, with 1 % slack.
        double maxStep = 0.8 * 2 * Math.PI * 660 / 48_000 * 1.01;
        for (int i = 1; i < all.Length; i++)
        {
            Assert.True(Math.Abs(all[i] - all[i - 1]) <= maxStep, $"discontinuity of {Math.Abs(all[i] - all[i - 1])} at sample {i} (swap at 24000)");
        }

        // After the glide the frequency is the new one: 660 Hz gives 137.5 periods in 10,000 frames; count rising zero crossings.
        int crossings = 0;
        for (int i = 29_001; i < 39_000; i++)
        {
            crossings += all[i - 1] < 0 && all[i] >= 0 ? 1 : 0;
        }

        Assert.InRange(crossings, 136, 138);
    }

    [Fact]
    public void DelayTail_SurvivesAnEditElsewhereInTheGraph()
    {
        static GraphDescription Graph(double otherFreqHz)
        {
            var graph = new GraphDescription();
            graph.Add("env", "adsr", new Dictionary<string, double> { ["attackMs"] = 0, ["decayMs"] = 5, ["sustain"] = 0, ["releaseMs"] = 0 });
            graph.Add("tone", "sine", new Dictionary<string, double> { ["freqHz"] = 330 });
            graph.Add("vca", "vca");
            graph.Add("echo", "delay", new Dictionary<string, double> { ["delayMs"] = 100, ["feedback"] = 0.8, ["mix"] = 1 });
            graph.Add("left", "pan", new Dictionary<string, double> { ["pan"] = -1 });
            graph.Add("other", "saw", new Dictionary<string, double> { ["freqHz"] = otherFreqHz, ["level"] = 0.1 });
            graph.Add("right", "pan", new Dictionary<string, double> { ["pan"] = 1 });
            graph.Add("out", "out");
            graph.Chain("tone", "vca", "echo", "left", "out");
            graph.Connect("env", "vca", toPort: "cv");
            graph.Chain("other", "right", "out");
            return graph;
        }

        var reference = new LiveSession(BuiltinNodeTypes.CreateRegistry(), Graph(110));
        float[] expectedLeft = Render(reference, 600)[0];

        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), Graph(110));
        float[][] first = Render(session, 150);
        session.Commit(Graph(220), Quantization.Now);
        float[][] second = Render(session, 450);

        // The echoes keep ringing exactly as if nothing had changed; the edited voice did change.
        float[] left = [.. first[0], .. second[0]];
        Assert.Equal(expectedLeft, left);
        Assert.True(second[0].Skip(20_000).Any(x => Math.Abs(x) > 1e-3), "the delay tail is still sounding");
        float[] rightNow = session.Renderer.Output(1, Block).ToArray();
        Assert.NotEqual(Render(reference, 1)[1], rightNow);
    }

    [Fact]
    public void FilterReplacedByAnotherType_CrossfadesWithoutAJumpBeyondTheSignalsOwnSteps()
    {
        static GraphDescription Graph(string filter)
        {
            var graph = new GraphDescription();
            graph.Add("osc", "saw", new Dictionary<string, double> { ["freqHz"] = 220, ["level"] = 0.5 });
            graph.Add("filter", filter, new Dictionary<string, double> { ["cutoffHz"] = 800, ["q"] = 0.7 });
            graph.Add("out", "out", channels: 1);
            graph.Chain("osc", "filter", "out");
            return graph;
        }

        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), Graph("lpf"), new LiveSessionOptions { OutputChannels = 1 });
        float[] before = Render(session, 200)[0];
        CommitTicket ticket = session.Commit(Graph("hpf"), Quantization.NextBar);
        float[] after = Render(session, 1000)[0];
        float[] all = [.. before, .. after];
        Assert.Equal(96_000, ticket.AppliedAtSample);

        static double MaxStep(float[] x, int from, int to)
        {
            double max = 0;
            for (int i = Math.Max(1, from); i < to; i++)
            {
                max = Math.Max(max, Math.Abs(x[i] - x[i - 1]));
            }

            return max;
        }

        // The bound: a step at the swap or during the 20 ms fade is no larger than the largest step either filter
        // makes on its own in steady state (the high-pass passes the saw's edges, so it sets the bound).
        double steadyLow = MaxStep(all, 10_000, 20_000);
        double steadyHigh = MaxStep(all, 100_000, all.Length);
        double atSwap = MaxStep(all, 96_000 - 10, 96_000 + 960 + 10);
        Assert.True(atSwap <= Math.Max(steadyLow, steadyHigh) * 1.05, $"step at the swap {atSwap} vs steady {steadyLow} (lpf), {steadyHigh} (hpf)");
        Assert.True(steadyHigh > steadyLow, "sanity: the high-pass passes sharper edges");
    }
}

