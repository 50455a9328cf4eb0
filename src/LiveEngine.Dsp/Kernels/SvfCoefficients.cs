namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Coefficients of the trapezoidal (TPT, zero-delay-feedback) state-variable filter's low-pass output.
/// Design: Andrew Simper, "Linear Trapezoidal Integrated State Variable Filter With Low Noise Optimisation"
/// (Cytomic, 2013): g = tan(pi fc / fs), k = 1 / Q, a1 = 1 / (1 + g (g + k)), a2 = g a1, a3 = g a2.
/// The analog prototype is 1 / (s^2 + k s + 1) mapped by the bilinear transform prewarped at fc, so the
/// gain at the cutoff is exactly Q. Stable for any positive g and k, even when they change every sample.
/// </summary>
public readonly record struct SvfCoefficients(double A1, double A2, double A3)
{
    public static SvfCoefficients LowPass(double cutoffHz, double q, int sampleRate)
    {
        double frequency = Math.Clamp(cutoffHz, 10.0, BiquadCoefficients.MaxCutoffRatio * sampleRate);
        double g = Math.Tan(Math.PI * frequency / sampleRate);
        double k = 1.0 / Math.Max(q, 0.01);
        double a1 = 1.0 / (1.0 + (g * (g + k)));
        double a2 = g * a1;
        return new SvfCoefficients(a1, a2, g * a2);
    }
}
