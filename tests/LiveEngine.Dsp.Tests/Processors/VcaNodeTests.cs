namespace LiveEngine.Tests.Dsp.Processors;

public sealed class VcaNodeTests
{
    [Fact]
    public void Vca_Output_IsInputTimesControlSignal()
    {
        float[] noise = TestSignals.Noise(1_000, seed: 3);
        float[] other = TestSignals.Noise(1_000, seed: 4);
        float[] cv = TestSignals.Noise(1_000, seed: 5);
        var snapshot = ProcessorHarness.Compile("vca", null, 48_000, 2, new("in", [noise, other]), new("cv", [cv]));
        float[][] output = LiveEngine.Execution.OfflineRender.Render(snapshot, noise.Length, _ => 64);
        for (int i = 0; i < noise.Length; i++)
        {
            Assert.Equal(noise[i] * cv[i], output[0][i]);
            Assert.Equal(other[i] * cv[i], output[1][i]);
        }
    }

    [Fact]
    public void Vca_UnconnectedControlSignal_GivesSilence()
    {
        float[] noise = TestSignals.Noise(256, seed: 6);
        float[] output = ProcessorHarness.Render("vca", null, [noise], 48_000, noise.Length)[0];
        Assert.All(output, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Vca_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(3_000, seed: 7);
        float[] cv = TestSignals.Noise(3_000, seed: 8);
        ProcessorHarness.AssertBlockSizeInvariant(
            () => ProcessorHarness.Compile("vca", null, 48_000, 1, new("in", [noise]), new("cv", [cv])),
            noise.Length);
    }
}
