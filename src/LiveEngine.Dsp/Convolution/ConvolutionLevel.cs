using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Convolution;

/// <summary>
/// One uniformly partitioned overlap-save convolver (Wefers, "Partitioned convolution algorithms for real-time
/// auralization", 2015, ch. 5): K partitions of N taps of the impulse response from tap <see cref="Start"/>, FFTs of
/// 2N points and a frequency-domain delay line of the last K input spectra. A period begins every N frames, when
/// the last 2N input frames are captured; its N output frames are added to the output ring
/// <see cref="OutputOffset"/> − N frames after the period's start. A level whose output offset is at least 2N need not
/// finish at once: its work (forward FFT stages, one multiply-accumulate per partition and path, inverse FFT stages)
/// is a list of steps that <see cref="Advance"/> runs in proportion to the time elapsed in the period.
/// </summary>
/// <remarks>Prepared on the control thread; <see cref="Advance"/> runs on the audio path and allocates nothing.</remarks>
internal sealed class ConvolutionLevel
{
    private readonly RealFft _fft;
    private readonly ConvolutionPath[] _paths;
    private readonly int _inputs;
    private readonly int _outputs;
    private readonly int _bins;
    private readonly int _fftSteps;
    private readonly int _stepCount;

    private readonly float[][] _capture;
    private readonly float[][] _delayLineRe;
    private readonly float[][] _delayLineIm;
    private readonly float[][] _responseRe;
    private readonly float[][] _responseIm;
    private readonly float[][] _sumRe;
    private readonly float[][] _sumIm;
    private readonly float[][] _inverse;

    private int _slot;
    private long _periodStart = -1;
    private int _stepsDone;

    // Set on the control thread before the level plays (Place), read on the render thread.
    private IOffloadedConvolutionLevel? _offload;

    // Whether this period's products were handed to the offload (else the steps are spread over the period as usual).
    private bool _submitted;

    /// <param name="fft">The transform of 2N points.</param>
    /// <param name="impulseResponses">The impulse-response channels, at the session rate.</param>
    /// <param name="paths">The routes from input through response channel to output.</param>
    /// <param name="inputs">Input channels.</param>
    /// <param name="outputs">Output channels.</param>
    /// <param name="start">First tap of this level.</param>
    /// <param name="taps">Taps covered, from <paramref name="start"/> (the last partition is zero-padded).</param>
    /// <param name="outputOffset">Frames from a captured block's first frame to where its output lands: at least N.</param>
    public ConvolutionLevel(RealFft fft, float[][] impulseResponses, ConvolutionPath[] paths, int inputs, int outputs, int start, int taps, int outputOffset)
    {
        _fft = fft;
        _paths = paths;
        _inputs = inputs;
        _outputs = outputs;
        PartitionFrames = fft.Size / 2;
        Start = start;
        OutputOffset = outputOffset;
        Partitions = (taps + PartitionFrames - 1) / PartitionFrames;
        _bins = fft.Bins;
        _fftSteps = fft.StepCount;
        _stepCount = (inputs * _fftSteps) + (paths.Length * Partitions) + (outputs * _fftSteps);
        int n = PartitionFrames;
        int size = fft.Size;
        _capture = Arrays(inputs, size);
        _delayLineRe = Arrays(inputs, Partitions * _bins);
        _delayLineIm = Arrays(inputs, Partitions * _bins);
        _sumRe = Arrays(outputs, _bins);
        _sumIm = Arrays(outputs, _bins);
        _inverse = Arrays(outputs, size);
        _responseRe = Arrays(paths.Length, Partitions * _bins);
        _responseIm = Arrays(paths.Length, Partitions * _bins);

        // Partition spectra, scaled by 1/(2N) so that the unscaled inverse transform returns the convolution itself.
        var block = new float[size];
        float scale = 1f / size;
        for (int p = 0; p < paths.Length; p++)
        {
            float[] ir = impulseResponses[paths[p].ImpulseResponse];
            for (int k = 0; k < Partitions; k++)
            {
                Array.Clear(block);
                int from = start + (k * n);
                int count = Math.Clamp(Math.Min(ir.Length, start + taps) - from, 0, n);
                if (count > 0)
                {
                    ir.AsSpan(from, count).CopyTo(block);
                }

                Span<float> re = _responseRe[p].AsSpan(k * _bins, _bins);
                Span<float> im = _responseIm[p].AsSpan(k * _bins, _bins);
                fft.Forward(block, re, im);
                for (int b = 0; b < _bins; b++)
                {
                    re[b] *= scale;
                    im[b] *= scale;
                }
            }
        }
    }

