using System.Numerics;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Processors;

/// <summary>
/// The RBJ biquads against the cookbook's analog prototypes: each digital filter is the prototype under the
/// bilinear transform prewarped at the cutoff, so |H(e^jw)| = |H_a(j tan(w/2) / tan(w0/2))|. The measured
/// response is the DFT of the node's impulse response.
/// </summary>
public sealed class BiquadResponseTests
{
    private const double ToleranceDb = 0.1;
    private static readonly double[] s_frequenciesHz = [40, 200, 700, 1_000, 1_400, 3_000, 9_000, 19_000];

    private readonly ITestOutputHelper _output;

    public BiquadResponseTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, double, double, double, int> Cases()
    {
        var data = new TheoryData<string, double, double, double, int>();
        foreach (int sampleRate in new[] { 48_000, 96_000 })
        {
            data.Add("lpf", 1_000, 0.7071, 0, sampleRate);
            data.Add("hpf", 1_000, 0.7071, 0, sampleRate);
            data.Add("bpf", 1_000, 2, 0, sampleRate);
            data.Add("notch", 1_000, 0.7071, 0, sampleRate);
            data.Add("peak", 1_000, 2, 9, sampleRate);
            data.Add("lowshelf", 1_000, 0.7071, -6, sampleRate);
            data.Add("highshelf", 1_000, 0.7071, 12, sampleRate);
        }

        data.Add("lpf", 30, 5, 0, 96_000);
        data.Add("peak", 80, 8, -12, 96_000);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Biquad_MagnitudeResponse_MatchesRbjPrototypeWithinTenthDb(string type, double cutoffHz, double q, double gainDb, int sampleRate)
    {
        float[] response = ImpulseResponse(type, cutoffHz, q, gainDb, sampleRate);
        double worst = 0;
        foreach (double frequencyHz in s_frequenciesHz)
        {
            double expectedDb = PrototypeMagnitudeDb(type, frequencyHz, cutoffHz, q, gainDb, sampleRate);
            if (expectedDb < -80)
            {
                continue;
            }

            double measuredDb = Dft.MagnitudeDb(response, frequencyHz, sampleRate);
            Assert.True(Math.Abs(measuredDb - expectedDb) <= ToleranceDb, $"{type} at {frequencyHz} Hz: {measuredDb:F3} dB, expected {expectedDb:F3} dB.");
            worst = Math.Max(worst, Math.Abs(measuredDb - expectedDb));
        }

        _output.WriteLine($"{type} fc={cutoffHz} q={q} gain={gainDb} dB @ {sampleRate} Hz: max error {worst:E2} dB");
    }

    [Theory]
    [InlineData(48_000)]
    [InlineData(96_000)]
    public void Lpf_MagnitudeAtCutoff_IsMinusThreeDecibels(int sampleRate)
    {
        float[] response = ImpulseResponse("lpf", 1_000, Math.Sqrt(0.5), 0, sampleRate);
        Assert.Equal(-3.0103, Dft.MagnitudeDb(response, 1_000, sampleRate), 2);
    }

    [Fact]
    public void Peak_MagnitudeAtCentre_EqualsGainDb()
    {
        float[] response = ImpulseResponse("peak", 2_000, 1.5, 7.5, 48_000);
        Assert.Equal(7.5, Dft.MagnitudeDb(response, 2_000, 48_000), 2);
    }

    [Fact]
    public void Lpf_AtTenHertzAndHighestRate_PassesDirectCurrentAtUnityGain()
    {
        const int sampleRate = 192_000;
        float[] step = TestSignals.Constant(sampleRate, 1f);
        float[] output = ProcessorHarness.Render("lpf", new Dictionary<string, double> { ["cutoffHz"] = 10 }, [step], sampleRate, step.Length)[0];
        Assert.Equal(1.0, output[^1], 4);
    }

    [Fact]
    public void Lpf_CutoffAboveNyquist_IsClampedAndStaysFinite()
    {
        const int sampleRate = 22_050;
        float[] noise = TestSignals.Noise(4_096, seed: 3);
        float[] output = ProcessorHarness.Render("lpf", new Dictionary<string, double> { ["cutoffHz"] = 20_000, ["q"] = 30 }, [noise], sampleRate, noise.Length)[0];
        Assert.All(output, x => Assert.True(float.IsFinite(x)));
    }

    [Theory]
    [InlineData("lpf")]
    [InlineData("peak")]
    [InlineData("highshelf")]
    public void Biquad_Output_DoesNotDependOnBlockSize(string type)
    {
        float[] noise = TestSignals.Noise(6_000, seed: 11);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile(type, new Dictionary<string, double> { ["gainDb"] = 6 }, 48_000, 2, new ProcessorHarness.Feed("in", [noise, noise]));

                // A glide from the start exercises the per-frame coefficient path too.
                ProcessorHarness.SetParameter(snapshot, "cutoffHz", 3_000);
                return snapshot;
            },
            noise.Length);
    }

    private static float[] ImpulseResponse(string type, double cutoffHz, double q, double gainDb, int sampleRate)
    {
        int frames = cutoffHz < 100 ? 1 << 17 : 1 << 14;
        var parameters = new Dictionary<string, double> { ["cutoffHz"] = cutoffHz, ["q"] = q, ["gainDb"] = gainDb };
        return ProcessorHarness.Render(type, parameters, [TestSignals.Impulse(frames)], sampleRate, frames)[0];
    }

    /// <summary>The cookbook's analog prototypes with s = j tan(w/2) / tan(w0/2).</summary>
    private static double PrototypeMagnitudeDb(string type, double frequencyHz, double cutoffHz, double q, double gainDb, int sampleRate)
    {
        // The parameter travels as a float: design the reference from the same rounded values.
        cutoffHz = (float)cutoffHz;
        q = (float)q;
        gainDb = (float)gainDb;
        double omega = Math.Tan(Math.PI * frequencyHz / sampleRate) / Math.Tan(Math.PI * cutoffHz / sampleRate);
        var s = new Complex(0, omega);
        double a = Math.Pow(10, gainDb / 40);
        double rootA = Math.Sqrt(a);
        Complex h = type switch
        {
            "lpf" => 1 / ((s * s) + (s / q) + 1),
            "hpf" => s * s / ((s * s) + (s / q) + 1),
            "bpf" => s / q / ((s * s) + (s / q) + 1),
            "notch" => ((s * s) + 1) / ((s * s) + (s / q) + 1),
            "peak" => ((s * s) + (s * a / q) + 1) / ((s * s) + (s / (a * q)) + 1),
            "lowshelf" => a * ((s * s) + (rootA / q * s) + a) / ((a * s * s) + (rootA / q * s) + 1),
            "highshelf" => a * ((a * s * s) + (rootA / q * s) + 1) / ((s * s) + (rootA / q * s) + a),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a biquad type."),
        };
        return 20 * Math.Log10(h.Magnitude);
    }
}
