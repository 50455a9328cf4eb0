namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Normalised biquad coefficients (a0 = 1) of H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2),
/// in double: at a low cutoff and a high sample rate the poles sit within 1e-4 of z = 1, and float's 24-bit
/// mantissa would move them (a 10 Hz low-pass at 192 kHz has 1 - |pole| near 2e-4, a1 near -2).
/// </summary>
public readonly record struct BiquadCoefficients(double B0, double B1, double B2, double A1, double A2)
{
    /// <summary>The highest cutoff designed, as a fraction of the sample rate: the cookbook's forms degenerate at Nyquist.</summary>
    public const double MaxCutoffRatio = 0.49;

    /// <summary>
    /// Designs one of the Audio EQ Cookbook's filters (Robert Bristow-Johnson, "Cookbook formulae for audio EQ
    /// biquad filter coefficients"). <paramref name="cutoffHz"/> is clamped to 10 Hz..0.49 × sample rate, so a
    /// 20 kHz cutoff at 22.05 kHz becomes 10.8 kHz; <paramref name="q"/> to 0.01 and above. <paramref name="gainDb"/>
    /// is used by <see cref="BiquadType.Peak"/> and the shelves only; the shelves read q as the cookbook's Q
    /// (0.7071 gives the steepest shelf without overshoot, slope S = 1).
    /// </summary>
    public static BiquadCoefficients Design(BiquadType type, double cutoffHz, double q, double gainDb, int sampleRate)
    {
        double frequency = Math.Clamp(cutoffHz, 10.0, MaxCutoffRatio * sampleRate);
        double w0 = 2.0 * Math.PI * frequency / sampleRate;
        (double sin, double cos) = Math.SinCos(w0);
        double alpha = sin / (2.0 * Math.Max(q, 0.01));
        double a = Math.Pow(10.0, gainDb / 40.0);
        double b0, b1, b2, a0, a1, a2;
        switch (type)
        {
            case BiquadType.LowPass:
                b1 = 1.0 - cos;
                b0 = b2 = b1 / 2.0;
                a0 = 1.0 + alpha;
                a1 = -2.0 * cos;
                a2 = 1.0 - alpha;
                break;
            case BiquadType.HighPass:
                b1 = -(1.0 + cos);
                b0 = b2 = (1.0 + cos) / 2.0;
                a0 = 1.0 + alpha;
                a1 = -2.0 * cos;
                a2 = 1.0 - alpha;
                break;
            case BiquadType.BandPass:
                b0 = alpha;
                b1 = 0.0;
                b2 = -alpha;
                a0 = 1.0 + alpha;
                a1 = -2.0 * cos;
                a2 = 1.0 - alpha;
                break;
            case BiquadType.Notch:
                b0 = b2 = 1.0;
                b1 = -2.0 * cos;
                a0 = 1.0 + alpha;
                a1 = -2.0 * cos;
                a2 = 1.0 - alpha;
                break;
            case BiquadType.Peak:
                b0 = 1.0 + (alpha * a);
                b1 = -2.0 * cos;
                b2 = 1.0 - (alpha * a);
                a0 = 1.0 + (alpha / a);
                a1 = -2.0 * cos;
                a2 = 1.0 - (alpha / a);
                break;
            case BiquadType.LowShelf:
                {
                    double twoSqrtAAlpha = 2.0 * Math.Sqrt(a) * alpha;
                    b0 = a * ((a + 1.0) - ((a - 1.0) * cos) + twoSqrtAAlpha);
                    b1 = 2.0 * a * ((a - 1.0) - ((a + 1.0) * cos));
                    b2 = a * ((a + 1.0) - ((a - 1.0) * cos) - twoSqrtAAlpha);
                    a0 = (a + 1.0) + ((a - 1.0) * cos) + twoSqrtAAlpha;
                    a1 = -2.0 * ((a - 1.0) + ((a + 1.0) * cos));
                    a2 = (a + 1.0) + ((a - 1.0) * cos) - twoSqrtAAlpha;
                    break;
                }

            default:
                {
                    double twoSqrtAAlpha = 2.0 * Math.Sqrt(a) * alpha;
                    b0 = a * ((a + 1.0) + ((a - 1.0) * cos) + twoSqrtAAlpha);
                    b1 = -2.0 * a * ((a - 1.0) + ((a + 1.0) * cos));
                    b2 = a * ((a + 1.0) + ((a - 1.0) * cos) - twoSqrtAAlpha);
                    a0 = (a + 1.0) - ((a - 1.0) * cos) + twoSqrtAAlpha;
                    a1 = 2.0 * ((a - 1.0) - ((a + 1.0) * cos));
                    a2 = (a + 1.0) - ((a - 1.0) * cos) - twoSqrtAAlpha;
                    break;
                }
        }

        double inverse = 1.0 / a0;
        return new BiquadCoefficients(b0 * inverse, b1 * inverse, b2 * inverse, a1 * inverse, a2 * inverse);
    }
}
