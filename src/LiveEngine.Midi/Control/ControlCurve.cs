using LiveEngine.Live;

namespace LiveEngine.Midi.Control;

/// <summary>How a normalised controller position (0..1) maps onto a binding's range (the engine's <see cref="ControllerCurve"/>, value for value).</summary>
public enum ControlCurve
{
    /// <summary>Straight: half way is the middle of the range.</summary>
    Linear = ControllerCurve.Linear,

    /// <summary>Slow start, fast end: (2^(6x) − 1) / 63, for frequencies and gains in linear units.</summary>
    Exponential = ControllerCurve.Exponential,

    /// <summary>Fast start, slow end: the inverse of <see cref="Exponential"/>.</summary>
    Logarithmic = ControllerCurve.Logarithmic,
}

/// <summary>Applies a <see cref="ControlCurve"/> with the engine's <see cref="ControllerCurves"/>, so the front and the engine map alike.</summary>
public static class ControlCurves
{
    public static double Apply(ControlCurve curve, double x) => ControllerCurves.Apply((ControllerCurve)curve, x);

    /// <summary>The inverse of <see cref="Apply"/> (for soft takeover, which compares positions).</summary>
    public static double Invert(ControlCurve curve, double y) => ControllerCurves.Invert((ControllerCurve)curve, y);
}
