using System.Numerics;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Convolution;

/// <summary>
/// Multichannel partitioned FFT convolution of a block stream with fixed impulse responses, independent of how the
/// stream is cut into blocks (the work happens on a fixed grain, so the output has the same bits for any cut).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="ConvolutionScheme.NonUniform"/> (Gardner, "Efficient convolution without input-output delay", JAES
/// 1995; the spread of the large partitions' work after García, "Optimal filter partition for efficient convolution
/// with short input/output delay", AES 2002): taps [0, 64) in direct form, so the output has no latency; then levels of
/// N = 64, 256, 1024, 4096, 16384 frames. The first level (taps [64, 512)) runs at once every 64 frames; each later
/// level begins at tap 2N, so its result is due N frames after its input block is complete and its work is spread over
/// those N frames in 64-frame slices. The last level repeats to the end of the response.
/// </para>
/// <para>
/// <see cref="ConvolutionScheme.Uniform"/>: one level of N = <c>partitionFrames</c> over the whole response, run at
/// once every N frames; the output is the convolution delayed by N frames (the documented latency).
/// </para>
/// <para>
/// Use: write a block's input into <see cref="Input"/>, call <see cref="Process"/>, read <see cref="Output"/>.
/// Construction (the partition spectra) happens on the control thread; <see cref="Process"/> allocates nothing.
/// </para>
/// </remarks>
public sealed class PartitionedConvolver
{
    /// <summary>Taps in direct form at the head of the non-uniform scheme, and its grain and first partition size.</summary>
    public const int HeadFrames = 64;

    /// <summary>The largest partition of the non-uniform scheme.</summary>
    public const int MaxPartitionFrames = 16_384;

    private readonly ConvolutionPath[] _paths;
    private readonly ConvolutionLevel[] _levels;
    private readonly int _grain;
    private readonly int _headTaps;

    // Per path, the first _headTaps taps reversed (the direct-form head).
    private readonly float[][] _headReversed;

    // Per input, a doubled ring of past input: frame t at (t & mask) and (t & mask) + size, so any window is contiguous.
    private readonly float[][] _history;
    private readonly int _historyMask;

    // Per output, frames of the levels' results ahead of the read position.
    private readonly float[][] _outputRing;
    private readonly int _outputMask;

    private readonly float[][] _input;
    private readonly float[][] _output;
    private long _time;

    public PartitionedConvolver(IReadOnlyList<float[]> impulseResponses, IReadOnlyList<ConvolutionPath> paths, int inputs, int outputs, int maxBlockFrames, ConvolutionScheme scheme = ConvolutionScheme.NonUniform, int partitionFrames = 512)
    {
        ArgumentNullException.ThrowIfNull(impulseResponses);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBlockFrames);
        if (impulseResponses.Count == 0 || impulseResponses.Any(r => r is null || r.Length == 0))
        {
            throw new ArgumentException("Give at least one impulse-response channel, each with at least one frame.", nameof(impulseResponses));
        }

        foreach (ConvolutionPath path in paths)
        {
            if ((uint)path.Input >= (uint)inputs || (uint)path.Output >= (uint)outputs || (uint)path.ImpulseResponse >= (uint)impulseResponses.Count)
            {
                throw new ArgumentException($"The path {path} names a channel that does not exist ({inputs} inputs, {outputs} outputs, {impulseResponses.Count} response channels).", nameof(paths));
            }
        }

        if (scheme == ConvolutionScheme.Uniform && (partitionFrames < 8 || !BitOperations.IsPow2(partitionFrames)))
        {
            throw new ArgumentOutOfRangeException(nameof(partitionFrames), partitionFrames, "The partition must be a power of two of at least 8 frames.");
        }

        _paths = [.. paths];
        float[][] responses = [.. impulseResponses];
        int length = responses.Max(r => r.Length);
        Scheme = scheme;
        var levels = new List<ConvolutionLevel>();
        if (scheme == ConvolutionScheme.Uniform)
        {
            _grain = partitionFrames;
            _headTaps = 0;
            Latency = partitionFrames;
            levels.Add(new ConvolutionLevel(new RealFft(2 * partitionFrames), responses, _paths, inputs, outputs, 0, length, partitionFrames));
        }
        else
        {
            _grain = HeadFrames;
            _headTaps = Math.Min(HeadFrames, length);
            Latency = 0;
            int start = HeadFrames;
            for (int n = HeadFrames; start < length; n *= 4)
            {
                // This level runs until the next one, four times larger, may start (at twice its own size), unless it is the last.
                bool last = n >= MaxPartitionFrames;
                int end = last ? length : Math.Min(length, 8 * n);
                levels.Add(new ConvolutionLevel(new RealFft(2 * n), responses, _paths, inputs, outputs, start, end - start, start));
                start = end;
            }
        }

