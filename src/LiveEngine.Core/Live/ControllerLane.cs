namespace LiveEngine.Live;

/// <summary>
/// A controller binding as the engine holds it: lane <see cref="Index"/> drives parameter <see cref="Parameter"/> of
/// node <see cref="NodeId"/> over <see cref="Min"/>..<see cref="Max"/> (Max below Min inverts) through a curve, with a
/// one-pole smoothing time constant (0 = none) and soft takeover (after a (re)bind, moves do nothing until the
/// controller reaches, within 1/128, or crosses the parameter's current value). The render thread evaluates it per
/// sample (<see cref="ControllerLanes"/>); a lane with no node is free. Immutable: a rebind is a new object.
/// </summary>
public sealed record ControllerLane(
    int Index,
    string? NodeId,
    string? Parameter,
    double Min = 0,
    double Max = 1,
    ControllerCurve Curve = ControllerCurve.Linear,
    double SmoothingMs = 0,
    bool SoftTakeover = false)
{
    /// <summary>Lanes an engine holds: enough for the largest controller bank (lane = slot of the active bank).</summary>
    public const int Capacity = 1024;

    /// <summary>A free lane: whatever it drove stops moving.</summary>
    public static ControllerLane Free(int index) => new(index, null, null);

    public bool IsFree => NodeId is null;

    /// <summary>The parameter value for a normalised controller position.</summary>
    public double Map(double position) => Min + ((Max - Min) * ControllerCurves.Apply(Curve, position));

    /// <summary>The controller position that maps to <paramref name="value"/> (clamped to 0..1).</summary>
    public double Unmap(double value) => Max == Min ? 0 : ControllerCurves.Invert(Curve, (value - Min) / (Max - Min));

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong, in the performer's terms.</summary>
    public void Validate()
    {
        if ((uint)Index >= Capacity)
        {
            throw new ArgumentException($"Controller lane {Index} does not exist: lanes are 0..{Capacity - 1}.");
        }

        if (IsFree)
        {
            return;
        }

        if (string.IsNullOrEmpty(NodeId) || string.IsNullOrEmpty(Parameter))
        {
            throw new ArgumentException("A controller lane drives a node and a parameter.");
        }

        if (!double.IsFinite(Min) || !double.IsFinite(Max))
        {
            throw new ArgumentException($"The range of {NodeId}.{Parameter} must be finite, not {Min}..{Max}.");
        }

        if (!double.IsFinite(SmoothingMs) || SmoothingMs < 0)
        {
            throw new ArgumentException($"Smoothing of {NodeId}.{Parameter} must be 0 ms or more, not {SmoothingMs}.");
        }

        if (!Enum.IsDefined(Curve))
        {
            throw new ArgumentException($"Unknown controller curve {(int)Curve}.");
        }
    }
}
