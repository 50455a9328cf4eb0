namespace LiveEngine.Dsp.Kernels;

/// <summary>The response shapes of Robert Bristow-Johnson's Audio EQ Cookbook.</summary>
public enum BiquadType
{
    LowPass,
    HighPass,

    /// <summary>Band-pass with a constant 0 dB peak gain.</summary>
    BandPass,
    Notch,
    Peak,
    LowShelf,
    HighShelf,
}
