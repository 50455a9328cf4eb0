using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// "master": the last stage before the output. Per block: level (glided), then a scan for NaN and infinity
/// (a bad sample is counted, and its channel is silent from there to the end of the block, so nothing
/// non-finite reaches the limiter or the output), then a linked peak limiter without look-ahead, then a clamp
/// to the ceiling and a flush of magnitudes below 1e-30 to zero. Parameters ceilingDb, releaseMs, level.
/// </summary>
/// <remarks>
/// The limiter's gain drops at once to ceiling / peak on a frame whose peak (over all channels) exceeds the
/// ceiling, and recovers toward 1 with a one-pole release of releaseMs. Gain at most ceiling / peak makes
/// |out| ≤ ceiling up to rounding; the final clamp makes it exact. Instant attack distorts transients a little:
/// the price of adding no latency.
/// </remarks>
public sealed class MasterNode : AudioNode
{
    // Written by the audio thread (Interlocked, on the rare bad block only), read by the control plane.
    private long _badSampleCount;

    // Audio thread only (after Prepare).
    private int _sampleRate;
    private float _envelope = 1f;
    private float _designedCeilingDb = float.NaN;
    private float _designedReleaseMs = float.NaN;
    private float _ceiling;
    private float _release;
    private ParameterSmoother _level;
    private float[] _levelRamp = [];
    private float[] _peak = [];
    private float[] _gain = [];
    private float[][] _scratch = [];

    /// <summary>Non-finite samples met since the node (or the node it replaced) started. Any thread.</summary>
    public long BadSampleCount => Interlocked.Read(ref _badSampleCount);

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _sampleRate = context.SampleRate;
        _levelRamp = new float[context.MaxBlockFrames];
        _peak = new float[context.MaxBlockFrames];
        _gain = new float[context.MaxBlockFrames];
        _scratch = new float[context.Channels][];
        for (int c = 0; c < _scratch.Length; c++)
        {
            _scratch[c] = new float[context.MaxBlockFrames];
        }

        _level = ProcessorSmoothing.Create(parameters[2], _sampleRate);
        if (previous is MasterNode old)
        {
            _level = ProcessorSmoothing.Continue(old._level, parameters[2], _sampleRate);
            _envelope = old._envelope;
            _badSampleCount = old.BadSampleCount;
        }

        Design(parameters[0], parameters[1]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Process(in ProcessContext context)
    {
        int frames = context.Frames;
        int channels = context.OutputChannelCount;
        ReadOnlySpan<float> parameters = context.Parameters;
        if (parameters[0] != _designedCeilingDb || parameters[1] != _designedReleaseMs)
        {
            Design(parameters[0], parameters[1]);
        }

        _level.Target = parameters[2];
        Span<float> level = _levelRamp.AsSpan(0, frames);
        ParameterRamp.Fill(ref _level, level);
        Span<float> peak = _peak.AsSpan(0, frames);
        for (int c = 0; c < channels; c++)
        {
            Span<float> scratch = _scratch[c].AsSpan(0, frames);
            VectorKernels.Binary<MultiplyOperator>(context.Input(c), level, scratch);

            // Scanned after the level: a huge finite input times the level may overflow to infinity.
            int bad = SanitizeKernels.IndexOfNonFinite(scratch);
            if (bad >= 0)
            {
                SilenceFrom(scratch, bad);
            }

            if (c == 0)
            {
                VectorKernels.Binary<MaxMagnitudeOperator>(scratch, scratch, peak);
            }
            else
            {
                VectorKernels.Binary<MaxMagnitudeOperator>(peak, scratch, peak);
            }
        }

        Span<float> gain = _gain.AsSpan(0, frames);
        float ceiling = _ceiling;
        float release = _release;
        float envelope = _envelope;
        for (int i = 0; i < frames; i++)
        {
            float required = peak[i] > ceiling ? ceiling / peak[i] : 1f;
            envelope = required < envelope ? required : envelope + ((required - envelope) * release);
            gain[i] = envelope;
        }

        _envelope = envelope;
        for (int c = 0; c < channels; c++)
        {
            Span<float> output = context.Output(c);
            VectorKernels.Binary<MultiplyOperator>(_scratch[c].AsSpan(0, frames), gain, output);
            VectorKernels.BinaryScalarOperand<ClampFlushOperator>(output, ceiling, output);
        }
    }

    public override void Reset()
    {
        _envelope = 1f;
        _level.Snap();
    }

    /// <summary>
    /// Counts the non-finite samples from <paramref name="start"/> on and silences the rest of the channel's
    /// block. The limiter envelope restarts at unity (its instant attack catches the next peak) and the level
    /// glide lands, so no state carries anything of the bad block.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SilenceFrom(Span<float> scratch, int start)
    {
        long count = 0;
        for (int i = start; i < scratch.Length; i++)
        {
            if (!float.IsFinite(scratch[i]))
            {
                count++;
            }
        }

        scratch[start..].Clear();

        // Release: a control thread that reads the new count reads a complete value.
        Interlocked.Add(ref _badSampleCount, count);
        _envelope = 1f;
        _level.Snap();
    }

    private void Design(float ceilingDb, float releaseMs)
    {
        _designedCeilingDb = ceilingDb;
        _designedReleaseMs = releaseMs;
        _ceiling = (float)Math.Pow(10.0, Math.Clamp(ceilingDb, -24f, 0f) / 20.0);
        double releaseFrames = Math.Clamp(releaseMs, 1f, 1000f) * _sampleRate / 1000.0;
        _release = (float)-double.ExpM1(-1.0 / releaseFrames);
    }
}
