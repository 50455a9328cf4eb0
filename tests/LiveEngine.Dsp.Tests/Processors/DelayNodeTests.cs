namespace LiveEngine.Tests.Dsp.Processors;

public sealed class DelayNodeTests
{
    [Theory]
    [InlineData(48_000, 10.0, 480)]
    [InlineData(44_100, 10.0, 441)]
    [InlineData(96_000, 250.0, 24_000)]
    public void Delay_Impulse_ComesOutExactlyDelayFramesLater(int sampleRate, double delayMs, int delayFrames)
    {
        var parameters = new Dictionary<string, double> { ["delayMs"] = delayMs, ["mix"] = 1 };
        float[] output = ProcessorHarness.Render("delay", parameters, [TestSignals.Impulse(16)], sampleRate, delayFrames * 3)[0];
        for (int i = 0; i < output.Length; i++)
        {
            Assert.Equal(i == delayFrames ? 1f : 0f, output[i]);
        }
    }

    [Fact]
    public void Delay_Feedback_DecaysGeometrically()
    {
        const int DelayFrames = 480;
        var parameters = new Dictionary<string, double> { ["delayMs"] = 10, ["feedback"] = 0.5, ["mix"] = 1 };
        float[] output = ProcessorHarness.Render("delay", parameters, [TestSignals.Impulse(16)], 48_000, DelayFrames * 8)[0];
        for (int i = 0; i < output.Length; i++)
        {
            float expected = i > 0 && i % DelayFrames == 0 ? MathF.Pow(0.5f, (i / DelayFrames) - 1) : 0f;
            Assert.Equal(expected, output[i]);
        }
    }

    [Fact]
    public void Delay_HalfFrameDelay_SplitsTheImpulseBetweenNeighbours()
    {
        // 480.5 frames at 48 kHz; the float parameter rounds the fraction a little.
        var parameters = new Dictionary<string, double> { ["delayMs"] = 480.5 / 48.0, ["mix"] = 1 };
        float[] output = ProcessorHarness.Render("delay", parameters, [TestSignals.Impulse(16)], 48_000, 1_024)[0];
        Assert.Equal(0.5, output[480], 3);
        Assert.Equal(0.5, output[481], 3);
        Assert.Equal(1.0, output[480] + output[481], 6);
    }

    [Fact]
    public void Delay_HalfMix_BlendsDryAndDelayedEqually()
    {
        var parameters = new Dictionary<string, double> { ["delayMs"] = 1, ["mix"] = 0.5 };
        float[] output = ProcessorHarness.Render("delay", parameters, [TestSignals.Impulse(16)], 48_000, 100)[0];
        Assert.Equal(0.5f, output[0]);
        Assert.Equal(0.5f, output[48]);
    }

    [Fact]
    public void Delay_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(8_000, seed: 13);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var parameters = new Dictionary<string, double> { ["delayMs"] = 20, ["feedback"] = 0.7 };
                var snapshot = ProcessorHarness.Compile("delay", parameters, 48_000, 2, new ProcessorHarness.Feed("in", [noise, noise]));

                // A gliding delay time reads between frames: the interpolation path.
                ProcessorHarness.SetParameter(snapshot, "delayMs", 33.3f);
                return snapshot;
            },
            noise.Length);
    }
}