    /// <summary>N, the partition length and the level's period in frames.</summary>
    public int PartitionFrames { get; }

    public int Partitions { get; }

    public int Start { get; }

    public int OutputOffset { get; }

    /// <summary>Whether a period's work must be done at its start (the output is due at once).</summary>
    public bool Immediate => OutputOffset < 2 * PartitionFrames;

    /// <summary>
    /// Called at every boundary of the convolver's smallest grain, at stream time <paramref name="time"/>: runs the
    /// steps due by then, and at a multiple of N finishes the period and starts the next one from
    /// <paramref name="history"/> (doubled rings of the inputs, <paramref name="historyMask"/> + 1 frames each).
    /// </summary>
    public void Advance(long time, float[][] history, int historyMask, float[][] outputRing, int outputMask)
    {
        int n = PartitionFrames;
        IOffloadedConvolutionLevel? offload = _offload;
        if (_periodStart >= 0 && !_submitted)
        {
            int due = (int)Math.Min(_stepCount, ((_stepCount * (time - _periodStart)) + n - 1) / n);
            RunSteps(due, outputRing, outputMask);
        }
        else if (_periodStart >= 0 && time % n == 0)
        {
            // Submitted: the period ends here. The offload's sums if it computed them, else this level's own (the same
            // products, in the same data), then the inverse transforms.
            int productsDone = (_inputs * _fftSteps) + (_paths.Length * Partitions);
            if (_stepsDone < productsDone && offload!.TryCollect(_sumRe, _sumIm))
            {
                _stepsDone = productsDone;
            }

            RunSteps(_stepCount, outputRing, outputMask);
        }

        if (time % n != 0)
        {
            return;
        }

        // A new period: the last 2N input frames, the delay line moved on by one slot, the sums cleared.
        int size = 2 * n;
        int from = (int)((time - size) & historyMask);
        for (int i = 0; i < _inputs; i++)
        {
            history[i].AsSpan(from, size).CopyTo(_capture[i]);
        }

        _slot = _slot + 1 == Partitions ? 0 : _slot + 1;
        for (int o = 0; o < _outputs; o++)
        {
            Array.Clear(_sumRe[o]);
            Array.Clear(_sumIm[o]);
        }

        _periodStart = time;
        _stepsDone = 0;
        _submitted = false;
        if (Immediate)
        {
            RunSteps(_stepCount, outputRing, outputMask);
        }
        else if (offload is not null && offload.Accepting)
        {
            // Placed, and launches are running: the forward transforms at once, so the next launch takes the spectra.
            RunSteps(_inputs * _fftSteps, outputRing, outputMask);
            offload.Submit(_slot);
            _submitted = true;
        }
    }

    /// <summary>The offloaded level, or null when the level runs on the CPU alone.</summary>
    public IOffloadedConvolutionLevel? Offload => _offload;

    /// <summary>
    /// Control thread, before the level plays: places its multiply-accumulates on <paramref name="offload"/> when the
    /// level's output is due a period after its input (not <see cref="Immediate"/>) and the offload accepts its shape.
    /// </summary>
    public bool TryPlace(IConvolutionOffload offload)
    {
        if (Immediate || _offload is not null || !offload.ShouldPlace(PartitionFrames, Partitions, _paths.Length))
        {
            return false;
        }

        _offload = offload.Place(_delayLineRe, _delayLineIm, _responseRe, _responseIm, _paths, Partitions, _bins);
        return true;
    }

