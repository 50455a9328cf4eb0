using System.Numerics;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// "delay": a delay line with feedback and a dry/wet mix. Parameters delayMs (fractional, read by linear
/// interpolation, so an integer number of frames is exact), feedback and mix, each glided per frame (a
/// gliding delay bends pitch like tape). Each channel's ring holds the full 10 s at the sample rate, sized in
/// Prepare. The delay is at least one frame: the feedback path needs a sample that is already written.
/// </summary>
public sealed class DelayNode : AudioNode
{
    public const float MaxDelayMs = 10_000f;

    // Audio thread only (after Prepare).
    private int _sampleRate;
    private int _mask;
    private int _write;
    private double _maxDelayFrames;
    private ParameterSmoother _delayMs;
    private ParameterSmoother _feedback;
    private ParameterSmoother _mix;
    private float[] _delayRamp = [];
    private float[] _feedbackRamp = [];
    private float[] _mixRamp = [];
    private float[][] _rings = [];

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _sampleRate = context.SampleRate;
        _maxDelayFrames = MaxDelayMs * _sampleRate / 1000.0;

        // One frame more than the longest delay for the interpolation's second tap.
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Ceiling(_maxDelayFrames) + 2);
        _mask = capacity - 1;
        _rings = new float[context.Channels][];
        for (int c = 0; c < _rings.Length; c++)
        {
            _rings[c] = new float[capacity];
        }

        _delayRamp = new float[context.MaxBlockFrames];
        _feedbackRamp = new float[context.MaxBlockFrames];
        _mixRamp = new float[context.MaxBlockFrames];
        _delayMs = ProcessorSmoothing.Create(parameters[0], _sampleRate);
        _feedback = ProcessorSmoothing.Create(parameters[1], _sampleRate);
        _mix = ProcessorSmoothing.Create(parameters[2], _sampleRate);
        if (previous is DelayNode old && old._sampleRate == _sampleRate)
        {
            _delayMs = ProcessorSmoothing.Continue(old._delayMs, parameters[0], _sampleRate);
            _feedback = ProcessorSmoothing.Continue(old._feedback, parameters[1], _sampleRate);
            _mix = ProcessorSmoothing.Continue(old._mix, parameters[2], _sampleRate);
            _write = old._write;
            for (int c = 0; c < Math.Min(_rings.Length, old._rings.Length); c++)
            {
                old._rings[c].AsSpan().CopyTo(_rings[c]);
            }
        }
    }

    public override void Process(in ProcessContext context)
    {
        int frames = context.Frames;
        _delayMs.Target = context.Parameters[0];
        _feedback.Target = Math.Clamp(context.Parameters[1], 0f, 0.99f);
        _mix.Target = context.Parameters[2];
        ParameterRamp.Fill(ref _delayMs, _delayRamp.AsSpan(0, frames));
        ParameterRamp.Fill(ref _feedback, _feedbackRamp.AsSpan(0, frames));
        ParameterRamp.Fill(ref _mix, _mixRamp.AsSpan(0, frames));
        double framesPerMs = _sampleRate / 1000.0;
        for (int c = 0; c < _rings.Length; c++)
        {
            ReadOnlySpan<float> input = context.Input(c);
            Span<float> output = context.Output(c);
            float[] ring = _rings[c];
            for (int i = 0; i < frames; i++)
            {
                double delayFrames = Math.Clamp(_delayRamp[i] * framesPerMs, 1.0, _maxDelayFrames);
                int whole = (int)delayFrames;
                float fraction = (float)(delayFrames - whole);
                int write = _write + i;
                float near = ring[(write - whole) & _mask];
                float far = ring[(write - whole - 1) & _mask];
                float delayed = near + ((far - near) * fraction);
                float x = input[i];
                float fed = x + (_feedbackRamp[i] * delayed);

                // Flush what would decay into denormals in the feedback loop.
                ring[write & _mask] = MathF.Abs(fed) < SanitizeKernels.FlushThreshold ? 0f : fed;
                float mix = _mixRamp[i];
                output[i] = (x * (1f - mix)) + (delayed * mix);
            }
        }

        _write = (_write + frames) & _mask;
    }

    public override void Reset()
    {
        foreach (float[] ring in _rings)
        {
            Array.Clear(ring);
        }

        _write = 0;
        _delayMs.Snap();
        _feedback.Snap();
        _mix.Snap();
    }
}
