using LiveEngine.Dsp.Nodes;
using LiveEngine.Execution;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Processors;

public sealed class MasterNodeTests
{
    private const int SampleRate = 48_000;
    private readonly ITestOutputHelper _output;

    public MasterNodeTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(-0.3)]
    [InlineData(-6.0)]
    [InlineData(-24.0)]
    public void Master_OverdrivenByTwelveDecibels_NeverExceedsCeiling(double ceilingDb)
    {
        float ceiling = (float)Math.Pow(10, (float)ceilingDb / 20.0);
        float[] loud = TestSignals.Sine(SampleRate / 2, 997, SampleRate, amplitude: ceiling * Math.Pow(10, 12.0 / 20));
        float[] noise = TestSignals.Noise(SampleRate / 2, seed: 21, amplitude: 4 * ceiling);
        var parameters = new Dictionary<string, double> { ["ceilingDb"] = ceilingDb };
        float[][] output = ProcessorHarness.Render("master", parameters, [loud, noise], SampleRate, loud.Length);
        double peak = Math.Max(TestSignals.PeakMagnitude(output[0]), TestSignals.PeakMagnitude(output[1]));
        _output.WriteLine($"ceiling {ceiling:R} ({ceilingDb} dB): output peak {peak:R}, sine RMS after limiting {TestSignals.Rms(output[0].AsSpan(SampleRate / 4)):F4}");
        Assert.True(peak <= ceiling, $"Peak {peak:R} exceeds the ceiling {ceiling:R}.");
        Assert.True(peak >= ceiling * 0.99, $"Peak {peak:R}: the limiter pulls far below the ceiling {ceiling:R}.");
    }

    [Fact]
    public void Master_BelowCeiling_PassesTheSignalUnchanged()
    {
        float[] sine = TestSignals.Sine(4_096, 440, SampleRate, amplitude: 0.5);
        float[][] output = ProcessorHarness.Render("master", null, [sine, sine], SampleRate, sine.Length);
        Assert.Equal(sine, output[0]);
        Assert.Equal(sine, output[1]);
    }

    [Fact]
    public void Master_NonFiniteInput_IsCountedAndSilencesTheChannelToTheEndOfTheBlock()
    {
        float[] left = TestSignals.Constant(256, 0.25f);
        float[] right = TestSignals.Constant(256, 0.25f);
        left[100] = float.NaN;
        left[110] = float.PositiveInfinity;
        right[200] = float.NegativeInfinity;
        var snapshot = ProcessorHarness.Compile("master", null, SampleRate, 2, new ProcessorHarness.Feed("in", [left, right]));
        float[][] output = OfflineRender.Render(snapshot, 256, _ => 64);
        Assert.Equal(3, ProcessorHarness.NodeUnderTest<MasterNode>(snapshot).BadSampleCount);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(i is >= 100 and < 128 ? 0f : 0.25f, output[0][i]);
            Assert.Equal(i is >= 200 and < 256 ? 0f : 0.25f, output[1][i]);
        }
    }

    [Fact]
    public void Master_TinyInput_IsFlushedToZero()
    {
        float[] input = [1e-35f, -1e-31f, 1e-40f, 1e-20f, -1e-29f];
        float[] output = ProcessorHarness.Render("master", null, [input], SampleRate, input.Length, channels: 1)[0];
        Assert.Equal([0f, 0f, 0f, 1e-20f, -1e-29f], output);
    }

    [Fact]
    public void Master_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(6_000, seed: 16, amplitude: 3);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile("master", new Dictionary<string, double> { ["releaseMs"] = 5 }, SampleRate, 1, new ProcessorHarness.Feed("in", [noise]));
                ProcessorHarness.SetParameter(snapshot, "level", 0.5f);
                return snapshot;
            },
            noise.Length);
    }
}
