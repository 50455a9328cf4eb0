using LiveEngine.Graph;
using LiveEngine.Snapshots;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class LagTests
{
    [Fact]
    public void Lag_StepInput_CoversSixtyThreePercentAfterTimeMs()
    {
        // A step from 0 to 1 at frame 1,000: an ADSR with zero times and sustain 1, gated there.
        float[] output = RenderStep(timeMs: 10);
        Assert.All(output.AsSpan(0, 1_000).ToArray(), x => Assert.Equal(0f, x));

        // One-pole: frame 1,000 + k is 1 - (1 - c)^(k + 1) with c = 1 - e^(-1 / 480).
        Assert.Equal(1 - Math.Exp(-1), output[1_000 + 479], 4);
        Assert.Equal(1 - Math.Exp(-2), output[1_000 + 959], 4);
        Assert.Equal(1f, output[^1]);
    }

    [Fact]
    public void Lag_ZeroTime_PassesTheInputThrough()
    {
        float[] output = RenderStep(timeMs: 0);
        Assert.Equal(0f, output[999]);
        Assert.Equal(1f, output[1_000]);
    }

    private static float[] RenderStep(float timeMs)
    {
        var graph = new GraphDescription();
        graph.Add("step", "adsr", SourceRendering.ToDictionary(("attackMs", 0), ("decayMs", 0), ("sustain", 1), ("releaseMs", 0), ("gate", 0)));
        graph.Add("src", "lag", SourceRendering.ToDictionary(("timeMs", timeMs)));
        graph.Add("out", "out", channels: 1);
        graph.Chain("step", "src", "out");
        GraphSnapshot snapshot = SourceRendering.Compile(graph, 48_000, 64);
        return SourceRendering.RenderScripted(snapshot, 48_000, _ => 64, [new(1_000, "step", "gate", 1)])[0];
    }
}
