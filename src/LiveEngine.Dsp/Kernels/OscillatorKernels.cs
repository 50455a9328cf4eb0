using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Oscillator kernels over 32-bit phase accumulators (one period = 2^32, wrapping). Integer phase makes the
/// output independent of how the stream is split into blocks: phase_i = phase_0 + i·increment is exact. Each
/// kernel has a scalar reference (the specification) and a Vector512/256/128 ladder with the scalar loop
/// as fallback and tail, giving the same bits.
/// </summary>
public static class OscillatorKernels
{
    /// <summary>The phase increment per frame of <paramref name="frequencyHz"/>, clamped to 0..Nyquist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Increment(float frequencyHz, double incrementPerHz)
    {
        double increment = Math.Clamp(frequencyHz * incrementPerHz, 0.0, 2147483648.0);
        return (uint)(increment + 0.5);
    }

    /// <summary>phases[i] = phase + (i + 1)·increment (wrapping); on return <paramref name="phase"/> is the last one.</summary>
    public static void AdvancePhase(ref uint phase, uint increment, Span<uint> phases)
    {
        ref uint pRef = ref MemoryMarshal.GetReference(phases);
        int length = phases.Length;
        int i = 0;
        uint start = phase;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<uint>.Count)
        {
            Vector512<uint> current = Vector512.Create(start) + (Vector512.CreateSequence(1u, 1u) * increment);
            Vector512<uint> step = Vector512.Create(increment * (uint)Vector512<uint>.Count);
            for (; i <= length - Vector512<uint>.Count; i += Vector512<uint>.Count)
            {
                current.StoreUnsafe(ref pRef, (nuint)i);
                current += step;
            }
        }

        if (Vector256.IsHardwareAccelerated && length - i >= Vector256<uint>.Count)
        {
            Vector256<uint> current = Vector256.Create(start + ((uint)i * increment)) + (Vector256.CreateSequence(1u, 1u) * increment);
            Vector256<uint> step = Vector256.Create(increment * (uint)Vector256<uint>.Count);
            for (; i <= length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                current.StoreUnsafe(ref pRef, (nuint)i);
                current += step;
            }
        }

        if (Vector128.IsHardwareAccelerated && length - i >= Vector128<uint>.Count)
        {
            Vector128<uint> current = Vector128.Create(start + ((uint)i * increment)) + (Vector128.CreateSequence(1u, 1u) * increment);
            Vector128<uint> step = Vector128.Create(increment * (uint)Vector128<uint>.Count);
            for (; i <= length - Vector128<uint>.Count; i += Vector128<uint>.Count)
            {
                current.StoreUnsafe(ref pRef, (nuint)i);
                current += step;
            }
        }

        uint p = start + ((uint)i * increment);
        for (; i < length; i++)
        {
            p += increment;
            Unsafe.Add(ref pRef, i) = p;
        }

        phase = start + ((uint)length * increment);
    }

    /// <summary>The scalar specification of <see cref="AdvancePhase"/>.</summary>
    public static void AdvancePhaseReference(ref uint phase, uint increment, Span<uint> phases)
    {
        for (int i = 0; i < phases.Length; i++)
        {
            phase += increment;
            phases[i] = phase;
        }
    }

    /// <summary>destination[i] = TShaper(phases[i], argument).</summary>
    public static void Shape<TShaper>(ReadOnlySpan<uint> phases, uint argument, Span<float> destination)
        where TShaper : struct, IPhaseShaper
    {
        if (destination.Length < phases.Length)
        {
            ThrowDestinationTooShort();
        }

        ref uint pRef = ref MemoryMarshal.GetReference(phases);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        int length = phases.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<uint> a = Vector512.Create(argument);
            for (; i <= length - Vector512<uint>.Count; i += Vector512<uint>.Count)
            {
                TShaper.Invoke(Vector512.LoadUnsafe(ref pRef, (nuint)i), a).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<uint> a = Vector256.Create(argument);
            for (; i <= length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                TShaper.Invoke(Vector256.LoadUnsafe(ref pRef, (nuint)i), a).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<uint> a = Vector128.Create(argument);
            for (; i <= length - Vector128<uint>.Count; i += Vector128<uint>.Count)
            {
                TShaper.Invoke(Vector128.LoadUnsafe(ref pRef, (nuint)i), a).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dRef, i) = TShaper.Invoke(Unsafe.Add(ref pRef, i), argument);
        }
    }

    /// <summary>The scalar specification of <see cref="Shape{TShaper}"/>.</summary>
    public static void ShapeReference<TShaper>(ReadOnlySpan<uint> phases, uint argument, Span<float> destination)
        where TShaper : struct, IPhaseShaper
    {
        if (destination.Length < phases.Length)
        {
            ThrowDestinationTooShort();
        }

        for (int i = 0; i < phases.Length; i++)
        {
            destination[i] = TShaper.Invoke(phases[i], argument);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("The destination is shorter than the phases.");
}
