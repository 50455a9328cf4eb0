namespace LiveEngine.Midi.Control;

/// <summary>
/// One controller slot of a bank: a source, a target and how the value maps: <see cref="Min"/>..<see cref="Max"/>
/// (Max may be below Min to invert), a curve, smoothing (time constant in ms; 0 = none), and soft takeover (after a
/// bank switch or a load, the controller does nothing until it reaches or crosses the target's current value, so the
/// value never jumps). Immutable; serialises as JSON.
/// </summary>
public sealed record ControllerBinding(
    ControlSource Source,
    ControlTarget Target,
    double Min = 0,
    double Max = 1,
    ControlCurve Curve = ControlCurve.Linear,
    double SmoothingMs = 0,
    bool SoftTakeover = false)
{
    /// <summary>The target value for a normalised controller position.</summary>
    public double Map(double normalized) => Min + ((Max - Min) * ControlCurves.Apply(Curve, normalized));

    /// <summary>The controller position that maps to <paramref name="value"/> (clamped to 0..1).</summary>
    public double Unmap(double value) => Max == Min ? 0 : ControlCurves.Invert(Curve, (value - Min) / (Max - Min));

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Source);
        ArgumentNullException.ThrowIfNull(Target);
        Target.Validate();
        if (!double.IsFinite(Min) || !double.IsFinite(Max))
        {
            throw new ArgumentException($"The range of {Target} must be finite, not {Min}..{Max}.");
        }

        if (!double.IsFinite(SmoothingMs) || SmoothingMs < 0)
        {
            throw new ArgumentException($"Smoothing of {Target} must be 0 ms or more, not {SmoothingMs}.");
        }

        if (Source.Kind == ControlSourceKind.ProgramChange)
        {
            throw new ArgumentException("Program Change switches banks; it cannot drive a controller slot.");
        }
    }
}
