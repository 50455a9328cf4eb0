using LiveEngine.Kernels;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Guards on the way to the output: finding non-finite samples and flushing tiny ones. The scan is the core's
/// <see cref="FiniteScan"/> (the scheduler checks untrusted nodes with it too).
/// </summary>
public static class SanitizeKernels
{
    /// <summary>Magnitudes below this are flushed to zero: far below audibility, far above the float denormals.</summary>
    public const float FlushThreshold = 1e-30f;

    /// <summary>Index of the first NaN or infinity in <paramref name="values"/>, or -1 when every sample is finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values) => FiniteScan.IndexOfNonFinite(values);

    /// <summary>The scalar specification of <see cref="IndexOfNonFinite"/>.</summary>
    public static int IndexOfNonFiniteReference(ReadOnlySpan<float> values) => FiniteScan.IndexOfNonFiniteReference(values);
}
