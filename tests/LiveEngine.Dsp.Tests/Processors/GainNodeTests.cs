namespace LiveEngine.Tests.Dsp.Processors;

public sealed class GainNodeTests
{
    [Fact]
    public void Gain_SteadyLevel_ScalesEverySampleExactly()
    {
        float[] noise = TestSignals.Noise(1_000, seed: 1);
        float[][] output = ProcessorHarness.Render("gain", new Dictionary<string, double> { ["level"] = 0.25 }, [noise, noise], 48_000, noise.Length, channels: 2);
        for (int i = 0; i < noise.Length; i++)
        {
            Assert.Equal(noise[i] * 0.25f, output[0][i]);
            Assert.Equal(noise[i] * 0.25f, output[1][i]);
        }
    }

    [Fact]
    public void Gain_LevelChange_GlidesWithoutAJumpAndLandsOnTheTarget()
    {
        float[] ones = TestSignals.Constant(9_600, 1f);
        var snapshot = ProcessorHarness.Compile("gain", null, 48_000, 1, new ProcessorHarness.Feed("in", [ones]));
        ProcessorHarness.SetParameter(snapshot, "level", 2f);
        float[] output = LiveEngine.Execution.OfflineRender.Render(snapshot, ones.Length, _ => 64)[0];
        Assert.InRange(output[0], 1f, 1.01f);
        for (int i = 1; i < output.Length; i++)
        {
            Assert.True(output[i] >= output[i - 1] && output[i] - output[i - 1] < 0.01f, $"Frame {i}: {output[i - 1]} to {output[i]} is not a smooth rise.");
        }

        Assert.Equal(2f, output[^1]);
    }

    [Fact]
    public void Gain_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(4_000, seed: 2);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile("gain", null, 48_000, 2, new ProcessorHarness.Feed("in", [noise, noise]));
                ProcessorHarness.SetParameter(snapshot, "level", 3f);
                return snapshot;
            },
            noise.Length);
    }
}
