namespace LiveEngine.Midi.Control;

/// <summary>How a normalised controller position (0..1) maps onto a binding's range.</summary>
public enum ControlCurve
{
    /// <summary>Straight: half way is the middle of the range.</summary>
    Linear,

    /// <summary>Slow start, fast end: (2^(6x) − 1) / 63, for frequencies and gains in linear units.</summary>
    Exponential,

    /// <summary>Fast start, slow end: the inverse of <see cref="Exponential"/>.</summary>
    Logarithmic,
}

/// <summary>Applies a <see cref="ControlCurve"/>. Both ends are exact for every curve.</summary>
public static class ControlCurves
{
    private const double Steepness = 6;
    private static readonly double s_span = Math.Pow(2, Steepness) - 1;

    public static double Apply(ControlCurve curve, double x)
    {
        x = Math.Clamp(x, 0, 1);
        return curve switch
        {
            ControlCurve.Exponential => (Math.Pow(2, Steepness * x) - 1) / s_span,
            ControlCurve.Logarithmic => Math.Log2(1 + (x * s_span)) / Steepness,
            _ => x,
        };
    }

    /// <summary>The inverse of <see cref="Apply"/> (for soft takeover, which compares positions).</summary>
    public static double Invert(ControlCurve curve, double y)
    {
        y = Math.Clamp(y, 0, 1);
        return curve switch
        {
            ControlCurve.Exponential => Math.Log2(1 + (y * s_span)) / Steepness,
            ControlCurve.Logarithmic => (Math.Pow(2, Steepness * y) - 1) / s_span,
            _ => y,
        };
    }
}
