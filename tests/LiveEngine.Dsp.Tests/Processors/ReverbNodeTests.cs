using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Processors;

public sealed class ReverbNodeTests
{
    private const int SampleRate = 48_000;
    private const int WindowFrames = SampleRate / 10;
    private readonly ITestOutputHelper _output;

    public ReverbNodeTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(2.0, 0.3)]
    [InlineData(1.0, 0.0)]
    public void Reverb_TailAfterBuildUp_LosesEnergyInEveryWindow(double decaySec, double damping)
    {
        double[] windowsDb = WindowLevelsDb(decaySec, damping, seconds: 2.0);
        for (int w = 3; w < windowsDb.Length; w++)
        {
            Assert.True(windowsDb[w] < windowsDb[w - 1], $"Window {w} ({windowsDb[w]:F2} dB) is not below window {w - 1} ({windowsDb[w - 1]:F2} dB).");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.0)]
    public void Reverb_MeasuredRt60_IsWithinTwentyPercentOfDecaySec(double decaySec)
    {
        // Fit a line to the 100 ms window levels from 0.3 s to where the tail is 40 dB down (or 3 s).
        double seconds = Math.Min(0.3 + (decaySec * 40 / 60), 3.0);
        double[] windowsDb = WindowLevelsDb(decaySec, damping: 0, seconds);
        double sumT = 0, sumL = 0, sumTT = 0, sumTL = 0;
        int n = 0;
        for (int w = 3; w < windowsDb.Length; w++)
        {
            double t = w * 0.1;
            sumT += t;
            sumL += windowsDb[w];
            sumTT += t * t;
            sumTL += t * windowsDb[w];
            n++;
        }

        double slopeDbPerSecond = ((n * sumTL) - (sumT * sumL)) / ((n * sumTT) - (sumT * sumT));
        double rt60 = -60 / slopeDbPerSecond;
        _output.WriteLine($"decaySec {decaySec}: measured RT60 {rt60:F3} s ({(rt60 / decaySec) - 1:P1})");
        Assert.InRange(rt60, decaySec * 0.8, decaySec * 1.2);
    }

    [Fact]
    public void Reverb_StereoImpulse_GivesFiniteAudibleDecorrelatedTail()
    {
        float[] impulse = TestSignals.Impulse(16);
        var parameters = new Dictionary<string, double> { ["mix"] = 1 };
        float[][] output = ProcessorHarness.Render("reverb", parameters, [impulse, impulse], SampleRate, SampleRate);
        Assert.All(output[0], x => Assert.True(float.IsFinite(x)));
        Assert.All(output[1], x => Assert.True(float.IsFinite(x)));
        double left = TestSignals.Rms(output[0]);
        double right = TestSignals.Rms(output[1]);
        Assert.True(left > 1e-3 && right > 1e-3, $"Tail RMS left {left}, right {right}: silent.");
        double cross = 0;
        for (int i = 0; i < output[0].Length; i++)
        {
            cross += (double)output[0][i] * output[1][i];
        }

        double correlation = cross / (left * right * output[0].Length);
        _output.WriteLine($"RMS L {left:F4} R {right:F4}, correlation {correlation:F3}");
        Assert.InRange(correlation, -0.3, 0.3);
    }

    [Fact]
    public void Reverb_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(2_000, seed: 14);
        float[] other = TestSignals.Noise(2_000, seed: 15);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile("reverb", new Dictionary<string, double> { ["size"] = 0.5 }, SampleRate, null, new ProcessorHarness.Feed("in", [noise, other]));
                ProcessorHarness.SetParameter(snapshot, "mix", 0.8f);
                return snapshot;
            },
            6_000);
    }

    /// <summary>Level in dB of each 100 ms window of the wet impulse response, left and right together.</summary>
    private static double[] WindowLevelsDb(double decaySec, double damping, double seconds)
    {
        int windows = (int)Math.Round(seconds * 10);
        float[] impulse = TestSignals.Impulse(16);
        var parameters = new Dictionary<string, double> { ["decaySec"] = decaySec, ["damping"] = damping, ["mix"] = 1 };
        float[][] output = ProcessorHarness.Render("reverb", parameters, [impulse, TestSignals.Impulse(16, amplitude: 0)], SampleRate, windows * WindowFrames);
        var levels = new double[windows];
        for (int w = 0; w < windows; w++)
        {
            double left = TestSignals.Rms(output[0].AsSpan(w * WindowFrames, WindowFrames));
            double right = TestSignals.Rms(output[1].AsSpan(w * WindowFrames, WindowFrames));
            levels[w] = 10 * Math.Log10(((left * left) + (right * right)) / 2);
        }

        return levels;
    }
}