    /// <summary>Control thread: gives the placement back (the node was replaced); the level computes everything itself from then on.</summary>
    public void ReleasePlacement() => _offload?.Release();

    /// <summary>Whether <paramref name="other"/> has this level's shape, so that its state can be taken over.</summary>
    public bool SameShape(ConvolutionLevel other) =>
        other.PartitionFrames == PartitionFrames && other.Partitions == Partitions && other.Start == Start && other.OutputOffset == OutputOffset
        && other._inputs == _inputs && other._outputs == _outputs && other._paths.AsSpan().SequenceEqual(_paths);

    /// <summary>Copies <paramref name="other"/>'s running state (input spectra, sums, the period's progress); the response spectra stay this level's.</summary>
    public void CopyStateFrom(ConvolutionLevel other)
    {
        Copy(other._capture, _capture);
        Copy(other._delayLineRe, _delayLineRe);
        Copy(other._delayLineIm, _delayLineIm);
        Copy(other._sumRe, _sumRe);
        Copy(other._sumIm, _sumIm);
        Copy(other._inverse, _inverse);
        _slot = other._slot;
        _periodStart = other._periodStart;
        _stepsDone = other._stepsDone;
        _submitted = false;
        _offload?.DelayLinesChanged();
    }

    /// <summary>Back to silence, as right after construction.</summary>
    public void Reset()
    {
        foreach (float[] line in _delayLineRe)
        {
            Array.Clear(line);
        }

        foreach (float[] line in _delayLineIm)
        {
            Array.Clear(line);
        }

        _slot = 0;
        _periodStart = -1;
        _stepsDone = 0;
        _submitted = false;
        _offload?.DelayLinesChanged();
    }

    private void RunSteps(int until, float[][] outputRing, int outputMask)
    {
        while (_stepsDone < until)
        {
            Step(_stepsDone, outputRing, outputMask);
            _stepsDone++;
        }
    }

    private void Step(int step, float[][] outputRing, int outputMask)
    {
        int forwardSteps = _inputs * _fftSteps;
        if (step < forwardSteps)
        {
            int input = step / _fftSteps;
            _fft.ForwardStep(step % _fftSteps, _capture[input], _delayLineRe[input].AsSpan(_slot * _bins, _bins), _delayLineIm[input].AsSpan(_slot * _bins, _bins));
            return;
        }

        step -= forwardSteps;
        int products = _paths.Length * Partitions;
        if (step < products)
        {
            int p = step / Partitions;
            int k = step % Partitions;
            ConvolutionPath path = _paths[p];
            int slot = _slot - k < 0 ? _slot - k + Partitions : _slot - k;
            SpectrumKernels.MultiplyAccumulate(
                _sumRe[path.Output],
                _sumIm[path.Output],
                _delayLineRe[path.Input].AsSpan(slot * _bins, _bins),
                _delayLineIm[path.Input].AsSpan(slot * _bins, _bins),
                _responseRe[p].AsSpan(k * _bins, _bins),
                _responseIm[p].AsSpan(k * _bins, _bins));
            return;
        }

        step -= products;
        int output = step / _fftSteps;
        int inverseStep = step % _fftSteps;
        _fft.InverseStep(inverseStep, _sumRe[output], _sumIm[output], _inverse[output]);
        if (inverseStep == _fftSteps - 1)
        {
            // The second half of the circular result is the linear convolution (overlap-save).
            int n = PartitionFrames;
            float[] ring = outputRing[output];
            float[] result = _inverse[output];
            long at = _periodStart - n + OutputOffset;
            for (int j = 0; j < n; j++)
            {
                ring[(int)((at + j) & outputMask)] += result[n + j];
            }
        }
    }

    private static void Copy(float[][] from, float[][] to)
    {
        for (int i = 0; i < to.Length; i++)
        {
            from[i].AsSpan().CopyTo(to[i]);
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
