using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Kernels;

/// <summary>
/// Finds NaN and infinity in a block: a SIMD ladder (Vector512, Vector256, Vector128) with the scalar loop as
/// specification and tail. A block is almost always clean, so the vector test decides it; the scalar loop runs
/// over the tail and, on a hit, from the vector that holds it. Allocation-free.
/// </summary>
public static class FiniteScan
{
    /// <summary>Index of the first NaN or infinity in <paramref name="values"/>, or -1 when every sample is finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values) =>
        IndexOfNonFinite(values, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated, Vector128.IsHardwareAccelerated);

    /// <summary>The scalar specification of <see cref="IndexOfNonFinite(ReadOnlySpan{float})"/>.</summary>
    public static int IndexOfNonFiniteReference(ReadOnlySpan<float> values) =>
        IndexOfNonFiniteScalar(ref MemoryMarshal.GetReference(values), 0, values.Length);

    /// <summary>
    /// The ladder with each tier switched on or off, so that tests reach every tier on any machine (a vector type
    /// the hardware does not accelerate is emulated, slowly but with the same results). Each tier stops at the
    /// first vector holding a non-finite lane, so the next tier and then the scalar loop find its exact index.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int IndexOfNonFinite(ReadOnlySpan<float> values, bool vector512, bool vector256, bool vector128)
    {
        ref float vRef = ref MemoryMarshal.GetReference(values);
        int length = values.Length;
        int i = 0;

        // |x| < +inf is false for the infinities and for NaN (every comparison with NaN is false).
        if (vector512)
        {
            Vector512<float> infinity = Vector512.Create(float.PositiveInfinity);
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                if (!Vector512.LessThanAll(Vector512.Abs(Vector512.LoadUnsafe(ref vRef, (nuint)i)), infinity))
                {
                    break;
                }
            }
        }

        if (vector256)
        {
            Vector256<float> infinity = Vector256.Create(float.PositiveInfinity);
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                if (!Vector256.LessThanAll(Vector256.Abs(Vector256.LoadUnsafe(ref vRef, (nuint)i)), infinity))
                {
                    break;
                }
            }
        }

        if (vector128)
        {
            Vector128<float> infinity = Vector128.Create(float.PositiveInfinity);
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                if (!Vector128.LessThanAll(Vector128.Abs(Vector128.LoadUnsafe(ref vRef, (nuint)i)), infinity))
                {
                    break;
                }
            }
        }

        return IndexOfNonFiniteScalar(ref vRef, i, length);
    }

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
