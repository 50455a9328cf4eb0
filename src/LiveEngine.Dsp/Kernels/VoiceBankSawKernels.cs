using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The voice bank's band-limited saws across lanes, from state the bank holds: every lane's 32-bit phase advances by its
/// increment, each wrap (where the phase passes 0) adds the saw node's BLEP residual to the lane's own row of a
/// lane-major ring (contiguous, a few vector adds), and the output is the naive saw of the phase <see cref="BlepTable.HalfTaps"/> frames behind plus
/// the ring row, times the oscillator's level. A scalar specification and Vector512/256/128 tiers; integer phase
/// arithmetic, one float conversion and the node's own residual arithmetic, so all tiers agree bit for bit with each
/// other and with <see cref="Nodes.SawNode"/>.
/// </summary>
public static class VoiceBankSawKernels
{
    /// <summary>Rows of a bank's residual ring: room for a tile of up to <see cref="BlepTable.Taps"/> frames and the taps its wraps reach past it.</summary>
    public const int RingRows = 2 * BlepTable.Taps;

    /// <summary>Frames in a ring tile at most.</summary>
    public const int MaxTileFrames = BlepTable.Taps;

    /// <summary>
    /// Renders a tile of every lane's band-limited saw from the bank-held state in <paramref name="ring"/>, on the tier
    /// of <paramref name="vectorBits"/> (512, 256, 128; 0 is <see cref="RenderRingReference"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RenderRing(ref VoiceBankSawRing ring, int vectorBits)
    {
        ValidateRing(in ring);
        if (vectorBits != 0)
        {
            InsertWraps(ref ring);
        }

        switch (vectorBits)
        {
            case 512 when Vector512.IsHardwareAccelerated:
                TakeResidualTile(ref ring);
                RenderRing512(ref ring);
                break;
            case 256 when Vector256.IsHardwareAccelerated:
                TakeResidualTile(ref ring);
                RenderRing256(ref ring);
                break;
            case 128 when Vector128.IsHardwareAccelerated:
                TakeResidualTile(ref ring);
                RenderRing128(ref ring);
                break;
            case 0:
                RenderRingReference(ref ring);
                break;
            default:
                RenderRingScalar(ref ring);
                break;
        }
    }

