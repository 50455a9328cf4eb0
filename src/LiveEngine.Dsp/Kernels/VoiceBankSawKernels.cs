using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The voice bank's band-limited saws across lanes, from state the bank holds: every lane's 32-bit phase advances by its
/// increment, each wrap (where the phase passes 0) adds the saw node's BLEP residual down the lane's column of a
/// frame-major ring, and the output is the naive saw of the phase <see cref="BlepTable.HalfTaps"/> frames behind plus
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
                RenderRing512(ref ring);
                break;
            case 256 when Vector256.IsHardwareAccelerated:
                RenderRing256(ref ring);
                break;
            case 128 when Vector128.IsHardwareAccelerated:
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
    /// reaches rows f .. f + Taps - 1 only, so row f has all of its taps (in time order per lane) when it is read,
    /// as in <see cref="RenderRingReference"/>, which adds them frame by frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InsertWraps(ref VoiceBankSawRing ring)
    {
        int width = ring.Width;
        int frames = ring.Frames;
        int ringRow = ring.RingRow;
        ref float residualRef = ref MemoryMarshal.GetReference(ring.Residual);
        for (int lane = 0; lane < width; lane++)
        {
            uint increment = ring.Increments[lane];
            if (increment == 0)
            {
                continue;
            }

            // The phase unwrapped over the tile: a wrap is where it passes a multiple of 2^32, in the first frame f
            // whose phase + (f + 1)·increment reaches it. Most lanes have none in a tile: no division.
            uint phase = ring.Phases[lane];
            ulong end = phase + ((ulong)increment * (uint)frames);
            for (ulong boundary = 1UL << 32; boundary <= end; boundary += 1UL << 32)
            {
                // The quotient is at most Taps + 1 and, unless whole, at least 1 / increment from a whole number, so
                // the rounded double quotient has the exact ceiling.
                int f = (int)Math.Ceiling((double)(boundary - phase) / increment) - 1;
                AddWrap(ref residualRef, width, lane, (ringRow + f) & (RingRows - 1), phase + ((uint)(f + 1) * increment), increment);
            }
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

                ref float residual = ref ring.Residual[(row * width) + lane];
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
                    AddWrap(ref residualRef, width, lane, row, phase, increment);
                }

                float naive = SawShaper.Invoke(phase - ring.LagOffsets[lane], 0);
                if (ring.UseHistory)
                {
                    int frame = ring.First + f;
                    naive = frame >= ring.NaiveFrom[lane] ? naive : 0f;
                    naive += ring.History[(frame * width) + lane];
                    ring.History[(frame * width) + lane] = 0f;
                }

                ref float residual = ref ring.Residual[(row * width) + lane];
                ring.Output[(f * width) + lane] = (naive + residual) * ring.Levels[lane];
                residual = 0f;
            }

            ring.Phases[lane] = phase;
        }
    }

    /// <summary>
    /// Adds the saw node's BLEP residual of a wrap (a step of -2 that happened phase / increment of a frame before
    /// the frame at <paramref name="row"/>) to the lane's ring rows row .. row + Taps - 1: the arithmetic of
    /// <see cref="BlepTable.AddStep"/> and <see cref="BlepKernels.AddInterpolatedRow"/>, tap by tap.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static void AddWrap(ref float residualRef, int width, int lane, int row, uint phase, uint increment)
    {
        const float Height = -2f;
        const int Taps = BlepTable.Taps;
        double position = (double)phase / increment * BlepTable.Phases;
        int tableRow = Math.Clamp((int)position, 0, BlepTable.Phases - 1);
        float t = (float)(position - tableRow);
        ref float a = ref MemoryMarshal.GetReference(BlepTable.StepResidual.Slice(tableRow * Taps, 2 * Taps));
        ref float b = ref Unsafe.Add(ref a, Taps);

        // The taps first, contiguous (lane-wise the same operations as one by one), then down the lane's column.
        Span<float> taps = stackalloc float[Taps];
        ref float tapRef = ref MemoryMarshal.GetReference(taps);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> tv = Vector512.Create(t);
            Vector512<float> height = Vector512.Create(Height);
            for (; j < Taps; j += Vector512<float>.Count)
            {
                Vector512<float> av = Vector512.LoadUnsafe(ref a, (nuint)j);
                Vector512<float> bv = Vector512.LoadUnsafe(ref b, (nuint)j);
                (height * (av + (tv * (bv - av)))).StoreUnsafe(ref tapRef, (nuint)j);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
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

        // Rows row .. RingRows - 1, then on from row 0 (the ring wraps).
        ref float column = ref Unsafe.Add(ref residualRef, lane);
        ref float cell = ref Unsafe.Add(ref column, row * width);
        int first = Math.Min(Taps, RingRows - row);
        j = 0;
        for (; j + 4 <= first; j += 4)
        {
            ref float c1 = ref Unsafe.Add(ref cell, width);
            ref float c2 = ref Unsafe.Add(ref c1, width);
            ref float c3 = ref Unsafe.Add(ref c2, width);
            cell += Unsafe.Add(ref tapRef, j);
            c1 += Unsafe.Add(ref tapRef, j + 1);
            c2 += Unsafe.Add(ref tapRef, j + 2);
            c3 += Unsafe.Add(ref tapRef, j + 3);
            cell = ref Unsafe.Add(ref c3, width);
        }

        for (; j < first; j++)
        {
            cell += Unsafe.Add(ref tapRef, j);
            cell = ref Unsafe.Add(ref cell, width);
        }

        cell = ref column;
        for (; j < Taps; j++)
        {
            cell += Unsafe.Add(ref tapRef, j);
            cell = ref Unsafe.Add(ref cell, width);
        }
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
        ref float residualRef = ref MemoryMarshal.GetReference(ring.Residual);
        ref float historyRef = ref MemoryMarshal.GetReference(ring.History);
        ref float outputRef = ref MemoryMarshal.GetReference(ring.Output);
        int ringRow = ring.RingRow;
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
                int row = (ringRow + f) & (RingRows - 1);
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

                nuint residualAt = (nuint)((row * width) + g);
                ((naive + Vector512.LoadUnsafe(ref residualRef, residualAt)) * level).StoreUnsafe(ref outputRef, (nuint)((f * width) + g));
                Vector512<float>.Zero.StoreUnsafe(ref residualRef, residualAt);
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
        ref float residualRef = ref MemoryMarshal.GetReference(ring.Residual);
        ref float historyRef = ref MemoryMarshal.GetReference(ring.History);
        ref float outputRef = ref MemoryMarshal.GetReference(ring.Output);
        int ringRow = ring.RingRow;
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
                int row = (ringRow + f) & (RingRows - 1);
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

                nuint residualAt = (nuint)((row * width) + g);
                ((naive + Vector256.LoadUnsafe(ref residualRef, residualAt)) * level).StoreUnsafe(ref outputRef, (nuint)((f * width) + g));
                Vector256<float>.Zero.StoreUnsafe(ref residualRef, residualAt);
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
        ref float residualRef = ref MemoryMarshal.GetReference(ring.Residual);
        ref float historyRef = ref MemoryMarshal.GetReference(ring.History);
        ref float outputRef = ref MemoryMarshal.GetReference(ring.Output);
        int ringRow = ring.RingRow;
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
                int row = (ringRow + f) & (RingRows - 1);
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

                nuint residualAt = (nuint)((row * width) + g);
                ((naive + Vector128.LoadUnsafe(ref residualRef, residualAt)) * level).StoreUnsafe(ref outputRef, (nuint)((f * width) + g));
                Vector128<float>.Zero.StoreUnsafe(ref residualRef, residualAt);
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
