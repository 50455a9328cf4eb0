namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Where recursive kernels flush tiny state to zero: at every multiple of <see cref="Frames"/> frames of the
/// node's own stream position. A fixed grid in stream time keeps the output independent of block sizes
/// (a flush at block ends would not be), and costs one test per 64 frames instead of one per frame.
/// </summary>
public static class DenormalGrid
{
    public const int Frames = 64;

    /// <summary>State magnitudes below this are set to zero on the grid (the double denormals start at 2e-308).</summary>
    public const double FlushThreshold = 1e-30;

    /// <summary>
    /// The end (exclusive) of the segment that starts at frame <paramref name="start"/> of a block of
    /// <paramref name="frames"/> frames whose first frame sits at stream position <paramref name="position"/>;
    /// <paramref name="flush"/> says whether the segment ends on the grid.
    /// </summary>
    public static int SegmentEnd(long position, int start, int frames, out bool flush)
    {
        int untilGrid = Frames - (int)((position + start) & (Frames - 1));
        int end = start + untilGrid;
        flush = end <= frames;
        return flush ? end : frames;
    }

    public static double Flush(double state) => Math.Abs(state) < FlushThreshold ? 0.0 : state;
}
