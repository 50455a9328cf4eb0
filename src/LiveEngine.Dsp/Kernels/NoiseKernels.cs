using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Counter-based white noise: frame n of a stream is a keyed hash of n, so there is no sequential state to
/// carry between lanes and the vector forms give the scalar bits. Uniform in [-1, 1) with 24-bit resolution;
/// the sequence repeats after 2^32 frames (over 6 hours at 192 kHz).
/// </summary>
/// <remarks>
/// Design: two rounds of Chris Wellons's "lowbias32" integer hash (hash-prospector, 2018), each keyed by
/// xor with half of the 64-bit seed, so that different seeds give unrelated streams rather than shifted
/// copies of one.
/// </remarks>
public static class NoiseKernels
{
    private const float Scale = 1f / 8388608f;

    /// <summary>The white noise value of frame <paramref name="counter"/> for the given keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float White(uint counter, uint keyA, uint keyB)
    {
        uint x = Hash(counter ^ keyA);
        x = Hash(x ^ keyB);
        return ((int)x >> 8) * Scale;
    }

    /// <summary>destination[i] = White(counter + i); on return <paramref name="counter"/> has advanced by the length.</summary>
    public static void FillWhite(ref uint counter, ulong seed, Span<float> destination)
    {
        uint keyA = (uint)seed;
        uint keyB = (uint)(seed >> 32);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        int length = destination.Length;
        uint start = counter;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<uint> c = Vector512.Create(start) + Vector512.CreateSequence(0u, 1u);
            for (; i <= length - Vector512<uint>.Count; i += Vector512<uint>.Count)
            {
                Vector512<uint> x = Hash(c ^ Vector512.Create(keyA));
                x = Hash(x ^ Vector512.Create(keyB));
                (Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(x.AsInt32(), 8)) * Vector512.Create(Scale)).StoreUnsafe(ref dRef, (nuint)i);
                c += Vector512.Create((uint)Vector512<uint>.Count);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<uint> c = Vector256.Create(start + (uint)i) + Vector256.CreateSequence(0u, 1u);
            for (; i <= length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                Vector256<uint> x = Hash(c ^ Vector256.Create(keyA));
                x = Hash(x ^ Vector256.Create(keyB));
                (Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(x.AsInt32(), 8)) * Vector256.Create(Scale)).StoreUnsafe(ref dRef, (nuint)i);
                c += Vector256.Create((uint)Vector256<uint>.Count);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<uint> c = Vector128.Create(start + (uint)i) + Vector128.CreateSequence(0u, 1u);
            for (; i <= length - Vector128<uint>.Count; i += Vector128<uint>.Count)
            {
                Vector128<uint> x = Hash(c ^ Vector128.Create(keyA));
                x = Hash(x ^ Vector128.Create(keyB));
                (Vector128.ConvertToSingle(Vector128.ShiftRightArithmetic(x.AsInt32(), 8)) * Vector128.Create(Scale)).StoreUnsafe(ref dRef, (nuint)i);
                c += Vector128.Create((uint)Vector128<uint>.Count);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dRef, i) = White(start + (uint)i, keyA, keyB);
        }

        counter = start + (uint)length;
    }

    /// <summary>The scalar specification of <see cref="FillWhite"/>.</summary>
    public static void FillWhiteReference(ref uint counter, ulong seed, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = White(counter, (uint)seed, (uint)(seed >> 32));
            counter++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        x ^= x >> 16;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Hash(Vector512<uint> x)
    {
        x ^= Vector512.ShiftRightLogical(x, 16);
        x *= Vector512.Create(0x7FEB352Du);
        x ^= Vector512.ShiftRightLogical(x, 15);
        x *= Vector512.Create(0x846CA68Bu);
        x ^= Vector512.ShiftRightLogical(x, 16);
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Hash(Vector256<uint> x)
    {
        x ^= Vector256.ShiftRightLogical(x, 16);
        x *= Vector256.Create(0x7FEB352Du);
        x ^= Vector256.ShiftRightLogical(x, 15);
        x *= Vector256.Create(0x846CA68Bu);
        x ^= Vector256.ShiftRightLogical(x, 16);
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Hash(Vector128<uint> x)
    {
        x ^= Vector128.ShiftRightLogical(x, 16);
        x *= Vector128.Create(0x7FEB352Du);
        x ^= Vector128.ShiftRightLogical(x, 15);
        x *= Vector128.Create(0x846CA68Bu);
        x ^= Vector128.ShiftRightLogical(x, 16);
        return x;
    }
}
