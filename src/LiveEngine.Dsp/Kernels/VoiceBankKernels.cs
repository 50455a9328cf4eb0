using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The voice bank's inner loop: per lane a float SVF low-pass (Simper's trapezoidal form, the same equations as
/// <see cref="SvfKernels"/>), gain and equal-power pan, then the sum over lanes, for every frame of a block.
/// A scalar specification (<see cref="ProcessReference"/>) and Vector512/256/128 tiers that match it bit for bit.
/// </summary>
/// <remarks>
/// Design: the vectors run across voices, not along time, because the filter's recursion forbids the latter. Every
/// lane does the same float operations in every tier (no fused multiply-add), and the sum over lanes has one fixed
/// order, independent of the tier: first a balanced tree over the 16-lane groups, lane by lane
/// (G = 3 is (g0 + g1) + g2), then the 16 lanes are folded in halves (lane i + lane i + 8, then i + 4, i + 2,
/// i + 1). So every machine renders the same bits.
/// <para>
/// Float precision: the TPT SVF keeps its poles inside the unit circle for any positive g and k, in float as in
/// double, so it stays stable under per-sample cutoff modulation; float state adds noise about 140 dB below
/// full scale at the standard voices' 2 kHz and rises as the cutoff falls (a test bounds it against the double
/// filter under fast modulation, see VoiceBankTests).
/// </para>
/// </remarks>
public static partial class VoiceBankKernels
{
    /// <summary>Lanes per group: the layout unit, one Vector512 of floats, whatever the machine.</summary>
    public const int GroupLanes = 16;

    /// <summary>Lanes in one bank block at most (4 groups).</summary>
    public const int MaxWidth = 64;

    /// <summary>State magnitudes below this are set to zero on the 64-frame grid of stream time.</summary>
    public const float FlushThreshold = 1e-30f;

    /// <summary>The widest accelerated tier here, in bits (0 when none is).</summary>
    public static int BestVectorBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>Runs the block on the widest accelerated tier.</summary>
    public static void Process(ref VoiceBankBlock block) => Process(ref block, BestVectorBits);

    /// <summary>Runs the block on the tier of <paramref name="vectorBits"/> (512, 256, 128; 0 is the scalar specification).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Process(ref VoiceBankBlock block, int vectorBits)
    {
        Validate(in block);
        switch (vectorBits)
        {
            case 512 when Vector512.IsHardwareAccelerated && block.Width == MaxWidth:
                Process512Full(ref block);
                break;
            case 512 when Vector512.IsHardwareAccelerated:
                Process512(ref block);
                break;
            case 256 when Vector256.IsHardwareAccelerated:
                Process256(ref block);
                break;
            case 128 when Vector128.IsHardwareAccelerated:
                Process128(ref block);
                break;
            default:
                ProcessReference(ref block);
                break;
        }
    }

    /// <summary>The scalar specification.</summary>
    public static void ProcessReference(ref VoiceBankBlock block)
    {
        Validate(in block);
        int width = block.Width;
        Span<float> left = stackalloc float[MaxWidth];
        Span<float> right = stackalloc float[MaxWidth];
        Span<float> fold = stackalloc float[GroupLanes];
        for (int f = 0; f < block.Frames; f++)
        {
            int input = f * width;
            int coefficient = f * block.CoefficientStride;
            int level = f * block.LevelStride;
            int pan = f * block.PanStride;
            for (int lane = 0; lane < width; lane++)
            {
                float x = block.Input[input + lane];
                float a1 = block.A1[coefficient + lane];
                float a2 = block.A2[coefficient + lane];
                float a3 = block.A3[coefficient + lane];
                float ic1 = block.Ic1[lane];
                float ic2 = block.Ic2[lane];
                float v3 = x - ic2;
                float v1 = (a1 * ic1) + (a2 * v3);
                float v2 = ic2 + (a2 * ic1) + (a3 * v3);
                block.Ic1[lane] = (2f * v1) - ic1;
                block.Ic2[lane] = (2f * v2) - ic2;
                float gained = v2 * block.Level[level + lane];
                left[lane] = gained * block.Left[pan + lane];
                right[lane] = gained * block.Right[pan + lane];
            }

            block.OutLeft[f] = SumReference(left[..width], fold);
            block.OutRight[f] = SumReference(right[..width], fold);
            if (EndsGridStep(block.SampleTime, f))
            {
                for (int lane = 0; lane < width; lane++)
                {
                    block.Ic1[lane] = Math.Abs(block.Ic1[lane]) < FlushThreshold ? 0f : block.Ic1[lane];
                    block.Ic2[lane] = Math.Abs(block.Ic2[lane]) < FlushThreshold ? 0f : block.Ic2[lane];
                }
            }
        }
    }

