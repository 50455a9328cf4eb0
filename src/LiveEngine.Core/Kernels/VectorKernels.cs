using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Kernels;

/// <summary>
/// Element-wise kernels over spans: a SIMD ladder (Vector512, Vector256, Vector128) with the scalar loop
/// as specification and tail. Every operator is exact per lane, so each tier gives the scalar kernel's bits.
/// Allocation-free; lengths are validated once on entry.
/// </summary>
public static class VectorKernels
{
    /// <summary>destination[i] = op(x[i], y[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Binary<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
        where TOperator : struct, IBinaryKernelOperator
    {
        if (x.Length != y.Length || destination.Length < x.Length)
        {
            ThrowLengthMismatch();
        }

        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        int length = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)i), Vector512.LoadUnsafe(ref yRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOperator.Invoke(Vector256.LoadUnsafe(ref xRef, (nuint)i), Vector256.LoadUnsafe(ref yRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                TOperator.Invoke(Vector128.LoadUnsafe(ref xRef, (nuint)i), Vector128.LoadUnsafe(ref yRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        BinaryScalar<TOperator>(ref xRef, ref yRef, ref dRef, i, length);
    }

    /// <summary>destination[i] = op(x[i], y): the same kernel with a scalar second operand.</summary>
    public static void BinaryScalarOperand<TOperator>(ReadOnlySpan<float> x, float y, Span<float> destination)
        where TOperator : struct, IBinaryKernelOperator
    {
        if (destination.Length < x.Length)
        {
            ThrowLengthMismatch();
        }

        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        int length = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> yv = Vector512.Create(y);
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)i), yv).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> yv = Vector256.Create(y);
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOperator.Invoke(Vector256.LoadUnsafe(ref xRef, (nuint)i), yv).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> yv = Vector128.Create(y);
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                TOperator.Invoke(Vector128.LoadUnsafe(ref xRef, (nuint)i), yv).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dRef, i) = TOperator.Invoke(Unsafe.Add(ref xRef, i), y);
        }
    }

    /// <summary>The scalar specification of <see cref="Binary{TOperator}"/>, exposed for tests and benchmarks.</summary>
    public static void BinaryReference<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
        where TOperator : struct, IBinaryKernelOperator
    {
        if (x.Length != y.Length || destination.Length < x.Length)
        {
            ThrowLengthMismatch();
        }

        BinaryScalar<TOperator>(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(destination), 0, x.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BinaryScalar<TOperator>(ref float xRef, ref float yRef, ref float dRef, int start, int length)
        where TOperator : struct, IBinaryKernelOperator
    {
        for (int i = start; i < length; i++)
        {
            Unsafe.Add(ref dRef, i) = TOperator.Invoke(Unsafe.Add(ref xRef, i), Unsafe.Add(ref yRef, i));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch() =>
        throw new ArgumentException("Kernel operands differ in length, or the destination is shorter than the operands.");
}
