using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LiveEngine.Dsp.Kernels;

public static partial class VoiceBankKernels
{
    // Frames whose lane sums the fused pass folds at once (Fold16).
    private const int FoldFrames = 16;

    /// <summary>
    /// The saw ring tile <paramref name="saws"/> (<see cref="VoiceBankSawKernels.RenderRing(ref VoiceBankSawRing, int)"/>)
    /// and the filter, gain, pan and lane sum of <paramref name="block"/> (<see cref="Process(ref VoiceBankBlock, int)"/>)
    /// in one pass: the same operations on every lane in the same order, so the same bits as the two in turn, for
    /// any tier. Where the fused loop is not there (a tile that reads history, fewer than 64 lanes, no Vector512,
    /// or <paramref name="vectorBits"/> below 512) it runs the two in turn; block.Input is then the saws' output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ProcessSawRing(ref VoiceBankSawRing saws, ref VoiceBankBlock block, int vectorBits)
    {
        if (vectorBits == 512 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported && !saws.UseHistory && saws.Width == MaxWidth && block.Width == MaxWidth
            && saws.Frames == block.Frames)
        {
            VoiceBankSawKernels.ValidateRing(in saws);
            ValidateFused(in block);
            VoiceBankSawKernels.InsertWraps(ref saws);
            VoiceBankSawKernels.TakeResidualTile(ref saws);
            ProcessSawRing512Full(ref saws, ref block);
            return;
        }

        VoiceBankSawKernels.RenderRing(ref saws, vectorBits);
        block.Input = saws.Output;
        if (vectorBits == 0)
        {
            ProcessReference(ref block);
        }
        else
        {
            Process(ref block, vectorBits);
        }
    }

