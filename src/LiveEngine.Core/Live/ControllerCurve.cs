namespace LiveEngine.Live;

/// <summary>How a normalised controller position (0..1) maps onto a controller lane's range.</summary>
public enum ControllerCurve
{
    /// <summary>Straight: half way is the middle of the range.</summary>
    Linear,

    /// <summary>Slow start, fast end: (2^(6x) − 1) / 63, for frequencies and gains in linear units.</summary>
    Exponential,

    /// <summary>Fast start, slow end: the inverse of <see cref="Exponential"/>.</summary>
    Logarithmic,
}
