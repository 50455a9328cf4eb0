using ILGPU;
using ILGPU.Runtime;
using LiveEngine.Dsp.Spectral;

namespace LiveEngine.Gpu;

/// <summary>
/// The spectral gate, freeze, blur and vocoder as ILGPU kernels on the shared STFT framework's frames: an
/// <see cref="IStftFrameProcessor"/> for a <see cref="ShortTimeFourierTransform"/>, one thread per (channel, bin) (the
/// vocoder: per (channel, band)), the same arithmetic as <see cref="SpectralGateNode"/>, <see cref="SpectralFreezeNode"/>,
/// <see cref="SpectralBlurNode"/> and <see cref="VocoderNode"/> (the freeze's and the blur's state lives on the
/// accelerator, in double as on the CPU; the vocoder's modulator is the analysed channel after the carriers). Each frame uploads the analysed spectra, runs one kernel and reads the
/// synthesised ones back, on the calling thread: a launch per frame, the kernels' specification. In a graph,
/// <see cref="GpuConvolutionPlacement"/> runs the same arithmetic for every pipelined spectral node (option
/// <c>gpu = on</c>) in its one launch per deferred block.
/// </summary>
public sealed class GpuSpectralFrames : IStftFrameProcessor, IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly int _channels;
    private readonly int _bins;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _analysisRe;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _analysisIm;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _synthesisRe;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _synthesisIm;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _magnitudes;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _phases;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _steps;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _previousPhases;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>? _gate;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>? _freeze;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, float>? _blur;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, float>? _vocoder;
    private readonly MemoryBuffer1D<int, Stride1D.Dense>? _bandStarts;
    private readonly int _analysed;
    private readonly int _sampleRate;
    private readonly float[] _hostRe;
    private readonly float[] _hostIm;
    private readonly float[] _hostOutRe;
    private readonly float[] _hostOutIm;
    private bool _frozen;

    /// <param name="kind">Gate or freeze.</param>
    /// <param name="channels">Channels analysed and synthesised.</param>
    /// <param name="bins">Bins per frame (<see cref="ShortTimeFourierTransform.Bins"/>).</param>
    /// <param name="context">The ILGPU context that owns <paramref name="device"/>.</param>
    /// <param name="device">The accelerator.</param>
    /// <param name="sampleRate">The session's rate (the blur's time constant, the vocoder's bands).</param>
    public GpuSpectralFrames(GpuSpectralKind kind, int channels, int bins, Context context, Device device, int sampleRate = 48_000)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(device);
        Kind = kind;
        _channels = channels;
        _bins = bins;
        _sampleRate = sampleRate;
        _analysed = kind == GpuSpectralKind.Vocoder ? channels + 1 : channels;
        int size = channels * bins;
        _accelerator = device.CreateAccelerator(context);
        _analysisRe = _accelerator.Allocate1D<float>(_analysed * bins);
        _analysisIm = _accelerator.Allocate1D<float>(_analysed * bins);
        _synthesisRe = _accelerator.Allocate1D<float>(size);
        _synthesisIm = _accelerator.Allocate1D<float>(size);
        _magnitudes = _accelerator.Allocate1D<float>(size);
        _phases = _accelerator.Allocate1D<double>(size);
        _steps = _accelerator.Allocate1D<double>(size);
        _previousPhases = _accelerator.Allocate1D<double>(size);
        _hostRe = new float[_analysed * bins];
        _hostIm = new float[_analysed * bins];
        _hostOutRe = new float[size];
        _hostOutIm = new float[size];
        Reset();
        switch (kind)
        {
            case GpuSpectralKind.Gate:
                _gate = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(GateKernel);
                break;
            case GpuSpectralKind.Freeze:
                _freeze = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(FreezeKernel);
                break;
            case GpuSpectralKind.Blur:
                _blur = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, float>(BlurKernel);
                break;
            default:
                _vocoder = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, float>(VocoderKernel);
                _bandStarts = _accelerator.Allocate1D(BandStarts(bins, sampleRate));
                break;
        }
    }

    /// <summary>The blur's time constant, ms, as the node's <c>timeMs</c>.</summary>
    public float TimeMs { get; set; }

    /// <summary>The vocoder's output level, as the node's <c>level</c>.</summary>
    public float Level { get; set; } = 1;

    public GpuSpectralKind Kind { get; }

    /// <summary>The gate's threshold, dB (0 dB: a full-scale sine in a bin), as the node's <c>thresholdDb</c>.</summary>
    public float ThresholdDb { get; set; } = -60;

    /// <summary>The freeze gate, as the node's <c>freeze</c> (above 0.5: frozen).</summary>
    public float Freeze { get; set; }

    /// <summary>Frames processed on the accelerator.</summary>
    public long Frames { get; private set; }

    /// <summary>Back to the state after construction (nothing frozen, no previous phases).</summary>
    public void Reset()
    {
        _magnitudes.MemSetToZero();
        _phases.MemSetToZero();
        _steps.MemSetToZero();
        _previousPhases.MemSetToZero();
        _accelerator.Synchronize();
        _frozen = false;
    }

    public void ProcessFrame(ShortTimeFourierTransform stft)
    {
        ArgumentNullException.ThrowIfNull(stft);
        for (int c = 0; c < _analysed; c++)
        {
            stft.AnalysisRe[c].AsSpan(0, _bins).CopyTo(_hostRe.AsSpan(c * _bins));
            stft.AnalysisIm[c].AsSpan(0, _bins).CopyTo(_hostIm.AsSpan(c * _bins));
        }

        _analysisRe.View.CopyFromCPU(_hostRe);
        _analysisIm.View.CopyFromCPU(_hostIm);
        int size = _channels * _bins;
        if (_gate is not null)
        {
            // As SpectralGateNode: the threshold in the STFT's full scale, squared.
            float threshold = stft.FullScale * MathF.Pow(10f, ThresholdDb / 20f);
            _gate(size, _analysisRe.View, _analysisIm.View, _synthesisRe.View, _synthesisIm.View, threshold * threshold);
        }
        else if (_blur is not null)
        {
            // As SpectralBlurNode: the one-pole coefficient per hop.
            float timeMs = Math.Clamp(TimeMs, 0f, 60_000f);
            float keep = timeMs <= 0f ? 0f : MathF.Exp(-stft.HopFrames / (timeMs * 0.001f * _sampleRate));
            _blur(size, _analysisRe.View, _analysisIm.View, _synthesisRe.View, _synthesisIm.View, _magnitudes.View, _phases.View, _steps.View, keep);
        }
        else if (_vocoder is not null)
        {
            _vocoder(_channels * VocoderNode.BandCount, _analysisRe.View, _analysisIm.View, _synthesisRe.View, _synthesisIm.View, _bandStarts!.View, _bins, Level);
        }
        else
        {
            bool freeze = Freeze > 0.5f;
            bool capture = freeze && !_frozen;
            _freeze!(size, _analysisRe.View, _analysisIm.View, _synthesisRe.View, _synthesisIm.View, _magnitudes.View, _phases.View, _steps.View, _previousPhases.View, freeze ? 1 : 0, capture ? 1 : 0);
            _frozen = freeze;
        }

        _accelerator.Synchronize();
        _synthesisRe.View.CopyToCPU(_hostOutRe);
        _synthesisIm.View.CopyToCPU(_hostOutIm);
        for (int c = 0; c < _channels; c++)
        {
            _hostOutRe.AsSpan(c * _bins, _bins).CopyTo(stft.SynthesisRe[c]);
            _hostOutIm.AsSpan(c * _bins, _bins).CopyTo(stft.SynthesisIm[c]);
        }

        Frames++;
    }

    public void Dispose()
    {
        _analysisRe.Dispose();
        _analysisIm.Dispose();
        _synthesisRe.Dispose();
        _synthesisIm.Dispose();
        _magnitudes.Dispose();
        _phases.Dispose();
        _steps.Dispose();
        _previousPhases.Dispose();
        _bandStarts?.Dispose();
        _accelerator.Dispose();
    }

    /// <summary>
    /// The first bin of each of the vocoder's bands and, last, the bin count: <see cref="VocoderNode"/>'s band of bin k
    /// (log-spaced from 50 Hz to Nyquist) never decreases with k, so each band is one run of bins.
    /// </summary>
    internal static int[] BandStarts(int bins, int sampleRate)
    {
        const double LowestHz = 50;
        int frameFrames = (bins - 1) * 2;
        double ratio = Math.Log(sampleRate / 2.0 / LowestHz);
        var starts = new int[VocoderNode.BandCount + 1];
        Array.Fill(starts, bins);
        for (int k = bins - 1; k >= 0; k--)
        {
            double hz = (double)k * sampleRate / frameFrames;
            int band = Math.Clamp(hz <= LowestHz ? 0 : (int)(VocoderNode.BandCount * Math.Log(hz / LowestHz) / ratio), 0, VocoderNode.BandCount - 1);
            starts[band] = k;
        }

        // An empty band starts where the next one does.
        for (int b = VocoderNode.BandCount - 1; b >= 0; b--)
        {
            starts[b] = Math.Min(starts[b], starts[b + 1]);
        }

        return starts;
    }

    /// <summary>One thread per (channel, bin): <see cref="SpectralBlurNode.ProcessFrame"/>'s arithmetic for one bin.</summary>
    private static void BlurKernel(Index1D index, ArrayView<float> re, ArrayView<float> im, ArrayView<float> outRe, ArrayView<float> outIm, ArrayView<float> magnitudes, ArrayView<double> phases, ArrayView<double> steps, float keep)
    {
        const float Silent = 1e-20f;
        float r = re[index];
        float i = im[index];
        float magnitude = MathF.Sqrt((r * r) + (i * i));
        float smeared = (keep * magnitudes[index]) + ((1f - keep) * magnitude);
        magnitudes[index] = smeared < Silent ? 0f : smeared;
        double phase;
        if (magnitude > Silent)
        {
            phase = Math.Atan2(i, r);
            steps[index] = phase - phases[index];
        }
        else
        {
            phase = phases[index] + steps[index];
            phase -= 2 * Math.PI * Math.Round(phase / (2 * Math.PI));
        }

        phases[index] = phase;
        outRe[index] = (float)(magnitudes[index] * Math.Cos(phase));
        outIm[index] = (float)(magnitudes[index] * Math.Sin(phase));
    }

    /// <summary>
    /// One thread per (carrier channel, band): <see cref="VocoderNode.ProcessFrame"/>'s band energies (summed in bin
    /// order, as on the CPU; the modulator is the analysed channel after the carriers), its gain, and the band's bins scaled.
    /// </summary>
    private static void VocoderKernel(Index1D index, ArrayView<float> re, ArrayView<float> im, ArrayView<float> outRe, ArrayView<float> outIm, ArrayView<int> bandStarts, int bins, float level)
    {
        int channels = (int)(re.Length / bins) - 1;
        int channel = index / VocoderNode.BandCount;
        int band = index - (channel * VocoderNode.BandCount);
        int from = bandStarts[band];
        int to = bandStarts[band + 1];
        int carrier = channel * bins;
        int modulator = channels * bins;
        float modulatorEnergy = 0f;
        float carrierEnergy = 0f;
        for (int k = from; k < to; k++)
        {
            modulatorEnergy += (re[modulator + k] * re[modulator + k]) + (im[modulator + k] * im[modulator + k]);
            carrierEnergy += (re[carrier + k] * re[carrier + k]) + (im[carrier + k] * im[carrier + k]);
        }

        float gain = carrierEnergy > 1e-20f ? level * MathF.Sqrt(modulatorEnergy / carrierEnergy) : 0f;
        for (int k = from; k < to; k++)
        {
            outRe[carrier + k] = re[carrier + k] * gain;
            outIm[carrier + k] = im[carrier + k] * gain;
        }
    }

    /// <summary>One thread per (channel, bin): the bin passes when its power reaches the threshold's, else it is silenced.</summary>
    private static void GateKernel(Index1D index, ArrayView<float> re, ArrayView<float> im, ArrayView<float> outRe, ArrayView<float> outIm, float thresholdSquared)
    {
        float r = re[index];
        float i = im[index];
        bool open = (r * r) + (i * i) >= thresholdSquared;
        outRe[index] = open ? r : 0f;
        outIm[index] = open ? i : 0f;
    }

    /// <summary>One thread per (channel, bin): <see cref="SpectralFreezeNode.ProcessFrame"/>'s arithmetic for one bin.</summary>
    private static void FreezeKernel(Index1D index, ArrayView<float> re, ArrayView<float> im, ArrayView<float> outRe, ArrayView<float> outIm, ArrayView<float> magnitudes, ArrayView<double> phases, ArrayView<double> steps, ArrayView<double> previous, int freeze, int capture)
    {
        float r = re[index];
        float i = im[index];
        double phase = Math.Atan2(i, r);
        if (capture != 0)
        {
            magnitudes[index] = MathF.Sqrt((r * r) + (i * i));
            steps[index] = phase - previous[index];
            phases[index] = phase;
        }

        if (freeze != 0)
        {
            double next = phases[index] + steps[index];
            next -= 2 * Math.PI * Math.Round(next / (2 * Math.PI));
            phases[index] = next;
            outRe[index] = (float)(magnitudes[index] * Math.Cos(next));
            outIm[index] = (float)(magnitudes[index] * Math.Sin(next));
        }
        else
        {
            outRe[index] = r;
            outIm[index] = i;
        }

        previous[index] = phase;
    }
}
