using LiveEngine.Dsp.Convolution;

namespace LiveEngine.Gpu;

/// <summary>
/// One convolution level placed on a <see cref="GpuConvolutionPlacement"/>: the level's own host arrays, and where its
/// paths sit in the placement's device layout. Submissions come from the render thread; the launcher thread uploads,
/// computes and marks the period computed while the render thread waits for it between blocks.
/// </summary>
internal sealed class GpuPlacedLevel : IOffloadedConvolutionLevel
{
    private readonly GpuConvolutionPlacement _placement;
    private long _submitted;
    private long _computed;
    private volatile bool _released;
    private volatile bool _wholeUploadNeeded = true;

    // Render thread: the placement's deferred-block count at the last period's start (−1: none yet, so the first period submits).
    private long _deferredBlocksAtLastStart = -1;

    public GpuPlacedLevel(GpuConvolutionPlacement placement, float[][] delayLineRe, float[][] delayLineIm, float[][] responseRe, float[][] responseIm, ConvolutionPath[] paths, int partitions, int bins)
    {
        _placement = placement;
        DelayLineRe = delayLineRe;
        DelayLineIm = delayLineIm;
        ResponseRe = responseRe;
        ResponseIm = responseIm;
        Paths = paths;
        Partitions = partitions;
        Bins = bins;
        SumRe = new float[paths.Length * bins];
        SumIm = new float[paths.Length * bins];
    }

    /// <summary>The sums of the last computed submission, [path][bin]: written by the launcher before it marks the submission computed.</summary>
    public float[] SumRe { get; }

    public float[] SumIm { get; }

    public float[][] DelayLineRe { get; }

    public float[][] DelayLineIm { get; }

    public float[][] ResponseRe { get; }

    public float[][] ResponseIm { get; }

    public ConvolutionPath[] Paths { get; }

    public int Partitions { get; }

    public int Bins { get; }

    /// <summary>The slot of the last submission. Render thread writes, launcher reads (between blocks).</summary>
    public int Slot { get; private set; }

    /// <summary>Launcher thread: where the level's first path starts in the device layout, in lanes of (partitions × bins) and in sums.</summary>
    public int DelayOffset { get; set; }

    public int ResponseOffset { get; set; }

    public int SumOffset { get; set; }

    /// <summary>Launcher thread: submissions uploaded so far (a gap means the whole delay line goes up).</summary>
    public long Uploaded { get; set; } = -1;

    public bool Released => _released;

    /// <summary>Whether a submission waits for a launch.</summary>
    public bool Pending => !_released && Volatile.Read(ref _submitted) > Volatile.Read(ref _computed);

    public long Submitted => Volatile.Read(ref _submitted);

    /// <summary>Launcher thread: takes the whole-upload request (true once after a reset or a state taken over).</summary>
    public bool TakeWholeUploadRequest()
    {
        bool needed = _wholeUploadNeeded;
        _wholeUploadNeeded = false;
        return needed;
    }

    /// <summary>Launcher thread: the sums of submission <paramref name="submission"/> are in the placement's host sums.</summary>
    public void MarkComputed(long submission) => Volatile.Write(ref _computed, submission);

    public bool Accepting
    {
        get
        {
            long blocks = _placement.DeferredBlocks;
            bool launching = blocks != _deferredBlocksAtLastStart;
            _deferredBlocksAtLastStart = blocks;
            // Only inside a deferred block: a launch follows it. A split graph's live pass never submits.
            return launching && _placement.InDeferredBlock && !_released && !_placement.Failed;
        }
    }

    public void Submit(int slot)
    {
        Slot = slot;
        Volatile.Write(ref _submitted, _submitted + 1);
    }

    public bool TryCollect(float[][] sumRe, float[][] sumIm)
    {
        long submitted = Volatile.Read(ref _submitted);
        if (_released || _placement.Failed || submitted == 0 || Volatile.Read(ref _computed) != submitted)
        {
            return false;
        }

        float[] hostRe = SumRe;
        float[] hostIm = SumIm;
        for (int p = 0; p < Paths.Length; p++)
        {
            int at = p * Bins;
            Span<float> re = sumRe[Paths[p].Output].AsSpan(0, Bins);
            Span<float> im = sumIm[Paths[p].Output].AsSpan(0, Bins);
            ReadOnlySpan<float> fromRe = hostRe.AsSpan(at, Bins);
            ReadOnlySpan<float> fromIm = hostIm.AsSpan(at, Bins);
            for (int b = 0; b < Bins; b++)
            {
                re[b] += fromRe[b];
                im[b] += fromIm[b];
            }
        }

        _placement.CountCollect();
        return true;
    }

    public void DelayLinesChanged() => _wholeUploadNeeded = true;

    public void Release()
    {
        _released = true;
        _placement.Remove(this);
    }
}
