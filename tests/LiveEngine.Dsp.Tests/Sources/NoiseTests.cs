using LiveEngine.Graph;
using Xunit.Abstractions;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class NoiseTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("whitenoise")]
    [InlineData("pinknoise")]
    public void Noise_Rerender_IsIdentical(string type)
    {
        float[] first = SourceRendering.Render(type, 48_000, 4_096);
        float[] second = SourceRendering.Render(type, 48_000, 4_096);
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData("whitenoise")]
    [InlineData("pinknoise")]
    public void Noise_NodesWithDifferentIds_Differ(string type)
    {
        float[] a = SourceRendering.Render(Named(type, "a"), 48_000, 48_000);
        float[] b = SourceRendering.Render(Named(type, "b"), 48_000, 48_000);

        // Correlate first differences: pink noise's strong low end makes the plain correlation of two
        // independent one-second streams wander too much to test.
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 1; i < a.Length; i++)
        {
            double da = a[i] - a[i - 1];
            double db = b[i] - b[i - 1];
            ab += da * db;
            aa += da * da;
            bb += db * db;
        }

        double correlation = ab / Math.Sqrt(aa * bb);
        Assert.NotEqual(a, b);
        Assert.InRange(correlation, -0.03, 0.03);
    }

    [Fact]
    public void Noise_DifferentSessionSeeds_Differ()
    {
        GraphDescription graph = SourceRendering.Graph("whitenoise");
        float[] a = Execution.OfflineRender.Render(SourceRendering.Compile(graph, seed: 1), 1_024, _ => 512)[0];
        float[] b = Execution.OfflineRender.Render(SourceRendering.Compile(graph, seed: 2), 1_024, _ => 512)[0];
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void WhiteNoise_IsUniformWithZeroMean()
    {
        float[] signal = SourceRendering.Render("whitenoise", 48_000, 96_000, ("level", 0.5));
        double mean = signal.Average(x => (double)x);
        Assert.InRange(mean, -0.005, 0.005);
        Assert.Equal(0.5 / Math.Sqrt(3), SignalAnalysis.Rms(signal), 2);
        Assert.InRange(signal.Min(), -0.5f, -0.499f);
        Assert.InRange(signal.Max(), 0.499f, 0.5f);
    }

    [Fact]
    public void WhiteNoise_SpectrumIsFlat()
    {
        float[] signal = SourceRendering.Render("whitenoise", 48_000, 1 << 19);
        double[] power = SignalAnalysis.WelchPower(signal, 1 << 12);
        double[] bands = OctaveBandsDb(power, 48_000, 1 << 12, [250, 500, 1_000, 2_000, 4_000, 8_000]);
        foreach (double band in bands)
        {
            Assert.InRange(band - bands[0], -0.5, 0.5);
        }
    }

    [Theory]
    [InlineData(44_100)]
    [InlineData(48_000)]
    public void PinkNoise_FallsThreeDbPerOctave(int sampleRate)
    {
        const int segment = 1 << 14;
        float[] signal = SourceRendering.Render("pinknoise", sampleRate, 1 << 20);
        double[] power = SignalAnalysis.WelchPower(signal, segment);
        double[] centers = [50, 100, 200, 400, 800, 1_600, 3_200, 6_400];
        double[] bands = OctaveBandsDb(power, sampleRate, segment, centers);

        // Least-squares line through the band levels against octave number.
        double meanX = (bands.Length - 1) / 2.0;
        double meanY = bands.Average();
        double numerator = 0;
        double denominator = 0;
        for (int i = 0; i < bands.Length; i++)
        {
            numerator += (i - meanX) * (bands[i] - meanY);
            denominator += (i - meanX) * (i - meanX);
        }

        double slope = numerator / denominator;
        output.WriteLine($"pink @ {sampleRate} Hz: slope {slope:F3} dB/octave over 50 Hz..6.4 kHz; bands {string.Join(", ", bands.Select(b => b.ToString("F2")))}");
        Assert.InRange(slope, -3.25, -2.75);
        for (int i = 0; i < bands.Length; i++)
        {
            double ideal = meanY + (-3.0103 * (i - meanX));
            Assert.True(Math.Abs(bands[i] - ideal) < 1, $"Octave at {centers[i]} Hz is {bands[i] - ideal:F2} dB off a -3 dB/octave line.");
        }
    }

    /// <summary>Mean power density (dB) in each octave band [f/√2, f·√2).</summary>
    private static double[] OctaveBandsDb(double[] power, int sampleRate, int segment, double[] centers)
    {
        double binHz = (double)sampleRate / segment;
        var bands = new double[centers.Length];
        for (int i = 0; i < centers.Length; i++)
        {
            int low = (int)Math.Ceiling(centers[i] / Math.Sqrt(2) / binHz);
            int high = (int)Math.Floor(centers[i] * Math.Sqrt(2) / binHz);
            double sum = 0;
            for (int b = low; b <= high; b++)
            {
                sum += power[b];
            }

            bands[i] = 10 * Math.Log10(sum / (high - low + 1));
        }

        return bands;
    }

    private static GraphDescription Named(string type, string id)
    {
        var graph = new GraphDescription();
        graph.Add(id, type);
        graph.Add("out", "out", channels: 1);
        graph.Connect(id, "out");
        return graph;
    }
}