    /// <summary>The specified sum over lanes: a balanced tree over groups, lane-wise, then the halves folded.</summary>
    public static float SumReference(ReadOnlySpan<float> lanes, Span<float> scratch)
    {
        int groups = lanes.Length / GroupLanes;
        for (int i = 0; i < GroupLanes; i++)
        {
            scratch[i] = GroupTree(lanes, i, 0, groups);
        }

        for (int half = GroupLanes / 2; half >= 1; half /= 2)
        {
            for (int i = 0; i < half; i++)
            {
                scratch[i] += scratch[i + half];
            }
        }

        return scratch[0];

        static float GroupTree(ReadOnlySpan<float> lanes, int lane, int first, int count) =>
            count == 1
                ? lanes[(first * GroupLanes) + lane]
                : GroupTree(lanes, lane, first, (count + 1) / 2) + GroupTree(lanes, lane, first + ((count + 1) / 2), count - ((count + 1) / 2));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EndsGridStep(long sampleTime, int frame) => ((sampleTime + frame + 1) & (DenormalGrid.Frames - 1)) == 0;

    /// <summary>
    /// <see cref="Process512"/> for a full bank of 4 groups, with the 8 state vectors in registers: 4 independent
    /// recursions per frame hide the latency of each (the state would otherwise go through memory every frame).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Process512Full(ref VoiceBankBlock block)
    {
        const int Width = MaxWidth;
        int frames = block.Frames;
        long sampleTime = block.SampleTime;
        int coefficientStride = block.CoefficientStride;
        int levelStride = block.LevelStride;
        int panStride = block.PanStride;
        ref float inputRef = ref MemoryMarshal.GetReference(block.Input);
        ref float a1Ref = ref MemoryMarshal.GetReference(block.A1);
        ref float a2Ref = ref MemoryMarshal.GetReference(block.A2);
        ref float a3Ref = ref MemoryMarshal.GetReference(block.A3);
        ref float levelRef = ref MemoryMarshal.GetReference(block.Level);
        ref float leftRef = ref MemoryMarshal.GetReference(block.Left);
        ref float rightRef = ref MemoryMarshal.GetReference(block.Right);
        ref float ic1Ref = ref MemoryMarshal.GetReference(block.Ic1);
        ref float ic2Ref = ref MemoryMarshal.GetReference(block.Ic2);
        ref float outLeftRef = ref MemoryMarshal.GetReference(block.OutLeft);
        ref float outRightRef = ref MemoryMarshal.GetReference(block.OutRight);
        Vector512<float> s10 = Vector512.LoadUnsafe(ref ic1Ref, 0);
        Vector512<float> s11 = Vector512.LoadUnsafe(ref ic1Ref, 16);
        Vector512<float> s12 = Vector512.LoadUnsafe(ref ic1Ref, 32);
        Vector512<float> s13 = Vector512.LoadUnsafe(ref ic1Ref, 48);
        Vector512<float> s20 = Vector512.LoadUnsafe(ref ic2Ref, 0);
        Vector512<float> s21 = Vector512.LoadUnsafe(ref ic2Ref, 16);
        Vector512<float> s22 = Vector512.LoadUnsafe(ref ic2Ref, 32);
        Vector512<float> s23 = Vector512.LoadUnsafe(ref ic2Ref, 48);
        Vector512<float> threshold = Vector512.Create(FlushThreshold);
        for (int f = 0; f < frames; f++)
        {
            nuint input = (nuint)(f * Width);
            nuint coefficient = (nuint)(f * coefficientStride);
            nuint level = (nuint)(f * levelStride);
            nuint pan = (nuint)(f * panStride);
            (s10, s20, Vector512<float> l0, Vector512<float> r0) = Step512(s10, s20, Vector512.LoadUnsafe(ref inputRef, input + 0), Vector512.LoadUnsafe(ref a1Ref, coefficient + 0), Vector512.LoadUnsafe(ref a2Ref, coefficient + 0), Vector512.LoadUnsafe(ref a3Ref, coefficient + 0), Vector512.LoadUnsafe(ref levelRef, level + 0), Vector512.LoadUnsafe(ref leftRef, pan + 0), Vector512.LoadUnsafe(ref rightRef, pan + 0));
            (s11, s21, Vector512<float> l1, Vector512<float> r1) = Step512(s11, s21, Vector512.LoadUnsafe(ref inputRef, input + 16), Vector512.LoadUnsafe(ref a1Ref, coefficient + 16), Vector512.LoadUnsafe(ref a2Ref, coefficient + 16), Vector512.LoadUnsafe(ref a3Ref, coefficient + 16), Vector512.LoadUnsafe(ref levelRef, level + 16), Vector512.LoadUnsafe(ref leftRef, pan + 16), Vector512.LoadUnsafe(ref rightRef, pan + 16));
            (s12, s22, Vector512<float> l2, Vector512<float> r2) = Step512(s12, s22, Vector512.LoadUnsafe(ref inputRef, input + 32), Vector512.LoadUnsafe(ref a1Ref, coefficient + 32), Vector512.LoadUnsafe(ref a2Ref, coefficient + 32), Vector512.LoadUnsafe(ref a3Ref, coefficient + 32), Vector512.LoadUnsafe(ref levelRef, level + 32), Vector512.LoadUnsafe(ref leftRef, pan + 32), Vector512.LoadUnsafe(ref rightRef, pan + 32));
            (s13, s23, Vector512<float> l3, Vector512<float> r3) = Step512(s13, s23, Vector512.LoadUnsafe(ref inputRef, input + 48), Vector512.LoadUnsafe(ref a1Ref, coefficient + 48), Vector512.LoadUnsafe(ref a2Ref, coefficient + 48), Vector512.LoadUnsafe(ref a3Ref, coefficient + 48), Vector512.LoadUnsafe(ref levelRef, level + 48), Vector512.LoadUnsafe(ref leftRef, pan + 48), Vector512.LoadUnsafe(ref rightRef, pan + 48));
            Unsafe.Add(ref outLeftRef, f) = Fold512((l0 + l1) + (l2 + l3));
            Unsafe.Add(ref outRightRef, f) = Fold512((r0 + r1) + (r2 + r3));
            if (EndsGridStep(sampleTime, f))
            {
                s10 = Flush(s10);
                s11 = Flush(s11);
                s12 = Flush(s12);
                s13 = Flush(s13);
                s20 = Flush(s20);
                s21 = Flush(s21);
                s22 = Flush(s22);
                s23 = Flush(s23);
            }
        }

        s10.StoreUnsafe(ref ic1Ref, 0);
        s11.StoreUnsafe(ref ic1Ref, 16);
        s12.StoreUnsafe(ref ic1Ref, 32);
        s13.StoreUnsafe(ref ic1Ref, 48);
        s20.StoreUnsafe(ref ic2Ref, 0);
        s21.StoreUnsafe(ref ic2Ref, 16);
        s22.StoreUnsafe(ref ic2Ref, 32);
        s23.StoreUnsafe(ref ic2Ref, 48);

        Vector512<float> Flush(Vector512<float> state) =>
            Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(state), threshold), Vector512<float>.Zero, state);
    }

    /// <summary>One frame of one 16-lane group: the SVF step, gain and pan, exactly as in <see cref="ProcessReference"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Ic1, Vector512<float> Ic2, Vector512<float> Left, Vector512<float> Right) Step512(
        Vector512<float> ic1, Vector512<float> ic2, Vector512<float> x, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> level, Vector512<float> left, Vector512<float> right)
    {
        Vector512<float> v3 = x - ic2;
        Vector512<float> v1 = (a1 * ic1) + (a2 * v3);
        Vector512<float> v2 = ic2 + (a2 * ic1) + (a3 * v3);
        Vector512<float> gained = v2 * level;
        // v + v is 2 × v exactly (as the scalar specification's 2 × v): an add, so that the multiplier pipes, which
        // carry the rest of the step, are not the only ones at work.
        return ((v1 + v1) - ic1, (v2 + v2) - ic2, gained * left, gained * right);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Process512(ref VoiceBankBlock block)
    {
        int width = block.Width;
        int groups = width / GroupLanes;
        ref float inputRef = ref MemoryMarshal.GetReference(block.Input);
        ref float a1Ref = ref MemoryMarshal.GetReference(block.A1);
        ref float a2Ref = ref MemoryMarshal.GetReference(block.A2);
        ref float a3Ref = ref MemoryMarshal.GetReference(block.A3);
        ref float levelRef = ref MemoryMarshal.GetReference(block.Level);
        ref float leftRef = ref MemoryMarshal.GetReference(block.Left);
        ref float rightRef = ref MemoryMarshal.GetReference(block.Right);
        ref float ic1Ref = ref MemoryMarshal.GetReference(block.Ic1);
        ref float ic2Ref = ref MemoryMarshal.GetReference(block.Ic2);
        Span<Vector512<float>> lefts = stackalloc Vector512<float>[MaxWidth / GroupLanes];
        Span<Vector512<float>> rights = stackalloc Vector512<float>[MaxWidth / GroupLanes];
        Vector512<float> two = Vector512.Create(2f);
        for (int f = 0; f < block.Frames; f++)
        {
            nuint input = (nuint)(f * width);
            nuint coefficient = (nuint)(f * block.CoefficientStride);
            nuint level = (nuint)(f * block.LevelStride);
            nuint pan = (nuint)(f * block.PanStride);
            for (int g = 0; g < groups; g++)
            {
                nuint lane = (nuint)(g * GroupLanes);
                Vector512<float> x = Vector512.LoadUnsafe(ref inputRef, input + lane);
                Vector512<float> a1 = Vector512.LoadUnsafe(ref a1Ref, coefficient + lane);
                Vector512<float> a2 = Vector512.LoadUnsafe(ref a2Ref, coefficient + lane);
                Vector512<float> a3 = Vector512.LoadUnsafe(ref a3Ref, coefficient + lane);
                Vector512<float> ic1 = Vector512.LoadUnsafe(ref ic1Ref, lane);
                Vector512<float> ic2 = Vector512.LoadUnsafe(ref ic2Ref, lane);
                Vector512<float> v3 = x - ic2;
                Vector512<float> v1 = (a1 * ic1) + (a2 * v3);
                Vector512<float> v2 = ic2 + (a2 * ic1) + (a3 * v3);
                ((two * v1) - ic1).StoreUnsafe(ref ic1Ref, lane);
                ((two * v2) - ic2).StoreUnsafe(ref ic2Ref, lane);
                Vector512<float> gained = v2 * Vector512.LoadUnsafe(ref levelRef, level + lane);
                lefts[g] = gained * Vector512.LoadUnsafe(ref leftRef, pan + lane);
                rights[g] = gained * Vector512.LoadUnsafe(ref rightRef, pan + lane);
            }

            block.OutLeft[f] = Fold512(GroupTree(lefts, groups));
            block.OutRight[f] = Fold512(GroupTree(rights, groups));
            if (EndsGridStep(block.SampleTime, f))
            {
                Vector512<float> threshold = Vector512.Create(FlushThreshold);
                for (int g = 0; g < groups; g++)
                {
                    nuint lane = (nuint)(g * GroupLanes);
                    Vector512<float> ic1 = Vector512.LoadUnsafe(ref ic1Ref, lane);
                    Vector512<float> ic2 = Vector512.LoadUnsafe(ref ic2Ref, lane);
                    Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(ic1), threshold), Vector512<float>.Zero, ic1).StoreUnsafe(ref ic1Ref, lane);
                    Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(ic2), threshold), Vector512<float>.Zero, ic2).StoreUnsafe(ref ic2Ref, lane);
                }
            }
        }

        static Vector512<float> GroupTree(Span<Vector512<float>> v, int groups) => groups switch
        {
            1 => v[0],
            2 => v[0] + v[1],
            3 => (v[0] + v[1]) + v[2],
            _ => (v[0] + v[1]) + (v[2] + v[3]),
        };

    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Process256(ref VoiceBankBlock block)
    {
        const int Chunks = GroupLanes / 8;
        int width = block.Width;
        int vectors = width / 8;
        ref float inputRef = ref MemoryMarshal.GetReference(block.Input);
        ref float a1Ref = ref MemoryMarshal.GetReference(block.A1);
        ref float a2Ref = ref MemoryMarshal.GetReference(block.A2);
        ref float a3Ref = ref MemoryMarshal.GetReference(block.A3);
        ref float levelRef = ref MemoryMarshal.GetReference(block.Level);
        ref float leftRef = ref MemoryMarshal.GetReference(block.Left);
        ref float rightRef = ref MemoryMarshal.GetReference(block.Right);
        ref float ic1Ref = ref MemoryMarshal.GetReference(block.Ic1);
        ref float ic2Ref = ref MemoryMarshal.GetReference(block.Ic2);
        Span<Vector256<float>> lefts = stackalloc Vector256<float>[MaxWidth / 8];
        Span<Vector256<float>> rights = stackalloc Vector256<float>[MaxWidth / 8];
        Vector256<float> two = Vector256.Create(2f);
        for (int f = 0; f < block.Frames; f++)
        {
            nuint input = (nuint)(f * width);
            nuint coefficient = (nuint)(f * block.CoefficientStride);
            nuint level = (nuint)(f * block.LevelStride);
            nuint pan = (nuint)(f * block.PanStride);
            for (int k = 0; k < vectors; k++)
            {
                nuint lane = (nuint)(k * 8);
                Vector256<float> x = Vector256.LoadUnsafe(ref inputRef, input + lane);
                Vector256<float> a1 = Vector256.LoadUnsafe(ref a1Ref, coefficient + lane);
                Vector256<float> a2 = Vector256.LoadUnsafe(ref a2Ref, coefficient + lane);
                Vector256<float> a3 = Vector256.LoadUnsafe(ref a3Ref, coefficient + lane);
                Vector256<float> ic1 = Vector256.LoadUnsafe(ref ic1Ref, lane);
                Vector256<float> ic2 = Vector256.LoadUnsafe(ref ic2Ref, lane);
                Vector256<float> v3 = x - ic2;
                Vector256<float> v1 = (a1 * ic1) + (a2 * v3);
                Vector256<float> v2 = ic2 + (a2 * ic1) + (a3 * v3);
                ((two * v1) - ic1).StoreUnsafe(ref ic1Ref, lane);
                ((two * v2) - ic2).StoreUnsafe(ref ic2Ref, lane);
                Vector256<float> gained = v2 * Vector256.LoadUnsafe(ref levelRef, level + lane);
                lefts[k] = gained * Vector256.LoadUnsafe(ref leftRef, pan + lane);
                rights[k] = gained * Vector256.LoadUnsafe(ref rightRef, pan + lane);
            }

            block.OutLeft[f] = Sum(lefts, vectors / Chunks);
            block.OutRight[f] = Sum(rights, vectors / Chunks);
            if (EndsGridStep(block.SampleTime, f))
            {
                Vector256<float> threshold = Vector256.Create(FlushThreshold);
                for (int k = 0; k < vectors; k++)
                {
                    nuint lane = (nuint)(k * 8);
                    Vector256<float> ic1 = Vector256.LoadUnsafe(ref ic1Ref, lane);
                    Vector256<float> ic2 = Vector256.LoadUnsafe(ref ic2Ref, lane);
                    Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(ic1), threshold), Vector256<float>.Zero, ic1).StoreUnsafe(ref ic1Ref, lane);
                    Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(ic2), threshold), Vector256<float>.Zero, ic2).StoreUnsafe(ref ic2Ref, lane);
                }
            }
        }

        // Chunk c of group g is v[g * 2 + c]: the tree over groups per chunk, then the two halves of a group.
        static float Sum(Span<Vector256<float>> v, int groups) => Fold(GroupTree(v, 0, groups) + GroupTree(v, 1, groups));

        static Vector256<float> GroupTree(Span<Vector256<float>> v, int c, int groups) => groups switch
        {
            1 => v[c],
            2 => v[c] + v[Chunks + c],
            3 => (v[c] + v[Chunks + c]) + v[(2 * Chunks) + c],
            _ => (v[c] + v[Chunks + c]) + (v[(2 * Chunks) + c] + v[(3 * Chunks) + c]),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Process128(ref VoiceBankBlock block)
    {
        const int Chunks = GroupLanes / 4;
        int width = block.Width;
        int vectors = width / 4;
        ref float inputRef = ref MemoryMarshal.GetReference(block.Input);
        ref float a1Ref = ref MemoryMarshal.GetReference(block.A1);
        ref float a2Ref = ref MemoryMarshal.GetReference(block.A2);
        ref float a3Ref = ref MemoryMarshal.GetReference(block.A3);
        ref float levelRef = ref MemoryMarshal.GetReference(block.Level);
        ref float leftRef = ref MemoryMarshal.GetReference(block.Left);
        ref float rightRef = ref MemoryMarshal.GetReference(block.Right);
        ref float ic1Ref = ref MemoryMarshal.GetReference(block.Ic1);
        ref float ic2Ref = ref MemoryMarshal.GetReference(block.Ic2);
        Span<Vector128<float>> lefts = stackalloc Vector128<float>[MaxWidth / 4];
        Span<Vector128<float>> rights = stackalloc Vector128<float>[MaxWidth / 4];
        Vector128<float> two = Vector128.Create(2f);
        for (int f = 0; f < block.Frames; f++)
        {
            nuint input = (nuint)(f * width);
            nuint coefficient = (nuint)(f * block.CoefficientStride);
            nuint level = (nuint)(f * block.LevelStride);
            nuint pan = (nuint)(f * block.PanStride);
            for (int k = 0; k < vectors; k++)
            {
                nuint lane = (nuint)(k * 4);
                Vector128<float> x = Vector128.LoadUnsafe(ref inputRef, input + lane);
                Vector128<float> a1 = Vector128.LoadUnsafe(ref a1Ref, coefficient + lane);
                Vector128<float> a2 = Vector128.LoadUnsafe(ref a2Ref, coefficient + lane);
                Vector128<float> a3 = Vector128.LoadUnsafe(ref a3Ref, coefficient + lane);
                Vector128<float> ic1 = Vector128.LoadUnsafe(ref ic1Ref, lane);
                Vector128<float> ic2 = Vector128.LoadUnsafe(ref ic2Ref, lane);
                Vector128<float> v3 = x - ic2;
                Vector128<float> v1 = (a1 * ic1) + (a2 * v3);
                Vector128<float> v2 = ic2 + (a2 * ic1) + (a3 * v3);
                ((two * v1) - ic1).StoreUnsafe(ref ic1Ref, lane);
                ((two * v2) - ic2).StoreUnsafe(ref ic2Ref, lane);
                Vector128<float> gained = v2 * Vector128.LoadUnsafe(ref levelRef, level + lane);
                lefts[k] = gained * Vector128.LoadUnsafe(ref leftRef, pan + lane);
                rights[k] = gained * Vector128.LoadUnsafe(ref rightRef, pan + lane);
            }

            block.OutLeft[f] = Sum(lefts, vectors / Chunks);
            block.OutRight[f] = Sum(rights, vectors / Chunks);
            if (EndsGridStep(block.SampleTime, f))
            {
                Vector128<float> threshold = Vector128.Create(FlushThreshold);
                for (int k = 0; k < vectors; k++)
                {
                    nuint lane = (nuint)(k * 4);
                    Vector128<float> ic1 = Vector128.LoadUnsafe(ref ic1Ref, lane);
                    Vector128<float> ic2 = Vector128.LoadUnsafe(ref ic2Ref, lane);
                    Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(ic1), threshold), Vector128<float>.Zero, ic1).StoreUnsafe(ref ic1Ref, lane);
                    Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(ic2), threshold), Vector128<float>.Zero, ic2).StoreUnsafe(ref ic2Ref, lane);
                }
            }
        }

        // Quarter q of group g is v[g * 4 + q]: the tree over groups per quarter, then lane i + 8 (q0 + q2, q1 + q3), then i + 4.
        static float Sum(Span<Vector128<float>> v, int groups) =>
            Fold((GroupTree(v, 0, groups) + GroupTree(v, 2, groups)) + (GroupTree(v, 1, groups) + GroupTree(v, 3, groups)));

        static Vector128<float> GroupTree(Span<Vector128<float>> v, int c, int groups) => groups switch
        {
            1 => v[c],
            2 => v[c] + v[Chunks + c],
            3 => (v[c] + v[Chunks + c]) + v[(2 * Chunks) + c],
            _ => (v[c] + v[Chunks + c]) + (v[(2 * Chunks) + c] + v[(3 * Chunks) + c]),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold512(Vector512<float> v) => Fold(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector256<float> v) => Fold(v.GetLower() + v.GetUpper());

    // Lanes i + 2, then i + 1: (e0 + e2) + (e1 + e3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector128<float> v) => (v.GetElement(0) + v.GetElement(2)) + (v.GetElement(1) + v.GetElement(3));

    private static void Validate(in VoiceBankBlock block)
    {
        int width = block.Width;
        int frames = block.Frames;
        if (width < GroupLanes || width > MaxWidth || width % GroupLanes != 0 || frames < 0
            || block.Input.Length < frames * width
            || block.Ic1.Length < width || block.Ic2.Length < width
            || !Covers(block.A1, block.CoefficientStride) || !Covers(block.A2, block.CoefficientStride) || !Covers(block.A3, block.CoefficientStride)
            || !Covers(block.Level, block.LevelStride) || !Covers(block.Left, block.PanStride) || !Covers(block.Right, block.PanStride)
            || block.OutLeft.Length < frames || block.OutRight.Length < frames)
        {
            ThrowInvalid();
        }

        bool Covers(ReadOnlySpan<float> values, int stride) =>
            (stride == 0 || stride == width) && values.Length >= ((Math.Max(frames, 1) - 1) * stride) + width;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowInvalid() =>
        throw new ArgumentException("A voice bank block needs 16 to 64 lanes in groups of 16, and every span must cover its frames and lanes (strides 0 or the width).");
}
