namespace LiveEngine.Live;

/// <summary>Applies a <see cref="ControllerCurve"/>. Both ends are exact for every curve. Allocation-free (the render thread calls it).</summary>
public static class ControllerCurves
{
    private const double Steepness = 6;
    private static readonly double s_span = Math.Pow(2, Steepness) - 1;

    public static double Apply(ControllerCurve curve, double x)
    {
        x = Math.Clamp(x, 0, 1);
        return curve switch
        {
            ControllerCurve.Exponential => (Math.Pow(2, Steepness * x) - 1) / s_span,
            ControllerCurve.Logarithmic => Math.Log2(1 + (x * s_span)) / Steepness,
            _ => x,
        };
    }

    /// <summary>The inverse of <see cref="Apply"/> (for soft takeover, which compares positions).</summary>
    public static double Invert(ControllerCurve curve, double y)
    {
        y = Math.Clamp(y, 0, 1);
        return curve switch
        {
            ControllerCurve.Exponential => Math.Log2(1 + (y * s_span)) / Steepness,
            ControllerCurve.Logarithmic => (Math.Pow(2, Steepness * y) - 1) / s_span,
            _ => y,
        };
    }
}
