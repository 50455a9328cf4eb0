using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Processors;

/// <summary>The TPT state-variable low-pass: its prototype is 1 / (s^2 + s / q + 1), prewarped at the cutoff.</summary>
public sealed class RlpfTests
{
    private const int SampleRate = 48_000;
    private readonly ITestOutputHelper _output;

    public RlpfTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(0.7071, 48_000)]
    [InlineData(3.333, 48_000)]
    [InlineData(20, 96_000)]
    public void Rlpf_MagnitudeAtCutoff_EqualsQ(double q, int sampleRate)
    {
        float[] response = ImpulseResponse(2_000, q, sampleRate);
        double measuredDb = Dft.MagnitudeDb(response, 2_000, sampleRate);
        _output.WriteLine($"q={q}: {measuredDb:F4} dB at the cutoff, expected {QDb(q):F4} dB");
        Assert.Equal(QDb(q), measuredDb, 2);
    }

    [Fact]
    public void Rlpf_ResonancePeak_SitsWhereThePrototypePutsIt()
    {
        const double CutoffHz = 2_000;
        const double Q = 3.333;

        // |1 / (s^2 + s/q + 1)| peaks at omega = sqrt(1 - 1 / (2 q^2)); the bilinear transform maps it back.
        double peakOmega = Math.Sqrt(1 - (1 / (2 * Q * Q)));
        double expectedHz = SampleRate / Math.PI * Math.Atan(peakOmega * Math.Tan(Math.PI * CutoffHz / SampleRate));
        float[] response = ImpulseResponse(CutoffHz, Q, SampleRate);
        double bestHz = 0;
        double bestDb = double.NegativeInfinity;
        for (double f = expectedHz - 40; f <= expectedHz + 40; f += 1)
        {
            double db = Dft.MagnitudeDb(response, f, SampleRate);
            if (db > bestDb)
            {
                (bestHz, bestDb) = (f, db);
            }
        }

        _output.WriteLine($"peak at {bestHz:F1} Hz ({bestDb:F3} dB), expected {expectedHz:F1} Hz");
        Assert.InRange(bestHz, expectedHz - 1, expectedHz + 1);
        Assert.Equal(20 * Math.Log10(Q / Math.Sqrt(1 - (1 / (4 * Q * Q)))), bestDb, 2);
    }

    [Fact]
    public void Rlpf_AboveCutoff_FallsTwelveDecibelsPerOctave()
    {
        float[] response = ImpulseResponse(200, 0.7071, SampleRate);
        double slope = Dft.MagnitudeDb(response, 3_200, SampleRate) - Dft.MagnitudeDb(response, 1_600, SampleRate);
        _output.WriteLine($"slope {slope:F3} dB/octave");
        Assert.InRange(slope, -12.5, -11.5);
    }

    [Fact]
    public void Rlpf_UnderWildModulation_StaysFiniteAndBounded()
    {
        float[] noise = TestSignals.Noise(SampleRate, seed: 5);
        var snapshot = ProcessorHarness.Compile("rlpf", null, SampleRate, 1, new ProcessorHarness.Feed("in", [noise]));
        var random = new Random(17);
        double peak = 0;
        for (long position = 0; position < noise.Length; position += 16)
        {
            ProcessorHarness.SetParameter(snapshot, "cutoffHz", (float)(10 * Math.Pow(2000, random.NextDouble())));
            ProcessorHarness.SetParameter(snapshot, "q", (float)(0.5 + (39.5 * random.NextDouble())));
            LiveEngine.Execution.SingleThreadExecutor.Process(snapshot, 16, position);
            foreach (float x in snapshot.GetOutput(0, 16))
            {
                Assert.True(float.IsFinite(x));
                peak = Math.Max(peak, Math.Abs(x));
            }
        }

        _output.WriteLine($"peak under modulation: {peak:F2}");
        Assert.True(peak < 200, $"Peak {peak} under modulation: the filter is blowing up.");
    }

    [Fact]
    public void Rlpf_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(6_000, seed: 12);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile("rlpf", null, SampleRate, 2, new ProcessorHarness.Feed("in", [noise, noise]));
                ProcessorHarness.SetParameter(snapshot, "cutoffHz", 500);
                return snapshot;
            },
            noise.Length);
    }

    private static double QDb(double q) => 20 * Math.Log10((float)q);

    private static float[] ImpulseResponse(double cutoffHz, double q, int sampleRate)
    {
        const int Frames = 1 << 14;
        var parameters = new Dictionary<string, double> { ["cutoffHz"] = cutoffHz, ["q"] = q };
        return ProcessorHarness.Render("rlpf", parameters, [TestSignals.Impulse(Frames)], sampleRate, Frames)[0];
    }
}
