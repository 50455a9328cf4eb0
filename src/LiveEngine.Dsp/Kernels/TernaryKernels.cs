using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Element-wise kernels of three operands: the SIMD ladder of <see cref="LiveEngine.Kernels.VectorKernels"/>
/// (Vector512, Vector256, Vector128, scalar tail) over an <see cref="ITernaryKernelOperator"/>. Every operator
/// is exact per lane, so each tier gives the scalar kernel's bits. The destination may alias any operand.
/// </summary>
public static class TernaryKernels
{
    /// <summary>destination[i] = op(x[i], y[i], z[i]).</summary>
    public static void Ternary<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> destination)
        where TOperator : struct, ITernaryKernelOperator
    {
        if (x.Length != y.Length || x.Length != z.Length || destination.Length < x.Length)
        {
            ThrowLengthMismatch();
        }

        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float zRef = ref MemoryMarshal.GetReference(z);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        int length = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOperator.Invoke(
                    Vector512.LoadUnsafe(ref xRef, (nuint)i),
                    Vector512.LoadUnsafe(ref yRef, (nuint)i),
                    Vector512.LoadUnsafe(ref zRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOperator.Invoke(
                    Vector256.LoadUnsafe(ref xRef, (nuint)i),
                    Vector256.LoadUnsafe(ref yRef, (nuint)i),
                    Vector256.LoadUnsafe(ref zRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                TOperator.Invoke(
                    Vector128.LoadUnsafe(ref xRef, (nuint)i),
                    Vector128.LoadUnsafe(ref yRef, (nuint)i),
                    Vector128.LoadUnsafe(ref zRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        TernaryScalar<TOperator>(ref xRef, ref yRef, ref zRef, ref dRef, i, length);
    }

    /// <summary>The scalar specification of <see cref="Ternary{TOperator}"/>, exposed for tests and benchmarks.</summary>
    public static void TernaryReference<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> destination)
        where TOperator : struct, ITernaryKernelOperator
    {
        if (x.Length != y.Length || x.Length != z.Length || destination.Length < x.Length)
        {
            ThrowLengthMismatch();
        }

        TernaryScalar<TOperator>(
            ref MemoryMarshal.GetReference(x),
            ref MemoryMarshal.GetReference(y),
            ref MemoryMarshal.GetReference(z),
            ref MemoryMarshal.GetReference(destination),
            0,
            x.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TernaryScalar<TOperator>(ref float xRef, ref float yRef, ref float zRef, ref float dRef, int start, int length)
        where TOperator : struct, ITernaryKernelOperator
    {
        for (int i = start; i < length; i++)
        {
            Unsafe.Add(ref dRef, i) = TOperator.Invoke(Unsafe.Add(ref xRef, i), Unsafe.Add(ref yRef, i), Unsafe.Add(ref zRef, i));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch() =>
        throw new ArgumentException("Kernel operands differ in length, or the destination is shorter than the operands.");
}
