using System.Numerics;

namespace LiveEngine.Tests.Dsp.Processors;

/// <summary>The discrete-time Fourier transform of a finite signal at one frequency, in double.</summary>
internal static class Dft
{
    /// <summary>Sum of x[n] e^(-j w n) with w = 2 pi f / fs: the frequency response when x is an impulse response.</summary>
    public static Complex At(ReadOnlySpan<float> signal, double frequencyHz, int sampleRate)
    {
        double w = 2.0 * Math.PI * frequencyHz / sampleRate;
        double re = 0;
        double im = 0;
        for (int n = 0; n < signal.Length; n++)
        {
            (double sin, double cos) = Math.SinCos(w * n);
            re += signal[n] * cos;
            im -= signal[n] * sin;
        }

        return new Complex(re, im);
    }

    public static double MagnitudeDb(ReadOnlySpan<float> impulseResponse, double frequencyHz, int sampleRate) =>
        20.0 * Math.Log10(At(impulseResponse, frequencyHz, sampleRate).Magnitude);
}
