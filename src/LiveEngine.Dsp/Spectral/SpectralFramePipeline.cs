namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// The frames of a pipelined spectral node (option <c>gpu = on</c>): each hop's analysed spectra and parameters wait
/// here, in hop order, until the frame is computed: by an <see cref="IOffloadedSpectralNode"/> (the GPU placement, in the
/// launch after the deferred block it was analysed in) or, when that did not happen by the time the frame is due, on the
/// CPU by the node's own <see cref="SpectralNode.ProcessFrame"/>. A frame is overlap-added
/// <see cref="ShortTimeFourierTransform.SynthesisDelayFrames"/> after its hop either way, so the output does not depend
/// on where the frames ran. Render thread (the node's <c>Process</c>); allocates nothing.
/// </summary>
public sealed class SpectralFramePipeline : IStftFrameProcessor
{
    private readonly SpectralNode _node;
    private readonly ShortTimeFourierTransform _stft;
    private long _head;
    private long _tail;

    internal SpectralFramePipeline(SpectralNode node, ShortTimeFourierTransform stft, int parameterCount)
    {
        _node = node;
        _stft = stft;
        Channels = stft.SynthesisRe.Length;
        AnalysedChannels = stft.AnalysisRe.Length;
        Bins = stft.Bins;
        ParameterCount = parameterCount;

        // Frames waiting: those not yet due (a delay's worth of hops) and those of one block of at most a delay.
        Capacity = (2 * stft.SynthesisDelayFrames / stft.HopFrames) + 4;
        FrameRe = new float[Capacity * AnalysedChannels * Bins];
        FrameIm = new float[Capacity * AnalysedChannels * Bins];
        ResultRe = new float[Capacity * Channels * Bins];
        ResultIm = new float[Capacity * Channels * Bins];
        FrameParameters = new float[Capacity * Math.Max(1, parameterCount)];
        FrameHop = new long[Capacity];
    }

    /// <summary>Frames that fit: a frame's slot is its sequence number modulo this.</summary>
    public int Capacity { get; }

    public int Channels { get; }

    /// <summary>Channels analysed: <see cref="Channels"/> and the side-chain after them (the vocoder's modulator).</summary>
    public int AnalysedChannels { get; }

    public int Bins { get; }

    public int ParameterCount { get; }

    /// <summary>Each slot's analysed spectra, [slot][analysed channel][bin] flattened.</summary>
    public float[] FrameRe { get; }

    public float[] FrameIm { get; }

    /// <summary>Each slot's spectra to synthesise as the offload computed them, [slot][channel][bin] flattened.</summary>
    public float[] ResultRe { get; }

    public float[] ResultIm { get; }

    /// <summary>Each slot's parameter values at its hop, [slot][parameter].</summary>
    public float[] FrameParameters { get; }

    /// <summary>Each slot's hop time (stream frames).</summary>
    public long[] FrameHop { get; }

    /// <summary>The oldest pending frame's sequence number (the next to compute).</summary>
    public long Head => Volatile.Read(ref _head);

    /// <summary>The next frame's sequence number: frames [<see cref="Head"/>, <see cref="Tail"/>) are pending.</summary>
    public long Tail => Volatile.Read(ref _tail);

    /// <summary>Frames computed on the CPU so far.</summary>
    public long FramesOnCpu { get; private set; }

    /// <summary>Frames collected from the offload so far.</summary>
    public long FramesCollected { get; private set; }

    /// <summary>The offload the node is placed on, or null.</summary>
    public IOffloadedSpectralNode? Offloaded { get; internal set; }

    /// <summary>The STFT's hop: queues the frame, submits it inside a deferred block, else computes every pending frame now.</summary>
    public void ProcessFrame(ShortTimeFourierTransform stft)
    {
        if (_tail - _head == Capacity)
        {
            // Never happens with blocks of at most the delay; were it to, the oldest frame is computed now, not lost.
            FinishOldest();
        }

        long sequence = _tail;
        int slot = (int)(sequence % Capacity);
        for (int c = 0; c < AnalysedChannels; c++)
        {
            stft.AnalysisRe[c].AsSpan(0, Bins).CopyTo(FrameRe.AsSpan(((slot * AnalysedChannels) + c) * Bins, Bins));
            stft.AnalysisIm[c].AsSpan(0, Bins).CopyTo(FrameIm.AsSpan(((slot * AnalysedChannels) + c) * Bins, Bins));
        }

        _node.BlockParameters.CopyTo(FrameParameters.AsSpan(slot * Math.Max(1, ParameterCount)));
        FrameHop[slot] = stft.Time;
        Volatile.Write(ref _tail, sequence + 1);
        if (Offloaded is { Accepting: true } offloaded)
        {
            offloaded.Submit(sequence);
            return;
        }

        // Outside a deferred block no launch follows: every pending frame now, in order (the earlier ones first).
        Collect();
        while (_head < _tail)
        {
            FinishOnCpu();
        }
    }

    /// <summary>Before the output from <see cref="ShortTimeFourierTransform.Time"/> up to <paramref name="outputEnd"/> is read: collects what the offload computed, and computes on the CPU every frame due before then that it did not.</summary>
    public void FinishDue(long outputEnd)
    {
        Collect();
        while (_head < _tail && FrameHop[(int)(_head % Capacity)] + _stft.SynthesisDelayFrames < outputEnd)
        {
            FinishOnCpu();
        }
    }

    /// <summary>Drops the pending frames (the node was reset); their sequence numbers are never reused.</summary>
    public void Reset() => Volatile.Write(ref _head, _tail);

    /// <summary>Control thread: gives the node's place up (it was replaced).</summary>
    public void Release() => Offloaded?.Release();

    private void FinishOldest()
    {
        Collect();
        if (_tail - _head == Capacity)
        {
            FinishOnCpu();
        }
    }

    private void Collect()
    {
        if (Offloaded is not { } offloaded || _head == _tail)
        {
            return;
        }

        long through = Math.Min(offloaded.TryCollect(_head), _tail - 1);
        while (_head <= through)
        {
            int slot = (int)(_head % Capacity);
            for (int c = 0; c < Channels; c++)
            {
                ResultRe.AsSpan(((slot * Channels) + c) * Bins, Bins).CopyTo(_stft.SynthesisRe[c]);
                ResultIm.AsSpan(((slot * Channels) + c) * Bins, Bins).CopyTo(_stft.SynthesisIm[c]);
            }

            _stft.Synthesize(FrameHop[slot]);
            FramesCollected++;
            Volatile.Write(ref _head, _head + 1);
        }
    }

    /// <summary>The oldest pending frame on the CPU, from the node's host state: the node's own frame work, with the frame's parameters.</summary>
    private void FinishOnCpu()
    {
        int slot = (int)(_head % Capacity);
        for (int c = 0; c < AnalysedChannels; c++)
        {
            FrameRe.AsSpan(((slot * AnalysedChannels) + c) * Bins, Bins).CopyTo(_stft.AnalysisRe[c]);
            FrameIm.AsSpan(((slot * AnalysedChannels) + c) * Bins, Bins).CopyTo(_stft.AnalysisIm[c]);
        }

        _node.SetFrameParameters(FrameParameters.AsSpan(slot * Math.Max(1, ParameterCount), ParameterCount));
        _node.ProcessFrame(_stft);
        _stft.Synthesize(FrameHop[slot]);
        FramesOnCpu++;
        Volatile.Write(ref _head, _head + 1);
    }
}
