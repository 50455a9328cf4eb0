using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// The STFT framework of the spectral nodes: frames of <see cref="FrameFrames"/> samples every <see cref="HopFrames"/>
/// (a quarter of a frame), a periodic Hann window on analysis and on synthesis, and overlap-add (weighted overlap-add:
/// the squared windows of four overlapping frames sum to 1.5, divided out, so an unmodified spectrum gives back the
/// input exactly, delayed). Any number of analysed channels (a node's inputs, side-chains included) and synthesised
/// channels. The work happens on the hop grid, so the output does not depend on how the stream is cut into blocks.
/// </summary>
/// <remarks>
/// Latency: <see cref="FrameFrames"/> frames (an input frame first reaches the output one frame later).
/// Use: write each input's block into <see cref="Input"/>, call <see cref="Process{T}(int, T)"/>, read <see cref="Output"/>.
/// With a <see cref="SynthesisDelayFrames"/> (a pipeline delay, for the GPU placement) the processor does not have to fill
/// the synthesis spectra at its hop: it calls <see cref="Synthesize"/> for each hop, in hop order, at the latest before
/// the output reaches the hop's time plus the delay; the latency grows by the delay.
/// Built on the control thread; <see cref="Process{T}(int, T)"/> allocates nothing.
/// </remarks>
public sealed class ShortTimeFourierTransform
{
    private readonly RealFft _fft;
    private readonly float[] _window;
    private readonly float[][] _history;
    private readonly int _historyMask;
    private readonly float[][] _outputRing;
    private readonly int _outputMask;
    private readonly float[][] _input;
    private readonly float[][] _output;
    private readonly float[] _frame;
    private readonly float _synthesisScale;
    private long _time;

    /// <param name="frameFrames">The frame, a power of two.</param>
    /// <param name="analysisChannels">Channels analysed (the node's inputs, side-chains included).</param>
    /// <param name="synthesisChannels">Channels synthesised.</param>
    /// <param name="maxBlockFrames">The largest block of one <see cref="Process{T}(int, T)"/>.</param>
    /// <param name="synthesisDelayFrames">The pipeline delay: 0 (the processor synthesises at its hop), or a multiple of the hop.</param>
    public ShortTimeFourierTransform(int frameFrames, int analysisChannels, int synthesisChannels, int maxBlockFrames, int synthesisDelayFrames = 0)
    {
        if (synthesisDelayFrames < 0 || synthesisDelayFrames % (frameFrames / 4) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(synthesisDelayFrames), synthesisDelayFrames, "The synthesis delay must be a multiple of the hop.");
        }