    /// <summary>
    /// <see cref="Process512Full"/> with the saws of <see cref="VoiceBankSawKernels"/> in front: per frame, the four
    /// groups' (lagging) phases advance in registers (the tile's wraps already added their BLEP taps to their lanes' rows of
    /// the ring, <see cref="VoiceBankSawKernels.InsertWraps"/>, and the tile's residual was transposed out of the ring into
    /// saws.Output, <see cref="VoiceBankSawKernels.TakeResidualTile"/>), and each group's naive saw plus its residual row,
    /// times the oscillator level, goes straight into the SVF.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void ProcessSawRing512Full(ref VoiceBankSawRing saws, ref VoiceBankBlock block)
    {
        const int Width = MaxWidth;
        int frames = block.Frames;
        long sampleTime = block.SampleTime;
        int coefficientStride = block.CoefficientStride;
        int levelStride = block.LevelStride;
        int panStride = block.PanStride;
        ref uint phaseRef = ref MemoryMarshal.GetReference(saws.Phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(saws.Increments);
        ref uint offsetRef = ref MemoryMarshal.GetReference(saws.LagOffsets);
        ref float oscillatorLevelRef = ref MemoryMarshal.GetReference(saws.Levels);
        ref float residualRef = ref MemoryMarshal.GetReference(saws.Output);
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
        // The lagging phases (lead - offset: the wraps are in the ring already, so only the naive saw's phase runs here;
        // modulo 2^32 the same as advancing the lead and subtracting), the increments in registers.
        Vector512<uint> i0 = Vector512.LoadUnsafe(ref incrementRef, 0);
        Vector512<uint> i1 = Vector512.LoadUnsafe(ref incrementRef, 16);
        Vector512<uint> i2 = Vector512.LoadUnsafe(ref incrementRef, 32);
        Vector512<uint> i3 = Vector512.LoadUnsafe(ref incrementRef, 48);
        Vector512<uint> q0 = Vector512.LoadUnsafe(ref phaseRef, 0) - Vector512.LoadUnsafe(ref offsetRef, 0);
        Vector512<uint> q1 = Vector512.LoadUnsafe(ref phaseRef, 16) - Vector512.LoadUnsafe(ref offsetRef, 16);
        Vector512<uint> q2 = Vector512.LoadUnsafe(ref phaseRef, 32) - Vector512.LoadUnsafe(ref offsetRef, 32);
        Vector512<uint> q3 = Vector512.LoadUnsafe(ref phaseRef, 48) - Vector512.LoadUnsafe(ref offsetRef, 48);

        // x × 1 is x: oscillator levels of 1 (the usual case) are not multiplied.
        bool scaled = !Vector512.EqualsAll(Vector512.LoadUnsafe(ref oscillatorLevelRef, 0), Vector512<float>.One)
            || !Vector512.EqualsAll(Vector512.LoadUnsafe(ref oscillatorLevelRef, 16), Vector512<float>.One)
            || !Vector512.EqualsAll(Vector512.LoadUnsafe(ref oscillatorLevelRef, 32), Vector512<float>.One)
            || !Vector512.EqualsAll(Vector512.LoadUnsafe(ref oscillatorLevelRef, 48), Vector512<float>.One);
        Vector512<float> s10 = Vector512.LoadUnsafe(ref ic1Ref, 0);
        Vector512<float> s11 = Vector512.LoadUnsafe(ref ic1Ref, 16);
        Vector512<float> s12 = Vector512.LoadUnsafe(ref ic1Ref, 32);
        Vector512<float> s13 = Vector512.LoadUnsafe(ref ic1Ref, 48);
        Vector512<float> s20 = Vector512.LoadUnsafe(ref ic2Ref, 0);
        Vector512<float> s21 = Vector512.LoadUnsafe(ref ic2Ref, 16);
        Vector512<float> s22 = Vector512.LoadUnsafe(ref ic2Ref, 32);
        Vector512<float> s23 = Vector512.LoadUnsafe(ref ic2Ref, 48);
        Vector512<float> threshold = Vector512.Create(FlushThreshold);

        // Each frame's left and right sums over the 4 groups wait here until 16 frames are folded at once (Fold16).
        Span<Vector512<float>> sums = stackalloc Vector512<float>[2 * FoldFrames];
        ref Vector512<float> sumsRef = ref MemoryMarshal.GetReference(sums);
        for (int f = 0; f < frames; f++)
        {
            q0 += i0;
            q1 += i1;
            q2 += i2;
            q3 += i3;
            nuint ringAt = (nuint)(f * Width);
            Vector512<float> x0 = SawInput(q0, ref residualRef, ringAt + 0);
            Vector512<float> x1 = SawInput(q1, ref residualRef, ringAt + 16);
            Vector512<float> x2 = SawInput(q2, ref residualRef, ringAt + 32);
            Vector512<float> x3 = SawInput(q3, ref residualRef, ringAt + 48);
            if (scaled)
            {
                x0 *= Vector512.LoadUnsafe(ref oscillatorLevelRef, 0);
                x1 *= Vector512.LoadUnsafe(ref oscillatorLevelRef, 16);
                x2 *= Vector512.LoadUnsafe(ref oscillatorLevelRef, 32);
                x3 *= Vector512.LoadUnsafe(ref oscillatorLevelRef, 48);
            }

            nuint coefficient = (nuint)(f * coefficientStride);
            nuint level = (nuint)(f * levelStride);
            nuint pan = (nuint)(f * panStride);
            (s10, s20, Vector512<float> l0, Vector512<float> r0) = Step512(s10, s20, x0, Vector512.LoadUnsafe(ref a1Ref, coefficient + 0), Vector512.LoadUnsafe(ref a2Ref, coefficient + 0), Vector512.LoadUnsafe(ref a3Ref, coefficient + 0), Vector512.LoadUnsafe(ref levelRef, level + 0), Vector512.LoadUnsafe(ref leftRef, pan + 0), Vector512.LoadUnsafe(ref rightRef, pan + 0));
            (s11, s21, Vector512<float> l1, Vector512<float> r1) = Step512(s11, s21, x1, Vector512.LoadUnsafe(ref a1Ref, coefficient + 16), Vector512.LoadUnsafe(ref a2Ref, coefficient + 16), Vector512.LoadUnsafe(ref a3Ref, coefficient + 16), Vector512.LoadUnsafe(ref levelRef, level + 16), Vector512.LoadUnsafe(ref leftRef, pan + 16), Vector512.LoadUnsafe(ref rightRef, pan + 16));
            (s12, s22, Vector512<float> l2, Vector512<float> r2) = Step512(s12, s22, x2, Vector512.LoadUnsafe(ref a1Ref, coefficient + 32), Vector512.LoadUnsafe(ref a2Ref, coefficient + 32), Vector512.LoadUnsafe(ref a3Ref, coefficient + 32), Vector512.LoadUnsafe(ref levelRef, level + 32), Vector512.LoadUnsafe(ref leftRef, pan + 32), Vector512.LoadUnsafe(ref rightRef, pan + 32));
            (s13, s23, Vector512<float> l3, Vector512<float> r3) = Step512(s13, s23, x3, Vector512.LoadUnsafe(ref a1Ref, coefficient + 48), Vector512.LoadUnsafe(ref a2Ref, coefficient + 48), Vector512.LoadUnsafe(ref a3Ref, coefficient + 48), Vector512.LoadUnsafe(ref levelRef, level + 48), Vector512.LoadUnsafe(ref leftRef, pan + 48), Vector512.LoadUnsafe(ref rightRef, pan + 48));
            int pending = f & (FoldFrames - 1);
            Unsafe.Add(ref sumsRef, pending) = (l0 + l1) + (l2 + l3);
            Unsafe.Add(ref sumsRef, FoldFrames + pending) = (r0 + r1) + (r2 + r3);
            if (pending == FoldFrames - 1)
            {
                Fold16(ref sumsRef).StoreUnsafe(ref outLeftRef, (nuint)(f + 1 - FoldFrames));
                Fold16(ref Unsafe.Add(ref sumsRef, FoldFrames)).StoreUnsafe(ref outRightRef, (nuint)(f + 1 - FoldFrames));
            }

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

        // The frames after the last full 16, folded one by one.
        for (int f = frames & ~(FoldFrames - 1); f < frames; f++)
        {
            int pending = f & (FoldFrames - 1);
            Unsafe.Add(ref outLeftRef, f) = Fold512(Unsafe.Add(ref sumsRef, pending));
            Unsafe.Add(ref outRightRef, f) = Fold512(Unsafe.Add(ref sumsRef, FoldFrames + pending));
        }

        (q0 + Vector512.LoadUnsafe(ref offsetRef, 0)).StoreUnsafe(ref phaseRef, 0);
        (q1 + Vector512.LoadUnsafe(ref offsetRef, 16)).StoreUnsafe(ref phaseRef, 16);
        (q2 + Vector512.LoadUnsafe(ref offsetRef, 32)).StoreUnsafe(ref phaseRef, 32);
        (q3 + Vector512.LoadUnsafe(ref offsetRef, 48)).StoreUnsafe(ref phaseRef, 48);
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

    /// <summary>
    /// 16 frames' lane sums folded at once: element k is <see cref="Fold512"/> of frame k's sum (its halves added, then
    /// its quarters, then (e0 + e2) + (e1 + e3)), with the same additions in the same order, but two, four and eight
    /// frames share each shuffle and add (31 shuffles and 15 adds for 16 frames, where one by one they take 5 shuffles
    /// and 5 adds each).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold16(ref Vector512<float> frames)
    {
        // Halves: two frames per register, each as 8 sums (lower + upper 256 bits), frame 2p in quarters 0-1.
        Vector512<float> h0 = Halves(ref frames, 0), h1 = Halves(ref frames, 2), h2 = Halves(ref frames, 4), h3 = Halves(ref frames, 6);
        Vector512<float> h4 = Halves(ref frames, 8), h5 = Halves(ref frames, 10), h6 = Halves(ref frames, 12), h7 = Halves(ref frames, 14);

        // Quarters: four frames per register, each as 4 sums (lower + upper 128 bits), frame 4r + q in quarter q.
        Vector512<float> q0 = Quarters(h0, h1), q1 = Quarters(h2, h3), q2 = Quarters(h4, h5), q3 = Quarters(h6, h7);

        // Per quarter (e0 + e2) and (e1 + e3) of two registers' frames, then their sum: frame 4r + q at element 4q + r.
        Vector512<float> p0 = Avx512F.UnpackLow(q0.AsDouble(), q1.AsDouble()).AsSingle() + Avx512F.UnpackHigh(q0.AsDouble(), q1.AsDouble()).AsSingle();
        Vector512<float> p1 = Avx512F.UnpackLow(q2.AsDouble(), q3.AsDouble()).AsSingle() + Avx512F.UnpackHigh(q2.AsDouble(), q3.AsDouble()).AsSingle();
        Vector512<float> folded = Avx512F.Shuffle(p0, p1, 0x88) + Avx512F.Shuffle(p0, p1, 0xDD);
        return Avx512F.PermuteVar16x32(folded, Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Halves(ref Vector512<float> frames, int first)
        {
            Vector512<float> a = Unsafe.Add(ref frames, first);
            Vector512<float> b = Unsafe.Add(ref frames, first + 1);
            return Avx512F.Shuffle4x128(a, b, 0x44) + Avx512F.Shuffle4x128(a, b, 0xEE);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Quarters(Vector512<float> a, Vector512<float> b) =>
            Avx512F.Shuffle4x128(a, b, 0x88) + Avx512F.Shuffle4x128(a, b, 0xDD);
    }

    /// <summary>One group's filter input for a frame before the oscillator level: naive saw of the lagging phase + the frame's residual (taken from the ring).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SawInput(Vector512<uint> lagging, ref float residualRef, nuint at) =>
        SawShaper.Invoke(lagging, default) + Vector512.LoadUnsafe(ref residualRef, at);

    private static void ValidateFused(in VoiceBankBlock block)
    {
        if (block.Width != MaxWidth || block.Frames < 0 || block.Ic1.Length < MaxWidth || block.Ic2.Length < MaxWidth
            || !Covers(block.A1, block.CoefficientStride, block) || !Covers(block.A2, block.CoefficientStride, block) || !Covers(block.A3, block.CoefficientStride, block)
            || !Covers(block.Level, block.LevelStride, block) || !Covers(block.Left, block.PanStride, block) || !Covers(block.Right, block.PanStride, block)
            || block.OutLeft.Length < block.Frames || block.OutRight.Length < block.Frames)
        {
            ThrowInvalid();
        }

        static bool Covers(ReadOnlySpan<float> values, int stride, in VoiceBankBlock block) =>
            (stride == 0 || stride == MaxWidth) && values.Length >= ((Math.Max(block.Frames, 1) - 1) * stride) + MaxWidth;
    }
}