        _levels = [.. levels];
        _headReversed = new float[_paths.Length][];
        for (int p = 0; p < _paths.Length; p++)
        {
            float[] ir = responses[_paths[p].ImpulseResponse];
            var reversed = new float[_headTaps];
            for (int k = 0; k < _headTaps && k < ir.Length; k++)
            {
                reversed[_headTaps - 1 - k] = ir[k];
            }

            _headReversed[p] = reversed;
        }

        int largest = _levels.Length == 0 ? _grain : _levels.Max(l => l.PartitionFrames);
        int historySize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max((2 * largest) + _grain, 2 * _grain));
        _historyMask = historySize - 1;
        _history = Arrays(inputs, 2 * historySize);
        int reach = _levels.Length == 0 ? _grain : _levels.Max(l => l.OutputOffset + l.PartitionFrames);
        int ringSize = (int)BitOperations.RoundUpToPowerOf2((uint)(reach + (2 * largest) + _grain));
        _outputMask = ringSize - 1;
        _outputRing = Arrays(outputs, ringSize);
        _input = Arrays(inputs, maxBlockFrames);
        _output = Arrays(outputs, maxBlockFrames);
        MaxBlockFrames = maxBlockFrames;
        ResponseFrames = length;
    }

    /// <summary>
    /// The arithmetic of one output frame of one path, in real multiply-adds (an estimate for cost prediction): the
    /// direct-form head's taps, and per level of partition N and P partitions, two FFTs of 2N (5·2N·log2(2N)/2 each)
    /// and P complex multiply-accumulates of N + 1 bins (4 each), spread over the N frames the level serves.
    /// </summary>
    public static double OperationsPerFrame(int responseFrames, ConvolutionScheme scheme = ConvolutionScheme.NonUniform, int partitionFrames = 512)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(responseFrames);
        if (scheme == ConvolutionScheme.Uniform)
        {
            return LevelOperationsPerFrame(partitionFrames, (responseFrames + partitionFrames - 1) / partitionFrames);
        }

        double operations = Math.Min(HeadFrames, responseFrames);
        int start = HeadFrames;
        for (int n = HeadFrames; start < responseFrames; n *= 4)
        {
            int end = n >= MaxPartitionFrames ? responseFrames : Math.Min(responseFrames, 8 * n);
            operations += LevelOperationsPerFrame(n, (end - start + n - 1) / n);
            start = end;
        }

        return operations;
    }

    private static double LevelOperationsPerFrame(int partitionFrames, int partitions)
    {
        double fft = 5.0 * partitionFrames * Math.Log2(2.0 * partitionFrames);
        return ((2 * fft) + (4.0 * partitions * (partitionFrames + 1))) / partitionFrames;
    }

    public ConvolutionScheme Scheme { get; }

    /// <summary>Frames from an input frame to the output frame that carries its first tap: 0 (non-uniform) or the partition (uniform).</summary>
    public int Latency { get; }

    public int MaxBlockFrames { get; }

    public int ResponseFrames { get; }

    /// <summary>The partition sizes in use, smallest first (for reports and tests).</summary>
    public IReadOnlyList<int> PartitionSizes => [.. _levels.Select(l => l.PartitionFrames)];

    /// <summary>Input channel <paramref name="channel"/>'s staging buffer: write a block's frames here before <see cref="Process"/>.</summary>
    public Span<float> Input(int channel) => _input[channel];

    /// <summary>Output channel <paramref name="channel"/>'s block, valid after <see cref="Process"/> for its frames.</summary>
    public ReadOnlySpan<float> Output(int channel) => _output[channel];

    /// <summary>Convolves the first <paramref name="frames"/> frames of the inputs into the outputs. Audio path: allocation-free.</summary>
    public void Process(int frames)
    {
        if ((uint)frames > (uint)MaxBlockFrames)
        {
            frames = MaxBlockFrames;
        }

        int done = 0;
        while (done < frames)
        {
            int segment = Math.Min(frames - done, _grain - (int)(_time % _grain));
            RenderSegment(done, segment);
            done += segment;
            _time += segment;
            if (_time % _grain == 0)
            {
                foreach (ConvolutionLevel level in _levels)
                {
                    level.Advance(_time, _history, _historyMask, _outputRing, _outputMask);
                }
            }
        }
    }

    /// <summary>
    /// Takes over <paramref name="previous"/>'s running state (input history, pending output, the levels' delay lines
    /// and progress) when both have the same shape (scheme, partitions, channels, routing), so that a node replaced by a
    /// graph edit goes on ringing instead of starting silent; the impulse responses stay this convolver's, so a new
    /// response of the same shape takes over seamlessly too. Returns false, changing nothing, when the shapes differ.
    /// Control thread; <paramref name="previous"/> may still be playing, like every node state adopted on an edit.
    /// </summary>
    public bool TryAdoptState(PartitionedConvolver previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        if (previous.Scheme != Scheme || previous._grain != _grain || previous._headTaps != _headTaps || previous._levels.Length != _levels.Length
            || previous._historyMask != _historyMask || previous._outputMask != _outputMask || previous._history.Length != _history.Length
            || previous._outputRing.Length != _outputRing.Length || !previous._paths.AsSpan().SequenceEqual(_paths))
        {
            return false;
        }

        for (int l = 0; l < _levels.Length; l++)
        {
            if (!_levels[l].SameShape(previous._levels[l]))
            {
                return false;
            }
        }

        for (int i = 0; i < _history.Length; i++)
        {
            previous._history[i].AsSpan().CopyTo(_history[i]);
        }

        for (int o = 0; o < _outputRing.Length; o++)
        {
            previous._outputRing[o].AsSpan().CopyTo(_outputRing[o]);
        }

        for (int l = 0; l < _levels.Length; l++)
        {
            _levels[l].CopyStateFrom(previous._levels[l]);
        }

        _time = previous._time;
        return true;
    }

    /// <summary>
    /// Control thread, before the convolver plays: places every level that may run elsewhere (its output due a period
    /// after its input, a shape <paramref name="offload"/> accepts) on <paramref name="offload"/>. Returns how many were placed.
    /// </summary>
    public int PlaceOn(IConvolutionOffload offload)
    {
        ArgumentNullException.ThrowIfNull(offload);
        int placed = 0;
        foreach (ConvolutionLevel level in _levels)
        {
            placed += level.TryPlace(offload) ? 1 : 0;
        }

        return placed;
    }

    /// <summary>The partition sizes of the levels placed on an offload, smallest first.</summary>
    public IReadOnlyList<int> PlacedPartitionSizes => [.. _levels.Where(l => l.Offload is not null).Select(l => l.PartitionFrames)];

    /// <summary>Control thread: gives back every placed level (the node was replaced); the convolver computes everything itself from then on.</summary>
    public void ReleasePlacement()
    {
        foreach (ConvolutionLevel level in _levels)
        {
            level.ReleasePlacement();
        }
    }

    /// <summary>Back to silence at stream time 0.</summary>
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

        foreach (ConvolutionLevel level in _levels)
        {
            level.Reset();
        }

        _time = 0;
    }

    private void RenderSegment(int offset, int frames)
    {
        int size = _historyMask + 1;
        for (int i = 0; i < _history.Length; i++)
        {
            float[] history = _history[i];
            ReadOnlySpan<float> input = _input[i].AsSpan(offset, frames);
            for (int f = 0; f < frames; f++)
            {
                int at = (int)((_time + f) & _historyMask);
                history[at] = input[f];
                history[at + size] = input[f];
            }
        }

        for (int o = 0; o < _output.Length; o++)
        {
            float[] ring = _outputRing[o];
            Span<float> output = _output[o].AsSpan(offset, frames);
            for (int f = 0; f < frames; f++)
            {
                int at = (int)((_time + f) & _outputMask);
                output[f] = ring[at];
                ring[at] = 0f;
            }
        }

        if (_headTaps == 0)
        {
            return;
        }

        for (int p = 0; p < _paths.Length; p++)
        {
            ConvolutionPath path = _paths[p];
            float[] history = _history[path.Input];
            ReadOnlySpan<float> taps = _headReversed[p];
            Span<float> output = _output[path.Output].AsSpan(offset, frames);
            for (int f = 0; f < frames; f++)
            {
                // The window of the last _headTaps frames up to and including frame _time + f; the doubled ring keeps it contiguous.
                int first = (int)((_time + f - _headTaps + 1) & _historyMask);
                output[f] += SpectrumKernels.Dot(taps, history.AsSpan(first, _headTaps));
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
