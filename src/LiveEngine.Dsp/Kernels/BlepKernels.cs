using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>The inner loop of band-limited step correction, with a scalar specification and a vector ladder.</summary>
public static class BlepKernels
{
    /// <summary>destination[j] += scale · (a[j] + t · (b[j] - a[j])): one table row, interpolated between two offsets.</summary>
    public static void AddInterpolatedRow(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float t, float scale, Span<float> destination)
    {
        if (a.Length != b.Length || destination.Length < a.Length)
        {
            ThrowLengthMismatch();
        }

        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        int length = a.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> tv = Vector512.Create(t);
            Vector512<float> sv = Vector512.Create(scale);
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> av = Vector512.LoadUnsafe(ref aRef, (nuint)i);
                Vector512<float> bv = Vector512.LoadUnsafe(ref bRef, (nuint)i);
                (Vector512.LoadUnsafe(ref dRef, (nuint)i) + (sv * (av + (tv * (bv - av))))).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> tv = Vector256.Create(t);
            Vector256<float> sv = Vector256.Create(scale);
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> av = Vector256.LoadUnsafe(ref aRef, (nuint)i);
                Vector256<float> bv = Vector256.LoadUnsafe(ref bRef, (nuint)i);
                (Vector256.LoadUnsafe(ref dRef, (nuint)i) + (sv * (av + (tv * (bv - av))))).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> tv = Vector128.Create(t);
            Vector128<float> sv = Vector128.Create(scale);
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> av = Vector128.LoadUnsafe(ref aRef, (nuint)i);
                Vector128<float> bv = Vector128.LoadUnsafe(ref bRef, (nuint)i);
                (Vector128.LoadUnsafe(ref dRef, (nuint)i) + (sv * (av + (tv * (bv - av))))).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        AddInterpolatedRowScalar(ref aRef, ref bRef, t, scale, ref dRef, i, length);
    }

    /// <summary>The scalar specification of <see cref="AddInterpolatedRow"/>.</summary>
    public static void AddInterpolatedRowReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float t, float scale, Span<float> destination)
    {
        if (a.Length != b.Length || destination.Length < a.Length)
        {
            ThrowLengthMismatch();
        }

        AddInterpolatedRowScalar(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), t, scale, ref MemoryMarshal.GetReference(destination), 0, a.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInterpolatedRowScalar(ref float aRef, ref float bRef, float t, float scale, ref float dRef, int start, int length)
    {
        for (int i = start; i < length; i++)
        {
            float av = Unsafe.Add(ref aRef, i);
            float bv = Unsafe.Add(ref bRef, i);
            Unsafe.Add(ref dRef, i) += scale * (av + (t * (bv - av)));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch() =>
        throw new ArgumentException("The table rows differ in length, or the destination is shorter than a row.");
}