        _fft = new RealFft(frameFrames);
        FrameFrames = frameFrames;
        HopFrames = frameFrames / 4;
        _window = new float[frameFrames];
        double windowSum = 0;
        for (int n = 0; n < frameFrames; n++)
        {
            _window[n] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * n / frameFrames)));
            windowSum += _window[n];
        }

        FullScale = (float)(windowSum / 2);
        _synthesisScale = 1f / (1.5f * frameFrames);
        Bins = _fft.Bins;
        AnalysisRe = Arrays(analysisChannels, Bins);
        AnalysisIm = Arrays(analysisChannels, Bins);
        SynthesisRe = Arrays(synthesisChannels, Bins);
        SynthesisIm = Arrays(synthesisChannels, Bins);
        _historyMask = (2 * frameFrames) - 1;
        _history = Arrays(analysisChannels, 2 * (_historyMask + 1));
        SynthesisDelayFrames = synthesisDelayFrames;
        _outputMask = (int)Math.Max(2 * frameFrames, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(frameFrames + synthesisDelayFrames))) - 1;
        _outputRing = Arrays(synthesisChannels, _outputMask + 1);
        _input = Arrays(analysisChannels, maxBlockFrames);
        _output = Arrays(synthesisChannels, maxBlockFrames);
        _frame = new float[frameFrames];
        MaxBlockFrames = maxBlockFrames;
    }

    public int FrameFrames { get; }

    public int HopFrames { get; }

    public int Bins { get; }

    public int MaxBlockFrames { get; }

    /// <summary>Frames from input to output: one frame, plus the synthesis delay.</summary>
    public int Latency => FrameFrames + SynthesisDelayFrames;

    /// <summary>How much later than its hop a frame is overlap-added (0: at once; see the remarks).</summary>
    public int SynthesisDelayFrames { get; }

    /// <summary>The magnitude of a full-scale sine's bin after the analysis window: half the window's sum.</summary>
    public float FullScale { get; }

    /// <summary>Frames analysed so far (the stream time of the next input frame).</summary>
    public long Time => _time;

    public float[][] AnalysisRe { get; }

    public float[][] AnalysisIm { get; }

    public float[][] SynthesisRe { get; }

    public float[][] SynthesisIm { get; }

    public Span<float> Input(int channel) => _input[channel];

    public ReadOnlySpan<float> Output(int channel) => _output[channel];

    /// <summary>Runs <paramref name="frames"/> frames through, calling <paramref name="processor"/> at every hop.</summary>
    public void Process<T>(int frames, T processor)
        where T : class, IStftFrameProcessor => Process(0, frames, processor);

    /// <summary>Runs the <paramref name="frames"/> frames of <see cref="Input"/> from <paramref name="offset"/> through (into <see cref="Output"/> at the same offset).</summary>
    public void Process<T>(int offset, int frames, T processor)
        where T : class, IStftFrameProcessor
    {
        frames = Math.Min(frames, MaxBlockFrames - offset);
        int done = offset;
        frames += offset;
        while (done < frames)
        {
            int segment = Math.Min(frames - done, HopFrames - (int)(_time % HopFrames));
            Segment(done, segment);
            done += segment;
            _time += segment;
            if (_time % HopFrames == 0)
            {
                Hop(processor);
            }
        }
    }

    public void Reset()
    {
        foreach (float[] history in _history)
        {
            Array.Clear(history);
        }

        foreach (float[] ring in _outputRing)
        {
            Array.Clear(ring);
        }

        _time = 0;
    }

    private void Segment(int offset, int frames)
    {
        int size = _historyMask + 1;
        for (int c = 0; c < _history.Length; c++)
        {
            float[] history = _history[c];
            ReadOnlySpan<float> input = _input[c].AsSpan(offset, frames);
            for (int f = 0; f < frames; f++)
            {
                int at = (int)((_time + f) & _historyMask);
                history[at] = input[f];
                history[at + size] = input[f];
            }
        }

        for (int c = 0; c < _outputRing.Length; c++)
        {
            float[] ring = _outputRing[c];
            Span<float> output = _output[c].AsSpan(offset, frames);
            for (int f = 0; f < frames; f++)
            {
                int at = (int)((_time + f) & _outputMask);
                output[f] = ring[at];
                ring[at] = 0f;
            }
        }
    }

    private void Hop<T>(T processor)
        where T : class, IStftFrameProcessor
    {
        int size = FrameFrames;
        int from = (int)((_time - size) & _historyMask);
        for (int c = 0; c < _history.Length; c++)
        {
            ReadOnlySpan<float> past = _history[c].AsSpan(from, size);
            for (int n = 0; n < size; n++)
            {
                _frame[n] = past[n] * _window[n];
            }

            _fft.Forward(_frame, AnalysisRe[c], AnalysisIm[c]);
        }

        processor.ProcessFrame(this);
        if (SynthesisDelayFrames == 0)
        {
            Synthesize(_time);
        }
    }

    /// <summary>
    /// Overlap-adds <see cref="SynthesisRe"/>/<see cref="SynthesisIm"/> as the frame of hop <paramref name="hopTime"/>, at
    /// <paramref name="hopTime"/> + <see cref="SynthesisDelayFrames"/>: with a delay, the processor's call, before
    /// <see cref="Time"/> passes that point. Allocates nothing.
    /// </summary>
    public void Synthesize(long hopTime)
    {
        int size = FrameFrames;
        long at = hopTime + SynthesisDelayFrames;
        for (int c = 0; c < _outputRing.Length; c++)
        {
            _fft.Inverse(SynthesisRe[c], SynthesisIm[c], _frame);
            float[] ring = _outputRing[c];
            for (int n = 0; n < size; n++)
            {
                ring[(int)((at + n) & _outputMask)] += _frame[n] * _window[n] * _synthesisScale;
            }
        }
    }

    private static float[][] Arrays(int count, int length)
    {
        var arrays = new float[count][];
        for (int i = 0; i < count; i++)
        {
            arrays[i] = new float[length];
        }

        return arrays;
    }
}
