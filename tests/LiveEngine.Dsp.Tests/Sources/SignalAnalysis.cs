using System.Numerics;

namespace LiveEngine.Dsp.Tests.Sources;

/// <summary>Measurements for signal-fact tests: FFT spectra, frequency from zero crossings, RMS.</summary>
internal static class SignalAnalysis
{
    /// <summary>Magnitude spectrum (bins 0..N/2) of a 4-term Blackman-Harris-windowed segment (sidelobes below -92 dB).</summary>
    public static double[] BlackmanHarrisMagnitudes(ReadOnlySpan<float> segment)
    {
        int n = segment.Length;
        Assert.True(n > 0 && (n & (n - 1)) == 0, "The FFT length must be a power of two.");
        var data = new Complex[n];
        for (int i = 0; i < n; i++)
        {
            double x = 2 * Math.PI * i / n;
            double window = 0.35875 - (0.48829 * Math.Cos(x)) + (0.14128 * Math.Cos(2 * x)) - (0.01168 * Math.Cos(3 * x));
            data[i] = segment[i] * window;
        }

        Fft(data);
        var magnitudes = new double[(n / 2) + 1];
        for (int k = 0; k < magnitudes.Length; k++)
        {
            magnitudes[k] = data[k].Magnitude;
        }

        return magnitudes;
    }

    /// <summary>Average power spectrum over Hann-windowed segments of <paramref name="segmentLength"/> (Welch, no overlap).</summary>
    public static double[] WelchPower(ReadOnlySpan<float> signal, int segmentLength)
    {
        var power = new double[(segmentLength / 2) + 1];
        var data = new Complex[segmentLength];
        int segments = signal.Length / segmentLength;
        for (int s = 0; s < segments; s++)
        {
            for (int i = 0; i < segmentLength; i++)
            {
                double window = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / segmentLength));
                data[i] = signal[(s * segmentLength) + i] * window;
            }

            Fft(data);
            for (int k = 0; k < power.Length; k++)
            {
                power[k] += data[k].Magnitude * data[k].Magnitude / segments;
            }
        }

        return power;
    }

    /// <summary>
    /// Frequency from upward zero crossings (linearly interpolated), cycles over time between the first and
    /// the last one: accurate to far below 0.1 cent over a few hundred cycles.
    /// </summary>
    public static double ZeroCrossingFrequency(ReadOnlySpan<float> signal, int sampleRate)
    {
        double first = double.NaN;
        double last = double.NaN;
        int crossings = 0;
        for (int i = 1; i < signal.Length; i++)
        {
            if (signal[i - 1] < 0 && signal[i] >= 0)
            {
                double t = (i - 1) + (signal[i - 1] / (double)(signal[i - 1] - signal[i]));
                if (crossings == 0)
                {
                    first = t;
                }

                last = t;
                crossings++;
            }
        }

        Assert.True(crossings >= 3, $"Only {crossings} upward zero crossings: no periodic signal to measure.");
        return (crossings - 1) * sampleRate / (last - first);
    }

    public static double Cents(double measured, double expected) => 1200 * Math.Log2(measured / expected);

    public static double Rms(ReadOnlySpan<float> signal)
    {
        double sum = 0;
        foreach (float x in signal)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum / signal.Length);
    }

    public static double Db(double ratio) => 20 * Math.Log10(ratio);

    /// <summary>In-place iterative radix-2 FFT.</summary>
    private static void Fft(Complex[] data)
    {
        int n = data.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (data[i], data[j]) = (data[j], data[i]);
            }
        }

        for (int length = 2; length <= n; length <<= 1)
        {
            double angle = -2 * Math.PI / length;
            var unit = new Complex(Math.Cos(angle), Math.Sin(angle));
            for (int start = 0; start < n; start += length)
            {
                Complex w = Complex.One;
                for (int k = 0; k < length / 2; k++)
                {
                    Complex even = data[start + k];
                    Complex odd = data[start + k + (length / 2)] * w;
                    data[start + k] = even + odd;
                    data[start + k + (length / 2)] = even - odd;
                    w *= unit;
                }
            }
        }
    }
}
