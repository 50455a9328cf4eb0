namespace LiveEngine.Tests.Dsp.Processors;

/// <summary>Input signals and measurements for the processor tests.</summary>
internal static class TestSignals
{
    public static float[] Impulse(int frames, int at = 0, float amplitude = 1f)
    {
        var signal = new float[frames];
        signal[at] = amplitude;
        return signal;
    }

    public static float[] Sine(int frames, double frequencyHz, int sampleRate, double amplitude = 1.0)
    {
        var signal = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            signal[i] = (float)(amplitude * Math.Sin(2.0 * Math.PI * frequencyHz * i / sampleRate));
        }

        return signal;
    }

    public static float[] Noise(int frames, int seed, float amplitude = 1f)
    {
        var random = new Random(seed);
        var signal = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            signal[i] = amplitude * (float)((random.NextDouble() * 2) - 1);
        }

        return signal;
    }

    public static float[] Constant(int frames, float value)
    {
        var signal = new float[frames];
        Array.Fill(signal, value);
        return signal;
    }

    public static double Rms(ReadOnlySpan<float> signal)
    {
        double sum = 0;
        foreach (float x in signal)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum / signal.Length);
    }

    public static double PeakMagnitude(ReadOnlySpan<float> signal)
    {
        double peak = 0;
        foreach (float x in signal)
        {
            peak = Math.Max(peak, Math.Abs(x));
        }

        return peak;
    }

    public static double ToDb(double ratio) => 20.0 * Math.Log10(ratio);
}
