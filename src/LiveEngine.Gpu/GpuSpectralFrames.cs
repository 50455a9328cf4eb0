using ILGPU;
using ILGPU.Runtime;
using LiveEngine.Dsp.Spectral;

namespace LiveEngine.Gpu;

/// <summary>
/// The spectral gate and the freeze as ILGPU kernels on the shared STFT framework's frames: an
/// <see cref="IStftFrameProcessor"/> for a <see cref="ShortTimeFourierTransform"/>, one thread per (channel, bin), the
/// same arithmetic as <see cref="SpectralGateNode"/> and <see cref="SpectralFreezeNode"/> (the freeze's state lives on the
/// accelerator, in double as on the CPU). Each frame uploads the analysed spectra, runs one kernel and reads the
/// synthesised ones back, on the calling thread: a building block, not yet placed in a graph (the nodes run on the CPU).
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
    private readonly float[] _hostRe;
    private readonly float[] _hostIm;
    private bool _frozen;

    /// <param name="kind">Gate or freeze.</param>
    /// <param name="channels">Channels analysed and synthesised.</param>
    /// <param name="bins">Bins per frame (<see cref="ShortTimeFourierTransform.Bins"/>).</param>
    /// <param name="context">The ILGPU context that owns <paramref name="device"/>.</param>
    /// <param name="device">The accelerator.</param>
    public GpuSpectralFrames(GpuSpectralKind kind, int channels, int bins, Context context, Device device)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(device);
        Kind = kind;
        _channels = channels;
        _bins = bins;
        int size = channels * bins;
        _accelerator = device.CreateAccelerator(context);
        _analysisRe = _accelerator.Allocate1D<float>(size);
        _analysisIm = _accelerator.Allocate1D<float>(size);
        _synthesisRe = _accelerator.Allocate1D<float>(size);
        _synthesisIm = _accelerator.Allocate1D<float>(size);
        _magnitudes = _accelerator.Allocate1D<float>(size);
        _phases = _accelerator.Allocate1D<double>(size);
        _steps = _accelerator.Allocate1D<double>(size);
        _previousPhases = _accelerator.Allocate1D<double>(size);
        _hostRe = new float[size];
        _hostIm = new float[size];
        Reset();
        if (kind == GpuSpectralKind.Gate)
        {
            _gate = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(GateKernel);
        }
        else
        {
            _freeze = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(FreezeKernel);
        }
    }

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
        for (int c = 0; c < _channels; c++)
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
        else
        {
            bool freeze = Freeze > 0.5f;
            bool capture = freeze && !_frozen;
            _freeze!(size, _analysisRe.View, _analysisIm.View, _synthesisRe.View, _synthesisIm.View, _magnitudes.View, _phases.View, _steps.View, _previousPhases.View, freeze ? 1 : 0, capture ? 1 : 0);
            _frozen = freeze;
        }

        _accelerator.Synchronize();
        _synthesisRe.View.CopyToCPU(_hostRe);
        _synthesisIm.View.CopyToCPU(_hostIm);
        for (int c = 0; c < _channels; c++)
        {
            _hostRe.AsSpan(c * _bins, _bins).CopyTo(stft.SynthesisRe[c]);
            _hostIm.AsSpan(c * _bins, _bins).CopyTo(stft.SynthesisIm[c]);
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
        _accelerator.Dispose();
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
