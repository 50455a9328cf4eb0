using Xunit.Abstractions;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class OscillatorFrequencyTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> TypesAndRates()
    {
        var data = new TheoryData<string, int>();
        foreach (string type in new[] { "sine", "saw", "square", "triangle" })
        {
            foreach (int rate in new[] { 22_050, 44_100, 48_000, 96_000, 192_000 })
            {
                data.Add(type, rate);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndRates))]
    public void Oscillator_HoldsFrequencyWithinATenthOfACent(string type, int sampleRate)
    {
        double worst = 0;
        foreach (double frequencyHz in new[] { 31.7, 440.0, 2_345.6 })
        {
            float[] signal = SourceRendering.Render(type, sampleRate, 2 * sampleRate, ("freqHz", frequencyHz));
            double measured = SignalAnalysis.ZeroCrossingFrequency(signal.AsSpan(256), sampleRate);
            double cents = SignalAnalysis.Cents(measured, frequencyHz);
            worst = Math.Max(worst, Math.Abs(cents));
            Assert.True(Math.Abs(cents) < 0.1, $"{type} at {frequencyHz} Hz, {sampleRate} Hz: measured {measured:F5} Hz, {cents:F4} cents off.");
        }

        output.WriteLine($"{type} @ {sampleRate} Hz: worst error {worst:F5} cents");
    }

    [Fact]
    public void Sine_HasRmsOfLevelOverRootTwo()
    {
        // 375 Hz at 48 kHz: exactly 128 frames per period, so whole periods are averaged.
        float[] signal = SourceRendering.Render("sine", 48_000, 48_000, ("freqHz", 375), ("level", 0.5));
        Assert.Equal(0.5 / Math.Sqrt(2), SignalAnalysis.Rms(signal), 5);
    }

    [Fact]
    public void Sine_MatchesMathSinToFloatPrecision()
    {
        float[] signal = SourceRendering.Render("sine", 48_000, 4_800, ("freqHz", 1_000));
        uint increment = (uint)Math.Round(1_000 / 48_000.0 * 4294967296.0);
        for (int n = 0; n < signal.Length; n++)
        {
            uint phase = (uint)(n + 1) * increment;
            double expected = Math.Sin(2 * Math.PI * phase / 4294967296.0);
            Assert.True(Math.Abs(signal[n] - expected) < 5e-7, $"Frame {n}: {signal[n]} vs sin {expected}.");
        }
    }
}
