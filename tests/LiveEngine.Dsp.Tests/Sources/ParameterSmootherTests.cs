using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class ParameterSmootherTests
{
    [Fact]
    public void Next_AfterOneTimeConstant_CoversSixtyThreePercentOfTheStep()
    {
        var smoother = ParameterSmoother.Create(0f, 1f, 48_000);
        smoother.Target = 1f;
        float value = 0;
        for (int i = 0; i < 48; i++)
        {
            value = smoother.Next();
        }

        Assert.Equal(1 - Math.Exp(-1), value, 4);
    }

    [Fact]
    public void Next_LandsExactlyOnTheTarget_ThenStopsSmoothing()
    {
        var smoother = ParameterSmoother.Create(440f, 5f, 48_000);
        smoother.Target = 880f;
        Assert.True(smoother.IsSmoothing);
        int steps = 0;
        while (smoother.IsSmoothing && steps < 100_000)
        {
            smoother.Next();
            steps++;
        }

        Assert.Equal(880f, smoother.Current);
        Assert.False(smoother.IsSmoothing);

        // ln(440 / (880 · 1e-5)) ≈ 10.8 time constants of 240 frames.
        Assert.InRange(steps, 2_400, 2_800);
    }

    [Fact]
    public void Snap_JumpsToTheTarget()
    {
        var smoother = ParameterSmoother.Create(0f, 100f, 48_000);
        smoother.Target = 0.25f;
        smoother.Snap();
        Assert.Equal(0.25f, smoother.Current);
        Assert.False(smoother.IsSmoothing);
        Assert.Equal(0.25f, smoother.Next());
    }

    [Fact]
    public void ZeroTime_ReachesTheTargetOnTheNextStep()
    {
        var smoother = ParameterSmoother.Create(1f, 0f, 48_000);
        smoother.Target = -3f;
        Assert.Equal(-3f, smoother.Next());
    }

    [Fact]
    public void ApplyGain_MatchesNextPerSample()
    {
        var perSample = ParameterSmoother.Create(1f, 2f, 48_000);
        var block = perSample;
        perSample.Target = 0.5f;
        block.Target = 0.5f;
        var samples = new float[5_000];
        samples.AsSpan().Fill(0.75f);
        block.ApplyGain(samples.AsSpan(0, 3_000));
        block.ApplyGain(samples.AsSpan(3_000));
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(0.75f * perSample.Next(), samples[i]);
        }
    }
}
