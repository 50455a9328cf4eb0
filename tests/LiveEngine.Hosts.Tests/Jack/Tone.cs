namespace LiveEngine.Tests.Hosts.Jack;

/// <summary>Signal facts of a recorded test tone: its frequency (zero crossings) and its RMS level in dBFS.</summary>
internal static class Tone
{
    /// <summary>
    /// Frequency from the rising zero crossings, each placed between its two samples by linear interpolation: the
    /// median of the periods between consecutive crossings. Accurate to far better than 1 Hz; the median keeps one
    /// late period of a test server run without real-time priority (a discontinuity in the capture) from moving it.
    /// </summary>
    public static double FrequencyHz(ReadOnlySpan<float> signal, int sampleRate)
    {
        var periods = new List<double>();
        double previous = -1;
        for (int i = 1; i < signal.Length; i++)
        {
            if (signal[i - 1] < 0 && signal[i] >= 0)
            {
                double at = i - 1 + (-signal[i - 1] / (signal[i] - signal[i - 1]));
                if (previous >= 0)
                {
                    periods.Add(at - previous);
                }

                previous = at;
            }
        }

        Assert.True(periods.Count >= 2, $"a tone needs several periods; found {periods.Count + 1} rising zero crossings in {signal.Length} frames");
        periods.Sort();
        double median = (periods[(periods.Count - 1) / 2] + periods[periods.Count / 2]) / 2;
        return sampleRate / median;
    }

    public static double LevelDb(ReadOnlySpan<float> signal)
    {
        double sum = 0;
        foreach (float x in signal)
        {
            sum += x * (double)x;
        }

        return 10 * Math.Log10(sum / signal.Length);
    }

    /// <summary>Asserts every channel holds <paramref name="freqHz"/> ± 1 Hz at <paramref name="levelDb"/> ± 0.5 dB (at least 0.4 s of it).</summary>
    public static void AssertTone(float[][] channels, int sampleRate, double freqHz, double levelDb)
    {
        foreach (float[] channel in channels)
        {
            Assert.True(channel.Length >= sampleRate * 4 / 10, $"only {channel.Length} frames were captured");
            Assert.InRange(FrequencyHz(channel, sampleRate), freqHz - 1, freqHz + 1);
            Assert.InRange(LevelDb(channel), levelDb - 0.5, levelDb + 0.5);
        }
    }
}
