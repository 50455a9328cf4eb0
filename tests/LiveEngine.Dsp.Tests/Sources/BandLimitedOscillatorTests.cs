using LiveEngine.Dsp.Nodes;
using Xunit.Abstractions;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class BandLimitedOscillatorTests(ITestOutputHelper output)
{
    private const int SampleRate = 48_000;
    private const int AliasFftSize = 1 << 15;
    private const int AliasSkip = 4_096;

    [Fact]
    public void Saw_At5kHz_AliasesBelowMinus60Db()
    {
        double aliasDb = MeasureAliasDb("saw", 5_000, ("freqHz", 5_000));
        double predictedDb = PredictedAliasDb(Render("saw", ("freqHz", 5_000)), 5_000);
        output.WriteLine($"saw 5 kHz @ 48 kHz: worst non-harmonic line {aliasDb:F1} dB, worst line at a predicted alias frequency {predictedDb:F1} dB re fundamental");
        Assert.True(aliasDb < -60, $"Worst alias product is {aliasDb:F1} dB relative to the fundamental; must be below -60 dB.");
    }

    [Fact]
    public void AliasMeasurement_FindsTheAliasesOfANaiveSaw()
    {
        // The measurement must be able to fail: the naive saw's aliases are only about 20 dB down.
        uint increment = (uint)Math.Round(5_000.0 / SampleRate * 4294967296.0);
        var naive = new float[4_096 + (1 << 15)];
        for (int i = 0; i < naive.Length; i++)
        {
            naive[i] = (int)(((uint)i * increment) ^ 0x80000000u) / 2147483648f;
        }

        double aliasDb = MeasureAliasDb(naive, 5_000);
        Assert.InRange(aliasDb, -40, 0);
    }

    [Theory]
    [InlineData("square")]
    [InlineData("triangle")]
    public void PulseAndTriangle_At5kHz_AliasBelowMinus60Db(string type)
    {
        double aliasDb = MeasureAliasDb(type, 5_000, ("freqHz", 5_000));
        output.WriteLine($"{type} 5 kHz @ 48 kHz: worst alias {aliasDb:F1} dB re fundamental");
        Assert.True(aliasDb < -60, $"Worst alias product of the {type} is {aliasDb:F1} dB relative to the fundamental; must be below -60 dB.");
    }

    [Fact]
    public void Saw_IsTheNaiveRampDelayedByLatencyFrames()
    {
        const double frequencyHz = 100;
        float[] signal = SourceRendering.Render("saw", SampleRate, 2_000, ("freqHz", frequencyHz));
        uint increment = (uint)Math.Round(frequencyHz / SampleRate * 4294967296.0);
        int latency = BandLimitedOscillatorNode.LatencyFrames;
        int compared = 0;
        for (int n = 200; n < signal.Length; n++)
        {
            // The saw starts mid-ramp (phase 1/2); frame m of the waveform has advanced m + 1 steps.
            uint phase = 0x80000000u + ((uint)(n - latency + 1) * increment);
            float naive = (int)(phase ^ 0x80000000u) / 2147483648f;
            if (Math.Abs(naive) < 0.9f)
            {
                Assert.True(Math.Abs(signal[n] - naive) < 1e-3, $"Frame {n}: {signal[n]} differs from the naive ramp {latency} frames earlier ({naive}).");
                compared++;
            }
        }

        Assert.True(compared > 1_000);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.625)]
    [InlineData(0.984375)]
    public void Saw_Phase_StartsThatFractionOfAPeriodAhead(double phase)
    {
        // 750 Hz is a period of exactly 64 frames, so a start phase of p periods is the same saw 64·p frames later.
        float[] reference = SourceRendering.Render("saw", SampleRate, 2_000, ("freqHz", 750));
        float[] shifted = SourceRendering.Render("saw", SampleRate, 2_000, ("freqHz", 750), ("phase", phase));
        int ahead = (int)Math.Round(phase * 64);
        for (int n = 200; n < 1_800; n++)
        {
            Assert.True(Math.Abs(shifted[n] - reference[n + ahead]) < 1e-6, $"Frame {n}: {shifted[n]} is not the saw {ahead} frames later ({reference[n + ahead]}).");
        }

        Assert.True(Math.Abs(shifted[300] - reference[300]) > 0.01, "the start phase did not move the saw");
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void Square_PulseWidth_SetsDutyCycle(double pulseWidth)
    {
        // 480 Hz at 48 kHz: exactly 100 frames per period, so the mean over whole periods is 2·width - 1.
        float[] signal = SourceRendering.Render("square", SampleRate, 12_000, ("freqHz", 480), ("pulseWidth", pulseWidth));
        double mean = 0;
        for (int i = 2_000; i < 12_000; i++)
        {
            mean += signal[i] / 10_000.0;
        }

        Assert.Equal((2 * pulseWidth) - 1, mean, 3);
    }

    [Theory]
    [InlineData("saw")]
    [InlineData("square")]
    [InlineData("triangle")]
    public void Oscillator_AtLowFrequency_SpansMinusOneToOne(string type)
    {
        float[] signal = SourceRendering.Render(type, SampleRate, 4_800, ("freqHz", 100));
        float max = signal.AsSpan(500).ToArray().Max();
        float min = signal.AsSpan(500).ToArray().Min();

        // The band-limited steps ring by the Gibbs overshoot (about 9 % of the jump's half); corners barely.
        double tolerance = type == "triangle" ? 0.01 : 0.2;
        Assert.InRange(max, 1 - 0.01, 1 + tolerance);
        Assert.InRange(min, -1 - tolerance, -1 + 0.01);
    }

    [Fact]
    public void Square_FreshStart_IsABandLimitedStepFromSilence()
    {
        // The square starts at +1: the start is a band-limited step centred on frame LatencyFrames, so the
        // frames before it carry only the small pre-ringing and none is a jump from silence to full scale.
        float[] signal = SourceRendering.Render("square", SampleRate, 256, ("freqHz", 100));
        int latency = BandLimitedOscillatorNode.LatencyFrames;
        for (int i = 0; i < latency - 4; i++)
        {
            Assert.True(Math.Abs(signal[i]) < 0.05, $"Frame {i} is {signal[i]} before the start step.");
        }

        Assert.InRange(signal[latency], 0.4f, 0.6f);
        Assert.InRange(signal[latency + 8], 0.95f, 1.1f);
    }

    [Fact]
    public void Saw_FrequencyChange_Glides()
    {
        var graph = SourceRendering.Graph("saw", SourceRendering.ToDictionary(("freqHz", 200)));
        var snapshot = SourceRendering.Compile(graph, SampleRate, 64);
        float[] signal = SourceRendering.RenderScripted(snapshot, 9_600, _ => 64, [new ParameterChange(4_800, "src", "freqHz", 400)])[0];

        // Right after the change the ramp still rises at about the old rate; 50 ms later at the new one.
        double slopeBefore = MedianSlope(signal, 4_800 + 40, 20);
        double slopeAfter = MedianSlope(signal, 9_000, 20);
        Assert.InRange(slopeBefore, 2 * 200.0 / SampleRate * 0.9, 2 * 200.0 / SampleRate * 1.2);
        Assert.InRange(slopeAfter, 2 * 400.0 / SampleRate * 0.999, 2 * 400.0 / SampleRate * 1.001);
    }

    private static double MedianSlope(float[] signal, int start, int count)
    {
        var slopes = new double[count];
        for (int i = 0; i < count; i++)
        {
            slopes[i] = signal[start + i + 1] - signal[start + i];
        }

        Array.Sort(slopes);
        return slopes[count / 2];
    }

    /// <summary>
    /// Worst spectral line that is neither a harmonic below Nyquist nor DC, in dB relative to the fundamental,
    /// from a 2^15-point Blackman-Harris FFT after the start-up.
    /// </summary>
    private static double MeasureAliasDb(string type, double frequencyHz, params (string Name, double Value)[] parameters) =>
        MeasureAliasDb(Render(type, parameters), frequencyHz);

    private static float[] Render(string type, params (string Name, double Value)[] parameters) =>
        SourceRendering.Render(type, SampleRate, AliasSkip + AliasFftSize, parameters);

    /// <summary>
    /// The strongest line within ±2 bins of where harmonics 5..100 fold back to (away from the true harmonics),
    /// relative to the fundamental: the alias level itself, where it is above the window's floor.
    /// </summary>
    private static double PredictedAliasDb(float[] signal, double frequencyHz)
    {
        double[] magnitudes = SignalAnalysis.BlackmanHarrisMagnitudes(signal.AsSpan(AliasSkip, AliasFftSize));
        double binHz = (double)SampleRate / AliasFftSize;
        int fundamentalBin = (int)Math.Round(frequencyHz / binHz);
        double fundamental = magnitudes.AsSpan(fundamentalBin - 2, 5).ToArray().Max();
        double worst = 0;
        for (int k = 5; k <= 100; k++)
        {
            double folded = Math.Abs((k * frequencyHz) - (Math.Round(k * frequencyHz / SampleRate) * SampleRate));
            int bin = (int)Math.Round(folded / binHz);

            // Harmonics near multiples of the sample rate fold onto harmonics below Nyquist (47 · 5 kHz onto 5 kHz).
            double nearestHarmonic = Math.Round(folded / frequencyHz) * frequencyHz;
            if (bin > 2 && bin < magnitudes.Length - 2 && Math.Abs(folded - nearestHarmonic) > 10 * binHz)
            {
                worst = Math.Max(worst, magnitudes.AsSpan(bin - 2, 5).ToArray().Max());
            }
        }

        return SignalAnalysis.Db(worst / fundamental);
    }

    private static double MeasureAliasDb(float[] signal, double frequencyHz)
    {
        const int size = AliasFftSize;
        double[] magnitudes = SignalAnalysis.BlackmanHarrisMagnitudes(signal.AsSpan(AliasSkip, size));
        double binHz = (double)SampleRate / size;
        var harmonic = new bool[magnitudes.Length];

        // Blackman-Harris main lobe is ±4 bins; ±8 also covers the skirt down to the -92 dB sidelobe floor.
        const int guard = 8;
        for (int b = 0; b <= guard; b++)
        {
            harmonic[b] = true;
        }

        double fundamental = 0;
        for (int k = 1; k * frequencyHz < SampleRate / 2.0; k++)
        {
            int center = (int)Math.Round(k * frequencyHz / binHz);
            for (int b = Math.Max(0, center - guard); b <= Math.Min(magnitudes.Length - 1, center + guard); b++)
            {
                harmonic[b] = true;
                if (k == 1)
                {
                    fundamental = Math.Max(fundamental, magnitudes[b]);
                }
            }
        }

        double worst = 0;
        for (int b = 0; b < magnitudes.Length; b++)
        {
            if (!harmonic[b])
            {
                worst = Math.Max(worst, magnitudes[b]);
            }
        }

        return SignalAnalysis.Db(worst / fundamental);
    }
}
