using LiveEngine.Dsp.Spectral;

namespace LiveEngine.Gpu;

/// <summary>
/// One pipelined spectral node placed on a <see cref="GpuConvolutionPlacement"/>: its pipeline (frames and results, on
/// the host), its state on the host (the node's own arrays, authoritative: each launch uploads them and computes from
/// there), and where it sits in the placement's device layout. The render thread submits and collects; the launcher
/// thread uploads, computes and marks the frames computed between deferred blocks.
/// </summary>
internal sealed class GpuPlacedSpectralNode : IOffloadedSpectralNode
{
    private readonly GpuConvolutionPlacement _placement;
    private long _submittedThrough = -1;
    private long _computedFrom = -1;
    private long _computedThrough = -1;
    private volatile bool _released;

    public GpuPlacedSpectralNode(GpuConvolutionPlacement placement, SpectralNode node, SpectralFramePipeline pipeline)
    {
        _placement = placement;
        Node = node;
        Pipeline = pipeline;
        Kind = node switch
        {
            SpectralGateNode => GpuSpectralKind.Gate,
            SpectralFreezeNode => GpuSpectralKind.Freeze,
            SpectralBlurNode => GpuSpectralKind.Blur,
            VocoderNode => GpuSpectralKind.Vocoder,
            _ => throw new ArgumentException($"No GPU kernel for {node.GetType().Name}.", nameof(node)),
        };
        Channels = pipeline.Channels;
        Bins = pipeline.Bins;
        FullScale = node.Stft.FullScale;
        HopFrames = node.Stft.HopFrames;
        SampleRate = node.SampleRate;
        int size = Channels * Bins;
        ResultMagnitudes = new float[size];
        ResultPhases = new double[size];
        ResultSteps = new double[size];
        ResultPreviousPhases = new double[size];
        BandStarts = Kind == GpuSpectralKind.Vocoder ? GpuSpectralFrames.BandStarts(Bins, SampleRate) : [];
        (Magnitudes, Phases, Steps, PreviousPhases) = node switch
        {
            SpectralFreezeNode freeze => (freeze.Magnitudes, freeze.Phases, freeze.Steps, freeze.PreviousPhases),
            SpectralBlurNode blur => (blur.Magnitudes, blur.Phases, blur.Steps, []),
            _ => ([], [], [], (double[][])[]),
        };
    }

    public SpectralNode Node { get; }

    public SpectralFramePipeline Pipeline { get; }

    public GpuSpectralKind Kind { get; }

    public int Channels { get; }

    public int Bins { get; }

    public float FullScale { get; }

    public int HopFrames { get; }

    public int SampleRate { get; }

    /// <summary>The vocoder's band starts (33 bin indices), else empty.</summary>
    public int[] BandStarts { get; }

    /// <summary>The node's own state arrays per channel (the freeze's and the blur's; empty for the others).</summary>
    public float[][] Magnitudes { get; }

    public double[][] Phases { get; }

    public double[][] Steps { get; }

    public double[][] PreviousPhases { get; }

    /// <summary>The state after the last computed frame, [channel][bin]: written by the launcher, taken over by the node when it collects.</summary>
    public float[] ResultMagnitudes { get; }

    public double[] ResultPhases { get; }

    public double[] ResultSteps { get; }

    public double[] ResultPreviousPhases { get; }

    /// <summary>The freeze's gate after the last computed frame.</summary>
    public bool ResultFrozen { get; set; }

    /// <summary>Launcher thread: where the node sits in the device layout.</summary>
    public int FrameOffset { get; set; }

    public int ResultOffset { get; set; }

    public int StateOffset { get; set; }

    public int ValueOffset { get; set; }

    public int BandOffset { get; set; }

    public bool Released => _released;

    public long SubmittedThrough => Volatile.Read(ref _submittedThrough);

    /// <summary>Whether submitted frames wait for a launch: some from the pipeline's head on that the last launch did not compute.</summary>
    public bool Pending
    {
        get
        {
            long through = Volatile.Read(ref _submittedThrough);
            long head = Pipeline.Head;
            return !_released && through >= head && !(Volatile.Read(ref _computedFrom) == head && Volatile.Read(ref _computedThrough) == through);
        }
    }

    public bool Accepting => _placement.InDeferredBlock && !_released && !_placement.Failed;

    public void Submit(long through) => Volatile.Write(ref _submittedThrough, through);

    /// <summary>Launcher thread: frames <paramref name="from"/> to <paramref name="through"/> are computed (results and state written).</summary>
    public void MarkComputed(long from, long through)
    {
        Volatile.Write(ref _computedThrough, -1);
        Volatile.Write(ref _computedFrom, from);
        Volatile.Write(ref _computedThrough, through);
    }

    public long TryCollect(long head)
    {
        long through = Volatile.Read(ref _computedThrough);
        if (_released || _placement.Failed || through < head || Volatile.Read(ref _computedFrom) != head)
        {
            return head - 1;
        }

        // The state after the last computed frame becomes the node's (the launch computed from the node's state at head).
        for (int c = 0; c < Magnitudes.Length; c++)
        {
            ResultMagnitudes.AsSpan(c * Bins, Bins).CopyTo(Magnitudes[c]);
            ResultPhases.AsSpan(c * Bins, Bins).CopyTo(Phases[c]);
            ResultSteps.AsSpan(c * Bins, Bins).CopyTo(Steps[c]);
            if (PreviousPhases.Length > 0)
            {
                ResultPreviousPhases.AsSpan(c * Bins, Bins).CopyTo(PreviousPhases[c]);
            }
        }

        if (Node is SpectralFreezeNode freeze)
        {
            freeze.Frozen = ResultFrozen;
        }

        _placement.CountSpectralCollect(through - head + 1);
        return through;
    }

    public void Release()
    {
        _released = true;
        _placement.Remove(this);
    }
}
