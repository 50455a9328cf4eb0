namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// One tile of a voice bank's band-limited saws, for <see cref="VoiceBankSawKernels.RenderRing(ref VoiceBankSawRing, int)"/>:
/// the lanes' phases and their BLEP residuals, held by the bank between blocks, frame-major. Lanes are voices,
/// <see cref="Width"/> of them (a multiple of 16). Frame f of the tile is frame <see cref="First"/> + f of its block.
/// </summary>
public ref struct VoiceBankSawRing
{
    /// <summary>Lanes, a multiple of 16, at most 64.</summary>
    public int Width;

    /// <summary>Frames in the tile, at most <see cref="VoiceBankSawKernels.MaxTileFrames"/>.</summary>
    public int Frames;

    /// <summary>The tile's first frame, counted from the block's first (where <see cref="NaiveFrom"/> and <see cref="History"/> count from).</summary>
    public int First;

    /// <summary>
    /// The phase of every lane's last rendered frame (32 bits per period), read and advanced. It leads the output by
    /// <see cref="BlepTable.HalfTaps"/> frames: wraps are found on it, the naive saw is read
    /// <see cref="LagOffsets"/> behind it.
    /// </summary>
    public Span<uint> Phases;

    /// <summary>Phase increment per frame per lane (0: the lane does not advance and never wraps).</summary>
    public ReadOnlySpan<uint> Increments;

    /// <summary>Per lane, HalfTaps times its increment: the naive saw of output frame f is that of phase f minus this.</summary>
    public ReadOnlySpan<uint> LagOffsets;

    /// <summary>
    /// Per lane, the first block frame whose naive saw comes from the phase (the frames before it read
    /// <see cref="History"/> instead). Read only when <see cref="UseHistory"/>.
    /// </summary>
    public ReadOnlySpan<int> NaiveFrom;

    /// <summary>The oscillators' levels per lane, applied after the residual as in the saw node.</summary>
    public ReadOnlySpan<float> Levels;

    /// <summary>
    /// The residual ring, lane-major: lane l's <see cref="VoiceBankSawKernels.RingRows"/> rows at
    /// Residual[l * RingRows + row]; output frame f reads row (<see cref="RingRow"/> + f) mod RingRows and clears it; a
    /// wrap at frame f adds its taps to the lane's rows f .. f + Taps - 1 (mod RingRows), contiguous.
    /// </summary>
    public Span<float> Residual;

    /// <summary>The ring row of the tile's first frame.</summary>
    public int RingRow;

    /// <summary>Whether <see cref="History"/> and <see cref="NaiveFrom"/> are read (false: no lane has history due).</summary>
    public bool UseHistory;

    /// <summary>
    /// Naive values given ahead (after a lane was adopted, rendered by its node, or changed its increment), frame-major
    /// from the block's first frame; added to the masked naive saw and cleared when read.
    /// </summary>
    public Span<float> History;

    /// <summary>The saws' output, frame-major: Output[f * Width + lane]. The vector tiers first move the tile's residual here (scratch on entry).</summary>
    public Span<float> Output;
}