    /// <summary>
    /// Adds the BLEP taps of every wrap in the tile to the ring before any of its frames is read: a wrap at frame f
    /// reaches the lane's rows f .. f + Taps - 1 only, so row f has all of its taps (in time order per lane) when it is read,
    /// as in <see cref="RenderRingReference"/>, which adds them frame by frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InsertWraps(ref VoiceBankSawRing ring)
    {
        int width = ring.Width;
        int frames = ring.Frames;
        ref float residualRef = ref MemoryMarshal.GetReference(ring.Residual);
        if (!Vector256.IsHardwareAccelerated)
        {
            for (int lane = 0; lane < width; lane++)
            {
                InsertLaneWraps(ref ring, ref residualRef, lane, frames);
            }

            return;
        }

        // Eight lanes at a time, as a mask: a lane wraps in the tile where its phase unwrapped over the tile,
        // phase + frames·increment, reaches 2^32 (in 64 bits: never for a lane whose increment is 0). Most lanes have
        // none in a tile: one compare for eight of them. The width is a multiple of 16.
        ref uint phasesRef = ref MemoryMarshal.GetReference(ring.Phases);
        ref uint incrementsRef = ref MemoryMarshal.GetReference(ring.Increments);
        Vector256<ulong> tileFrames = Vector256.Create((ulong)(uint)frames);
        Vector256<ulong> lastPhase = Vector256.Create((ulong)uint.MaxValue);
        for (int group = 0; group < width; group += Vector256<uint>.Count)
        {
            (Vector256<ulong> phasesLow, Vector256<ulong> phasesHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref phasesRef, (nuint)group));
            (Vector256<ulong> incrementsLow, Vector256<ulong> incrementsHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref incrementsRef, (nuint)group));
            uint wrapping = Vector256.GreaterThan(phasesLow + (incrementsLow * tileFrames), lastPhase).ExtractMostSignificantBits()
                | (Vector256.GreaterThan(phasesHigh + (incrementsHigh * tileFrames), lastPhase).ExtractMostSignificantBits() << Vector256<ulong>.Count);
            while (wrapping != 0)
            {
                int lane = group + BitOperations.TrailingZeroCount(wrapping);
                wrapping &= wrapping - 1;
                InsertLaneWraps(ref ring, ref residualRef, lane, frames);
            }
        }
    }

    /// <summary>Adds the lane's wraps in the tile to its ring rows, in time order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InsertLaneWraps(ref VoiceBankSawRing ring, ref float residualRef, int lane, int frames)
    {
        uint increment = ring.Increments[lane];
        if (increment == 0)
        {
            return;
        }

        // The phase unwrapped over the tile: a wrap is where it passes a multiple of 2^32, in the first frame f
        // whose phase + (f + 1)·increment reaches it. Most lanes have none in a tile: no division.
        uint phase = ring.Phases[lane];
        ulong end = phase + ((ulong)increment * (uint)frames);
        for (ulong boundary = 1UL << 32; boundary <= end; boundary += 1UL << 32)
        {
            // The first frame f with phase + (f + 1)·increment >= boundary: ceiling((boundary - phase) / increment) - 1,
            // in integers (boundary - phase >= 1).
            int f = (int)((boundary - phase - 1) / increment);
            AddWrap(ref residualRef, lane, (ring.RingRow + f) & (RingRows - 1), phase + ((uint)(f + 1) * increment), increment);
        }
    }

    /// <summary><see cref="RenderRing"/> lane by lane after <see cref="InsertWraps"/>, where no vector tier is accelerated.</summary>
    private static void RenderRingScalar(ref VoiceBankSawRing ring)
    {
        int width = ring.Width;
        for (int lane = 0; lane < width; lane++)
        {
            uint phase = ring.Phases[lane];
            uint increment = ring.Increments[lane];
            for (int f = 0; f < ring.Frames; f++)
            {
                int row = (ring.RingRow + f) & (RingRows - 1);
                phase += increment;
                float naive = SawShaper.Invoke(phase - ring.LagOffsets[lane], 0);
                if (ring.UseHistory)
                {
                    int frame = ring.First + f;
                    naive = frame >= ring.NaiveFrom[lane] ? naive : 0f;
                    naive += ring.History[(frame * width) + lane];
                    ring.History[(frame * width) + lane] = 0f;
                }

                ref float residual = ref ring.Residual[(lane * RingRows) + row];
                ring.Output[(f * width) + lane] = (naive + residual) * ring.Levels[lane];
                residual = 0f;
            }

            ring.Phases[lane] = phase;
        }
    }

    /// <summary>
    /// The scalar specification of <see cref="RenderRing"/>. Per lane and frame f, in this order: the phase advances by
    /// the increment; if it passed 0 (the new phase is below the increment) the saw node's BLEP step of -2 at fraction
    /// phase / increment is added to the lane's ring rows f .. f + Taps - 1 (<see cref="AddWrap"/>, the node's own
    /// arithmetic); the naive saw n of phase - lag offset (with history: n masked to +0 before
    /// <see cref="VoiceBankSawRing.NaiveFrom"/>, plus the history, which is cleared); the output is
    /// (n + ring row f) × level, and the ring row is cleared. The naive saw is never -0, so x + 0 is x: the same bits
    /// as the saw node's naive + residual.
    /// </summary>
    public static void RenderRingReference(ref VoiceBankSawRing ring)
    {
        ValidateRing(in ring);
        int width = ring.Width;
        ref float residualRef = ref MemoryMarshal.GetReference(ring.Residual);
        for (int lane = 0; lane < width; lane++)
        {
            uint phase = ring.Phases[lane];
            uint increment = ring.Increments[lane];
            for (int f = 0; f < ring.Frames; f++)
            {
                int row = (ring.RingRow + f) & (RingRows - 1);
                phase += increment;
                if (phase < increment)
                {
                    AddWrap(ref residualRef, lane, row, phase, increment);
                }

                float naive = SawShaper.Invoke(phase - ring.LagOffsets[lane], 0);
                if (ring.UseHistory)
                {
                    int frame = ring.First + f;
                    naive = frame >= ring.NaiveFrom[lane] ? naive : 0f;
                    naive += ring.History[(frame * width) + lane];
                    ring.History[(frame * width) + lane] = 0f;
                }

                ref float residual = ref ring.Residual[(lane * RingRows) + row];
                ring.Output[(f * width) + lane] = (naive + residual) * ring.Levels[lane];
                residual = 0f;
            }

            ring.Phases[lane] = phase;
        }
    }

    /// <summary>
    /// Adds the saw node's BLEP residual of a wrap (a step of -2 that happened phase / increment of a frame before
    /// the frame at <paramref name="row"/>) to the lane's ring rows row .. row + Taps - 1 (its own RingRows floats,
    /// contiguous, wrapping at the end): the arithmetic of <see cref="BlepTable.AddStep"/> and
    /// <see cref="BlepKernels.AddInterpolatedRow"/>, tap by tap.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void AddWrap(ref float residualRef, int lane, int row, uint phase, uint increment)
    {
        const int Taps = BlepTable.Taps;
        double position = (double)phase / increment * BlepTable.Phases;
        int tableRow = Math.Clamp((int)position, 0, BlepTable.Phases - 1);
        float t = (float)(position - tableRow);
        ref float a = ref MemoryMarshal.GetReference(BlepTable.StepResidual.Slice(tableRow * Taps, 2 * Taps));
        ref float b = ref Unsafe.Add(ref a, Taps);
        ref float laneRow = ref Unsafe.Add(ref residualRef, lane * RingRows);

        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            AddWrap512(ref laneRow, row, ref a, ref b, t);
        }
        else
        {
            AddWrapPortable(ref laneRow, row, ref a, ref b, t);
        }
    }

    /// <summary><see cref="AddWrap"/>'s taps where AVX-512 is missing: first contiguous on the stack, then added to the lane's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void AddWrapPortable(ref float laneRow, int row, ref float a, ref float b, float t)
    {
        const float Height = -2f;
        const int Taps = BlepTable.Taps;

        // Rows row .. RingRows - 1, then on from row 0 (the ring wraps): the first taps that reach row 0.
        int first = Math.Min(Taps, RingRows - row);
        Span<float> taps = stackalloc float[Taps];
        ref float tapRef = ref MemoryMarshal.GetReference(taps);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> tv = Vector256.Create(t);
            Vector256<float> height = Vector256.Create(Height);
            for (; j < Taps; j += Vector256<float>.Count)
            {
                Vector256<float> av = Vector256.LoadUnsafe(ref a, (nuint)j);
                Vector256<float> bv = Vector256.LoadUnsafe(ref b, (nuint)j);
                (height * (av + (tv * (bv - av)))).StoreUnsafe(ref tapRef, (nuint)j);
            }
        }

        for (; j < Taps; j++)
        {
            float av = Unsafe.Add(ref a, j);
            float bv = Unsafe.Add(ref b, j);
            Unsafe.Add(ref tapRef, j) = Height * (av + (t * (bv - av)));
        }

        AddRun(ref Unsafe.Add(ref laneRow, row), ref tapRef, first);
        AddRun(ref laneRow, ref Unsafe.Add(ref tapRef, first), Taps - first);
    }

    /// <summary>
    /// <see cref="AddWrap"/>'s taps (height × (a + t × (b - a)), 16 per register) added to the lane's rows row .. row + 63
    /// (mod RingRows) without a branch on where they fall: the 64 rows lie in 5 aligned runs of 16 (4 where row is a
    /// multiple of 16), and each run takes its taps from two neighbouring registers through one two-source permute; the
    /// first and last run keep their rows outside the wrap's as they were. Cell by cell the same additions as tap by tap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWrap512(ref float laneRow, int row, ref float a, ref float b, float t)
    {
        const float Height = -2f;
        const int Run = 16;
        Vector512<float> tv = Vector512.Create(t);
        Vector512<float> height = Vector512.Create(Height);
        Vector512<float> t0 = Tap(ref a, ref b, 0, tv, height);
        Vector512<float> t1 = Tap(ref a, ref b, 16, tv, height);
        Vector512<float> t2 = Tap(ref a, ref b, 32, tv, height);
        Vector512<float> t3 = Tap(ref a, ref b, 48, tv, height);

        // Element m of run k (row first + 16k + m) is tap 16k + m - shift: element m + 16 - shift of (registers k - 1, k).
        int shift = row & (Run - 1);
        int first = row - shift;
        Vector512<int> indices = Vector512<int>.Indices;
        Vector512<int> control = indices + Vector512.Create(Run - shift);
        Vector512<float> fromShift = Vector512.GreaterThanOrEqual(indices, Vector512.Create(shift)).AsSingle();
        Vector512<float> zero = Vector512<float>.Zero;
        AddToRun(ref laneRow, first, Avx512F.PermuteVar16x32x2(zero, control, t0), fromShift);
        AddToRun(ref laneRow, (first + Run) & (RingRows - 1), Avx512F.PermuteVar16x32x2(t0, control, t1), Vector512<float>.AllBitsSet);
        AddToRun(ref laneRow, (first + (2 * Run)) & (RingRows - 1), Avx512F.PermuteVar16x32x2(t1, control, t2), Vector512<float>.AllBitsSet);
        AddToRun(ref laneRow, (first + (3 * Run)) & (RingRows - 1), Avx512F.PermuteVar16x32x2(t2, control, t3), Vector512<float>.AllBitsSet);
        AddToRun(ref laneRow, (first + (4 * Run)) & (RingRows - 1), Avx512F.PermuteVar16x32x2(t3, control, zero), ~fromShift);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Tap(ref float a, ref float b, int j, Vector512<float> tv, Vector512<float> height)
        {
            Vector512<float> av = Vector512.LoadUnsafe(ref a, (nuint)j);
            Vector512<float> bv = Vector512.LoadUnsafe(ref b, (nuint)j);
            return height * (av + (tv * (bv - av)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void AddToRun(ref float laneRow, int runRow, Vector512<float> taps, Vector512<float> mask)
        {
            ref float cells = ref Unsafe.Add(ref laneRow, runRow);
            Vector512<float> old = Vector512.LoadUnsafe(ref cells);
            Vector512.ConditionalSelect(mask, old + taps, old).StoreUnsafe(ref cells);
        }
    }

    /// <summary>destination[i] += taps[i] for i below <paramref name="count"/>, float by float (vectors where they fit; AddWrap's path without Vector512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRun(ref float destination, ref float taps, int count)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + Vector256<float>.Count <= count; j += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref destination, (nuint)j) + Vector256.LoadUnsafe(ref taps, (nuint)j)).StoreUnsafe(ref destination, (nuint)j);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; j + Vector128<float>.Count <= count; j += Vector128<float>.Count)
            {
                (Vector128.LoadUnsafe(ref destination, (nuint)j) + Vector128.LoadUnsafe(ref taps, (nuint)j)).StoreUnsafe(ref destination, (nuint)j);
            }
        }

        for (; j < count; j++)
        {
            Unsafe.Add(ref destination, j) += Unsafe.Add(ref taps, j);
        }
    }

    /// <summary>
    /// Moves the tile's ring rows (RingRow .. RingRow + Frames - 1, mod RingRows) of every lane into
    /// <see cref="VoiceBankSawRing.Output"/>, frame-major (Output[f * Width + lane]), and clears them in the ring: 16 lanes ×
    /// 16 frames per step through a register transpose where AVX-512 is there and the 16 rows do not wrap, float by
    /// float otherwise. The vector tiers then read the residual from Output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TakeResidualTile(ref VoiceBankSawRing ring)
    {
        int width = ring.Width;
        int frames = ring.Frames;
        int ringRow = ring.RingRow;
        ref float residualRef = ref MemoryMarshal.GetReference(ring.Residual);
        ref float outputRef = ref MemoryMarshal.GetReference(ring.Output);
        for (int f0 = 0; f0 < frames; f0 += 16)
        {
            int row = (ringRow + f0) & (RingRows - 1);
            if (Avx512F.IsSupported && f0 + 16 <= frames && row + 16 <= RingRows)
            {
                for (int g = 0; g < width; g += 16)
                {
                    // The next step's 16 ring lines (the next group's, or the first group's next 16 rows) are on their way
                    // while this step's are transposed.
                    PrefetchLanes(ref Unsafe.Add(ref residualRef, g + 16 < width ? ((g + 16) * RingRows) + row : (row + 16) & (RingRows - 1)));
                    Transpose16(ref Unsafe.Add(ref residualRef, (g * RingRows) + row), ref Unsafe.Add(ref outputRef, (f0 * width) + g), width);
                }

                continue;
            }

            int end = Math.Min(frames, f0 + 16);
            for (int lane = 0; lane < width; lane++)
            {
                ref float laneRow = ref Unsafe.Add(ref residualRef, lane * RingRows);
                for (int f = f0; f < end; f++)
                {
                    ref float cell = ref Unsafe.Add(ref laneRow, (ringRow + f) & (RingRows - 1));
                    Unsafe.Add(ref outputRef, (f * width) + lane) = cell;
                    cell = 0f;
                }
            }
        }
    }

    /// <summary>Asks for the cache lines of 16 lanes' ring cells at <paramref name="source"/> (lane l at source + l·RingRows); a hint only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchLanes(ref float source)
    {
        for (int lane = 0; lane < 16; lane++)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref source, lane * RingRows)));
        }
    }

    /// <summary>
    /// 16 lanes' next 16 ring cells (lane l at source + l·RingRows) to 16 frame rows of 16 lanes (frame k at destination +
    /// k·<paramref name="width"/>), clearing the source: unpack pairs, pairs of pairs, then 128-bit quarters twice.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16(ref float source, ref float destination, int width)
    {
        Vector512<float> r0 = Load(ref source, 0), r1 = Load(ref source, 1), r2 = Load(ref source, 2), r3 = Load(ref source, 3);
        Vector512<float> r4 = Load(ref source, 4), r5 = Load(ref source, 5), r6 = Load(ref source, 6), r7 = Load(ref source, 7);
        Vector512<float> r8 = Load(ref source, 8), r9 = Load(ref source, 9), r10 = Load(ref source, 10), r11 = Load(ref source, 11);
        Vector512<float> r12 = Load(ref source, 12), r13 = Load(ref source, 13), r14 = Load(ref source, 14), r15 = Load(ref source, 15);

        // Within each 128-bit quarter: t0 = (a0 b0 a1 b1), t1 = (a2 b2 a3 b3) of lanes a = r0, b = r1, ...
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
        Vector512<float> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        Vector512<float> t8 = Avx512F.UnpackLow(r8, r9), t9 = Avx512F.UnpackHigh(r8, r9);
        Vector512<float> t10 = Avx512F.UnpackLow(r10, r11), t11 = Avx512F.UnpackHigh(r10, r11);
        Vector512<float> t12 = Avx512F.UnpackLow(r12, r13), t13 = Avx512F.UnpackHigh(r12, r13);
        Vector512<float> t14 = Avx512F.UnpackLow(r14, r15), t15 = Avx512F.UnpackHigh(r14, r15);

        // Each quarter now holds one frame of 4 lanes: u0 frame 0 (of each quarter's 4 frames), u1 frame 1, u2 frame 2, u3 frame 3.
        Vector512<float> u0 = PairLow(t0, t2), u1 = PairHigh(t0, t2), u2 = PairLow(t1, t3), u3 = PairHigh(t1, t3);
        Vector512<float> u4 = PairLow(t4, t6), u5 = PairHigh(t4, t6), u6 = PairLow(t5, t7), u7 = PairHigh(t5, t7);
        Vector512<float> u8 = PairLow(t8, t10), u9 = PairHigh(t8, t10), u10 = PairLow(t9, t11), u11 = PairHigh(t9, t11);
        Vector512<float> u12 = PairLow(t12, t14), u13 = PairHigh(t12, t14), u14 = PairLow(t13, t15), u15 = PairHigh(t13, t15);

        // Quarters: (lanes 0-3, 4-7) of quarters 0 and 2 (0x88) and of quarters 1 and 3 (0xDD).
        Vector512<float> v0 = Avx512F.Shuffle4x128(u0, u4, 0x88), v1 = Avx512F.Shuffle4x128(u1, u5, 0x88);
        Vector512<float> v2 = Avx512F.Shuffle4x128(u2, u6, 0x88), v3 = Avx512F.Shuffle4x128(u3, u7, 0x88);
        Vector512<float> v4 = Avx512F.Shuffle4x128(u0, u4, 0xDD), v5 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
        Vector512<float> v6 = Avx512F.Shuffle4x128(u2, u6, 0xDD), v7 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
        Vector512<float> v8 = Avx512F.Shuffle4x128(u8, u12, 0x88), v9 = Avx512F.Shuffle4x128(u9, u13, 0x88);
        Vector512<float> v10 = Avx512F.Shuffle4x128(u10, u14, 0x88), v11 = Avx512F.Shuffle4x128(u11, u15, 0x88);
        Vector512<float> v12 = Avx512F.Shuffle4x128(u8, u12, 0xDD), v13 = Avx512F.Shuffle4x128(u9, u13, 0xDD);
        Vector512<float> v14 = Avx512F.Shuffle4x128(u10, u14, 0xDD), v15 = Avx512F.Shuffle4x128(u11, u15, 0xDD);

        Store(Avx512F.Shuffle4x128(v0, v8, 0x88), ref destination, 0, width);
        Store(Avx512F.Shuffle4x128(v1, v9, 0x88), ref destination, 1, width);
        Store(Avx512F.Shuffle4x128(v2, v10, 0x88), ref destination, 2, width);
        Store(Avx512F.Shuffle4x128(v3, v11, 0x88), ref destination, 3, width);
        Store(Avx512F.Shuffle4x128(v4, v12, 0x88), ref destination, 4, width);
        Store(Avx512F.Shuffle4x128(v5, v13, 0x88), ref destination, 5, width);
        Store(Avx512F.Shuffle4x128(v6, v14, 0x88), ref destination, 6, width);
        Store(Avx512F.Shuffle4x128(v7, v15, 0x88), ref destination, 7, width);
        Store(Avx512F.Shuffle4x128(v0, v8, 0xDD), ref destination, 8, width);
        Store(Avx512F.Shuffle4x128(v1, v9, 0xDD), ref destination, 9, width);
        Store(Avx512F.Shuffle4x128(v2, v10, 0xDD), ref destination, 10, width);
        Store(Avx512F.Shuffle4x128(v3, v11, 0xDD), ref destination, 11, width);
        Store(Avx512F.Shuffle4x128(v4, v12, 0xDD), ref destination, 12, width);
        Store(Avx512F.Shuffle4x128(v5, v13, 0xDD), ref destination, 13, width);
        Store(Avx512F.Shuffle4x128(v6, v14, 0xDD), ref destination, 14, width);
        Store(Avx512F.Shuffle4x128(v7, v15, 0xDD), ref destination, 15, width);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Load(ref float source, int lane)
        {
            ref float at = ref Unsafe.Add(ref source, lane * RingRows);
            Vector512<float> value = Vector512.LoadUnsafe(ref at);
            Vector512<float>.Zero.StoreUnsafe(ref at);
            return value;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(Vector512<float> value, ref float destination, int frame, int width) =>
            value.StoreUnsafe(ref Unsafe.Add(ref destination, frame * width));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> PairLow(Vector512<float> x, Vector512<float> y) => Avx512F.UnpackLow(x.AsDouble(), y.AsDouble()).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> PairHigh(Vector512<float> x, Vector512<float> y) => Avx512F.UnpackHigh(x.AsDouble(), y.AsDouble()).AsSingle();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RenderRing512(ref VoiceBankSawRing ring)
    {
        int width = ring.Width;
        int frames = ring.Frames;
        ref uint phaseRef = ref MemoryMarshal.GetReference(ring.Phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(ring.Increments);
        ref uint offsetRef = ref MemoryMarshal.GetReference(ring.LagOffsets);
        ref int fromRef = ref MemoryMarshal.GetReference(ring.NaiveFrom);
        ref float levelRef = ref MemoryMarshal.GetReference(ring.Levels);
        ref float historyRef = ref MemoryMarshal.GetReference(ring.History);
        ref float outputRef = ref MemoryMarshal.GetReference(ring.Output);
        int first = ring.First;
        bool useHistory = ring.UseHistory;
        for (int g = 0; g < width; g += 16)
        {
            Vector512<uint> phase = Vector512.LoadUnsafe(ref phaseRef, (nuint)g);
            Vector512<uint> increment = Vector512.LoadUnsafe(ref incrementRef, (nuint)g);
            Vector512<uint> offset = Vector512.LoadUnsafe(ref offsetRef, (nuint)g);
            Vector512<float> level = Vector512.LoadUnsafe(ref levelRef, (nuint)g);
            Vector512<int> from = useHistory ? Vector512.LoadUnsafe(ref fromRef, (nuint)g) : default;
            for (int f = 0; f < frames; f++)
            {
                phase += increment;

                Vector512<float> naive = SawShaper.Invoke(phase - offset, default);
                if (useHistory)
                {
                    int frame = first + f;
                    naive &= Vector512.GreaterThanOrEqual(Vector512.Create(frame), from).AsSingle();
                    nuint at = (nuint)((frame * width) + g);
                    naive += Vector512.LoadUnsafe(ref historyRef, at);
                    Vector512<float>.Zero.StoreUnsafe(ref historyRef, at);
                }

                nuint outAt = (nuint)((f * width) + g);
                ((naive + Vector512.LoadUnsafe(ref outputRef, outAt)) * level).StoreUnsafe(ref outputRef, outAt);
            }

            phase.StoreUnsafe(ref phaseRef, (nuint)g);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RenderRing256(ref VoiceBankSawRing ring)
    {
        int width = ring.Width;
        int frames = ring.Frames;
        ref uint phaseRef = ref MemoryMarshal.GetReference(ring.Phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(ring.Increments);
        ref uint offsetRef = ref MemoryMarshal.GetReference(ring.LagOffsets);
        ref int fromRef = ref MemoryMarshal.GetReference(ring.NaiveFrom);
        ref float levelRef = ref MemoryMarshal.GetReference(ring.Levels);
        ref float historyRef = ref MemoryMarshal.GetReference(ring.History);
        ref float outputRef = ref MemoryMarshal.GetReference(ring.Output);
        int first = ring.First;
        bool useHistory = ring.UseHistory;
        for (int g = 0; g < width; g += 8)
        {
            Vector256<uint> phase = Vector256.LoadUnsafe(ref phaseRef, (nuint)g);
            Vector256<uint> increment = Vector256.LoadUnsafe(ref incrementRef, (nuint)g);
            Vector256<uint> offset = Vector256.LoadUnsafe(ref offsetRef, (nuint)g);
            Vector256<float> level = Vector256.LoadUnsafe(ref levelRef, (nuint)g);
            Vector256<int> from = useHistory ? Vector256.LoadUnsafe(ref fromRef, (nuint)g) : default;
            for (int f = 0; f < frames; f++)
            {
                phase += increment;

                Vector256<float> naive = SawShaper.Invoke(phase - offset, default);
                if (useHistory)
                {
                    int frame = first + f;
                    naive &= Vector256.GreaterThanOrEqual(Vector256.Create(frame), from).AsSingle();
                    nuint at = (nuint)((frame * width) + g);
                    naive += Vector256.LoadUnsafe(ref historyRef, at);
                    Vector256<float>.Zero.StoreUnsafe(ref historyRef, at);
                }

                nuint outAt = (nuint)((f * width) + g);
                ((naive + Vector256.LoadUnsafe(ref outputRef, outAt)) * level).StoreUnsafe(ref outputRef, outAt);
            }

            phase.StoreUnsafe(ref phaseRef, (nuint)g);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RenderRing128(ref VoiceBankSawRing ring)
    {
        int width = ring.Width;
        int frames = ring.Frames;
        ref uint phaseRef = ref MemoryMarshal.GetReference(ring.Phases);
        ref uint incrementRef = ref MemoryMarshal.GetReference(ring.Increments);
        ref uint offsetRef = ref MemoryMarshal.GetReference(ring.LagOffsets);
        ref int fromRef = ref MemoryMarshal.GetReference(ring.NaiveFrom);
        ref float levelRef = ref MemoryMarshal.GetReference(ring.Levels);
        ref float historyRef = ref MemoryMarshal.GetReference(ring.History);
        ref float outputRef = ref MemoryMarshal.GetReference(ring.Output);
        int first = ring.First;
        bool useHistory = ring.UseHistory;
        for (int g = 0; g < width; g += 4)
        {
            Vector128<uint> phase = Vector128.LoadUnsafe(ref phaseRef, (nuint)g);
            Vector128<uint> increment = Vector128.LoadUnsafe(ref incrementRef, (nuint)g);
            Vector128<uint> offset = Vector128.LoadUnsafe(ref offsetRef, (nuint)g);
            Vector128<float> level = Vector128.LoadUnsafe(ref levelRef, (nuint)g);
            Vector128<int> from = useHistory ? Vector128.LoadUnsafe(ref fromRef, (nuint)g) : default;
            for (int f = 0; f < frames; f++)
            {
                phase += increment;

                Vector128<float> naive = SawShaper.Invoke(phase - offset, default);
                if (useHistory)
                {
                    int frame = first + f;
                    naive &= Vector128.GreaterThanOrEqual(Vector128.Create(frame), from).AsSingle();
                    nuint at = (nuint)((frame * width) + g);
                    naive += Vector128.LoadUnsafe(ref historyRef, at);
                    Vector128<float>.Zero.StoreUnsafe(ref historyRef, at);
                }

                nuint outAt = (nuint)((f * width) + g);
                ((naive + Vector128.LoadUnsafe(ref outputRef, outAt)) * level).StoreUnsafe(ref outputRef, outAt);
            }

            phase.StoreUnsafe(ref phaseRef, (nuint)g);
        }
    }

    internal static void ValidateRing(in VoiceBankSawRing ring)
    {
        int width = ring.Width;
        if (width % VoiceBankKernels.GroupLanes != 0 || width == 0 || width > VoiceBankKernels.MaxWidth || ring.Frames < 0 || ring.Frames > MaxTileFrames || ring.First < 0 || (uint)ring.RingRow >= RingRows
            || ring.Phases.Length < width || ring.Increments.Length < width || ring.LagOffsets.Length < width || ring.Levels.Length < width
            || ring.Residual.Length < RingRows * width || ring.Output.Length < ring.Frames * width
            || (ring.UseHistory && (ring.NaiveFrom.Length < width || ring.History.Length < (ring.First + ring.Frames) * width)))
        {
            throw new ArgumentException("A saw ring tile needs 16 to 64 lanes in groups of 16, at most Taps frames, a ring of RingRows rows, and spans that cover every frame and lane.");
        }
    }
}
