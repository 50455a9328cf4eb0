using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The voice bank's oscillator step across lanes: every lane's 32-bit phase advances by its increment and the naive
/// saw (<see cref="SawShaper"/>) is written frame-major; <see cref="WrapFrame"/> says, per lane, at which frames the
/// phase wrapped (where the band-limited saw needs a BLEP residual, added per lane by the bank, in time order). A
/// scalar specification and Vector512/256/128 tiers; integer phase arithmetic and one float conversion, so all
/// tiers agree bit for bit with each other and with <see cref="Nodes.SawNode"/>.
/// </summary>
public static class VoiceBankSawKernels
{
    /// <summary>
    /// For each frame f &lt; <paramref name="frames"/> and lane l &lt; <paramref name="width"/> (a multiple of 16,
    /// at most 64): phases[l] += increments[l]; naive[f * width + l] = saw(phases[l]). The wraps of
    /// <see cref="AdvanceSawReference"/> are <see cref="WrapFrame"/>'s.
    /// </summary>
    public static void AdvanceSaw(Span<uint> phases, ReadOnlySpan<uint> increments, Span<float> naive, int frames, int width, int vectorBits)
    {
        if (width % VoiceBankKernels.GroupLanes != 0 || width > VoiceBankKernels.MaxWidth || phases.Length < width || increments.Length < width
            || naive.Length < frames * width)
        {
            throw new ArgumentException("AdvanceSaw needs 16 to 64 lanes in groups of 16 and spans that cover every frame and lane.");
        }

        switch (vectorBits)
        {
            case 512 when Vector512.IsHardwareAccelerated:
                Advance512(phases, increments, naive, frames, width);
                break;
            case 256 when Vector256.IsHardwareAccelerated:
                Advance256(phases, increments, naive, frames, width);
                break;
            case 128 when Vector128.IsHardwareAccelerated:
                Advance128(phases, increments, naive, frames, width);
                break;
            default:
                for (int f = 0; f < frames; f++)
                {
                    for (int lane = 0; lane < width; lane++)
                    {
                        phases[lane] += increments[lane];
                        naive[(f * width) + lane] = SawShaper.Invoke(phases[lane], 0);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// The frame (0-based, from the block's first) at which a phase that was <paramref name="phaseStart"/> before the
    /// block passes 0 for the <paramref name="wrap"/>-th time (1-based) when it advances by <paramref name="increment"/>
    /// per frame: the first frame f whose phase, phaseStart + (f + 1)·increment, has reached wrap·2³². That is where
    /// the wrapped phase is below the increment. <see cref="int.MaxValue"/> for an increment of 0 (no wrap).
    /// </summary>
    public static int WrapFrame(uint phaseStart, uint increment, int wrap)
    {
        if (increment == 0)
        {
            return int.MaxValue;
        }

        ulong distance = ((ulong)(uint)wrap << 32) - phaseStart;
        ulong frame = ((distance + increment - 1) / increment) - 1;
        return frame >= int.MaxValue ? int.MaxValue : (int)frame;
    }

    /// <summary>
    /// The scalar specification of <see cref="AdvanceSaw"/>, with where it wraps: bit l of wraps[f] is set when the
    /// new phase is below the increment (it passed 0 during the frame).
    /// </summary>
    public static void AdvanceSawReference(Span<uint> phases, ReadOnlySpan<uint> increments, Span<float> naive, Span<ulong> wraps, int frames, int width)
    {
        for (int f = 0; f < frames; f++)
        {
            ulong mask = 0;
            for (int lane = 0; lane < width; lane++)
            {
                uint phase = phases[lane] + increments[lane];
                phases[lane] = phase;
                naive[(f * width) + lane] = SawShaper.Invoke(phase, 0);
                if (phase < increments[lane])
                {
                    mask |= 1UL << lane;
                }
            }

            wraps[f] = mask;
        }
    }

    private static void Advance512(Span<uint> phases, ReadOnlySpan<uint> increments, Span<float> naive, int frames, int width)
    {
        ref uint phaseRef = ref MemoryMarshal.GetReference(phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(increments);
        ref float naiveRef = ref MemoryMarshal.GetReference(naive);
        for (int g = 0; g < width; g += 16)
        {
            Vector512<uint> phase = Vector512.LoadUnsafe(ref phaseRef, (nuint)g);
            Vector512<uint> increment = Vector512.LoadUnsafe(ref incrementRef, (nuint)g);
            for (int f = 0; f < frames; f++)
            {
                phase += increment;
                SawShaper.Invoke(phase, default).StoreUnsafe(ref naiveRef, (nuint)((f * width) + g));
            }

            phase.StoreUnsafe(ref phaseRef, (nuint)g);
        }
    }

    private static void Advance256(Span<uint> phases, ReadOnlySpan<uint> increments, Span<float> naive, int frames, int width)
    {
        ref uint phaseRef = ref MemoryMarshal.GetReference(phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(increments);
        ref float naiveRef = ref MemoryMarshal.GetReference(naive);
        for (int g = 0; g < width; g += 8)
        {
            Vector256<uint> phase = Vector256.LoadUnsafe(ref phaseRef, (nuint)g);
            Vector256<uint> increment = Vector256.LoadUnsafe(ref incrementRef, (nuint)g);
            for (int f = 0; f < frames; f++)
            {
                phase += increment;
                SawShaper.Invoke(phase, default).StoreUnsafe(ref naiveRef, (nuint)((f * width) + g));
            }

            phase.StoreUnsafe(ref phaseRef, (nuint)g);
        }
    }

    private static void Advance128(Span<uint> phases, ReadOnlySpan<uint> increments, Span<float> naive, int frames, int width)
    {
        ref uint phaseRef = ref MemoryMarshal.GetReference(phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(increments);
        ref float naiveRef = ref MemoryMarshal.GetReference(naive);
        for (int g = 0; g < width; g += 4)
        {
            Vector128<uint> phase = Vector128.LoadUnsafe(ref phaseRef, (nuint)g);
            Vector128<uint> increment = Vector128.LoadUnsafe(ref incrementRef, (nuint)g);
            for (int f = 0; f < frames; f++)
            {
                phase += increment;
                SawShaper.Invoke(phase, default).StoreUnsafe(ref naiveRef, (nuint)((f * width) + g));
            }

            phase.StoreUnsafe(ref phaseRef, (nuint)g);
        }
    }
}
