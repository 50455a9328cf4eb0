using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The oscillators of a voice bank across lanes: every lane's 32-bit phase advances by its increment and its naive
/// waveform (a <see cref="IPhaseShaper"/> with the lane's own argument) is written frame-major; where a band-limited
/// waveform needs a residual is found per lane by <see cref="CrossingFrame"/>. A scalar specification and
/// Vector512/256/128 tiers; the shapers are exact per lane, so every tier gives the oscillator nodes' bits.
/// </summary>
public static class BankOscillatorKernels
{
    /// <summary>
    /// For each frame f &lt; <paramref name="frames"/> and lane l &lt; <paramref name="width"/> (a multiple of 16):
    /// phases[l] += increments[l]; naive[f · width + l] = TShaper(phases[l], arguments[l]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Advance<TShaper>(Span<uint> phases, ReadOnlySpan<uint> increments, ReadOnlySpan<uint> arguments, Span<float> naive, int frames, int width, int vectorBits)
        where TShaper : struct, IPhaseShaper
    {
        if (width % 16 != 0 || phases.Length < width || increments.Length < width || arguments.Length < width || naive.Length < frames * width)
        {
            throw new ArgumentException("Advance needs lanes in groups of 16 and spans that cover every frame and lane.");
        }

        ref uint phaseRef = ref MemoryMarshal.GetReference(phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(increments);
        ref uint argumentRef = ref MemoryMarshal.GetReference(arguments);
        ref float naiveRef = ref MemoryMarshal.GetReference(naive);
        switch (vectorBits)
        {
            case 512 when Vector512.IsHardwareAccelerated:
                for (int g = 0; g < width; g += Vector512<uint>.Count)
                {
                    Vector512<uint> phase = Vector512.LoadUnsafe(ref phaseRef, (nuint)g);
                    Vector512<uint> increment = Vector512.LoadUnsafe(ref incrementRef, (nuint)g);
                    Vector512<uint> argument = Vector512.LoadUnsafe(ref argumentRef, (nuint)g);
                    for (int f = 0; f < frames; f++)
                    {
                        phase += increment;
                        TShaper.Invoke(phase, argument).StoreUnsafe(ref naiveRef, (nuint)((f * width) + g));
                    }

                    phase.StoreUnsafe(ref phaseRef, (nuint)g);
                }

                break;
            case 256 when Vector256.IsHardwareAccelerated:
                for (int g = 0; g < width; g += Vector256<uint>.Count)
                {
                    Vector256<uint> phase = Vector256.LoadUnsafe(ref phaseRef, (nuint)g);
                    Vector256<uint> increment = Vector256.LoadUnsafe(ref incrementRef, (nuint)g);
                    Vector256<uint> argument = Vector256.LoadUnsafe(ref argumentRef, (nuint)g);
                    for (int f = 0; f < frames; f++)
                    {
                        phase += increment;
                        TShaper.Invoke(phase, argument).StoreUnsafe(ref naiveRef, (nuint)((f * width) + g));
                    }

                    phase.StoreUnsafe(ref phaseRef, (nuint)g);
                }

                break;
            case 128 when Vector128.IsHardwareAccelerated:
                for (int g = 0; g < width; g += Vector128<uint>.Count)
                {
                    Vector128<uint> phase = Vector128.LoadUnsafe(ref phaseRef, (nuint)g);
                    Vector128<uint> increment = Vector128.LoadUnsafe(ref incrementRef, (nuint)g);
                    Vector128<uint> argument = Vector128.LoadUnsafe(ref argumentRef, (nuint)g);
                    for (int f = 0; f < frames; f++)
                    {
                        phase += increment;
                        TShaper.Invoke(phase, argument).StoreUnsafe(ref naiveRef, (nuint)((f * width) + g));
                    }

                    phase.StoreUnsafe(ref phaseRef, (nuint)g);
                }

                break;
            default:
                AdvanceReference<TShaper>(phases, increments, arguments, naive, frames, width);
                break;
        }
    }

    /// <summary>The scalar specification of <see cref="Advance{TShaper}"/>.</summary>
    public static void AdvanceReference<TShaper>(Span<uint> phases, ReadOnlySpan<uint> increments, ReadOnlySpan<uint> arguments, Span<float> naive, int frames, int width)
        where TShaper : struct, IPhaseShaper
    {
        for (int lane = 0; lane < width; lane++)
        {
            uint phase = phases[lane];
            for (int f = 0; f < frames; f++)
            {
                phase += increments[lane];
                naive[(f * width) + lane] = TShaper.Invoke(phase, arguments[lane]);
            }

            phases[lane] = phase;
        }
    }

    /// <summary>
    /// The frame (0-based, from the block's first) at which a phase that was <paramref name="phaseStart"/> before the
    /// block passes <paramref name="threshold"/> for the <paramref name="crossing"/>-th time (1-based), advancing by
    /// <paramref name="increment"/> per frame: the first frame f whose phase phaseStart + (f + 1)·increment, less the
    /// threshold, wrapped below the increment, which is where an oscillator node adds that crossing's residual.
    /// <see cref="int.MaxValue"/> for an increment of 0.
    /// </summary>
    public static int CrossingFrame(uint phaseStart, uint threshold, uint increment, int crossing)
    {
        if (increment == 0)
        {
            return int.MaxValue;
        }

        // Measured from the threshold, the phase crosses when it reaches crossing · 2^32.
        ulong distance = ((ulong)(uint)crossing << 32) - (uint)(phaseStart - threshold);
        ulong frame = ((distance + increment - 1) / increment) - 1;
        return frame >= int.MaxValue ? int.MaxValue : (int)frame;
    }
}
