using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Guards on the way to the output: finding non-finite samples and flushing tiny ones. The scan is a SIMD
/// ladder (a block is almost always clean, so the vector test decides it) with the scalar loop as specification.
/// </summary>
public static class SanitizeKernels
{
    /// <summary>Magnitudes below this are flushed to zero: far below audibility, far above the float denormals.</summary>
    public const float FlushThreshold = 1e-30f;

    /// <summary>Index of the first NaN or infinity in <paramref name="values"/>, or -1 when every sample is finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        ref float vRef = ref MemoryMarshal.GetReference(values);
        int length = values.Length;
        int i = 0;

        // |x| < +inf is false for infinities and for NaN (every comparison with NaN is false).
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> infinity = Vector512.Create(float.PositiveInfinity);
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                if (!Vector512.LessThanAll(Vector512.Abs(Vector512.LoadUnsafe(ref vRef, (nuint)i)), infinity))
                {
                    return IndexOfNonFiniteScalar(ref vRef, i, length);
                }
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> infinity = Vector256.Create(float.PositiveInfinity);
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                if (!Vector256.LessThanAll(Vector256.Abs(Vector256.LoadUnsafe(ref vRef, (nuint)i)), infinity))
                {
                    return IndexOfNonFiniteScalar(ref vRef, i, length);
                }
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> infinity = Vector128.Create(float.PositiveInfinity);
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                if (!Vector128.LessThanAll(Vector128.Abs(Vector128.LoadUnsafe(ref vRef, (nuint)i)), infinity))
                {
                    return IndexOfNonFiniteScalar(ref vRef, i, length);
                }
            }
        }

        return IndexOfNonFiniteScalar(ref vRef, i, length);
    }

    /// <summary>The scalar specification of <see cref="IndexOfNonFinite"/>.</summary>
    public static int IndexOfNonFiniteReference(ReadOnlySpan<float> values) =>
        IndexOfNonFiniteScalar(ref MemoryMarshal.GetReference(values), 0, values.Length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOfNonFiniteScalar(ref float vRef, int start, int length)
    {
        for (int i = start; i < length; i++)
        {
            if (!float.IsFinite(Unsafe.Add(ref vRef, i)))
            {
                return i;
            }
        }

        return -1;
    }
}
