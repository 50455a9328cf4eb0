namespace LiveEngine.Tests.Dsp.Processors;

public sealed class MixerNodeTests
{
    [Fact]
    public void Mixer_Output_IsTheGainWeightedSumOfItsInputs()
    {
        float[] a = TestSignals.Noise(1_000, seed: 12);
        float[] b = TestSignals.Noise(1_000, seed: 13);
        float[] c = TestSignals.Noise(1_000, seed: 14);
        var parameters = new Dictionary<string, double> { ["gain1"] = 0.5, ["gain3"] = 2, ["gain8"] = 0.25 };
        var snapshot = ProcessorHarness.Compile("mixer", parameters, 48_000, null, new("in1", [a, b]), new("in3", [b, c]), new("in8", [c, a]));
        float[][] output = LiveEngine.Execution.OfflineRender.Render(snapshot, a.Length, _ => 64);
        for (int i = 0; i < a.Length; i++)
        {
            // Accumulated in input order, in float: the exact bits.
            Assert.Equal((a[i] * 0.5f) + (b[i] * 2f) + (c[i] * 0.25f), output[0][i]);
            Assert.Equal((b[i] * 0.5f) + (c[i] * 2f) + (a[i] * 0.25f), output[1][i]);
        }
    }

    [Fact]
    public void Mixer_SineAndInvertedSine_CancelToSilence()
    {
        float[] sine = TestSignals.Sine(2_000, 440, 48_000);
        var parameters = new Dictionary<string, double> { ["gain2"] = 0.5 };
        var snapshot = ProcessorHarness.Compile("mixer", parameters, 48_000, 1, new("in1", [sine]), new("in2", [Array.ConvertAll(sine, x => -2 * x)]));
        float[] output = LiveEngine.Execution.OfflineRender.Render(snapshot, sine.Length, _ => 64)[0];
        Assert.All(output, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Mixer_Output_DoesNotDependOnBlockSize()
    {
        float[] a = TestSignals.Noise(3_000, seed: 15);
        float[] b = TestSignals.Noise(3_000, seed: 16);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile("mixer", null, 48_000, null, new("in1", [a, b]), new("in2", [b, a]));
                ProcessorHarness.SetParameter(snapshot, "gain2", 0.1f);
                return snapshot;
            },
            a.Length);
    }
}
