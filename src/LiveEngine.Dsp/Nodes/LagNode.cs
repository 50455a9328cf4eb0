using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// Smooths a control signal (parameter timeMs): a one-pole low-pass whose output covers 63 % of a step in
/// timeMs, through <see cref="ParameterSmoother"/>, which lands exactly on a steady input. Mono in, mono out.
/// </summary>
public sealed class LagNode : AudioNode
{
    private ParameterSmoother _smoother;
    private int _sampleRate;
    private float _timeMs = float.NaN;
    private bool _started;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _sampleRate = context.SampleRate;
        _smoother = ParameterSmoother.Create(0f, 0f, context.SampleRate);
        _timeMs = float.NaN;
        _started = false;
        if (previous is LagNode old)
        {
            _smoother = old._smoother;
            _started = old._started;
        }
    }

    public override void Reset()
    {
        _started = false;
    }

    public override void Process(in ProcessContext context)
    {
        float timeMs = context.Parameters[0];
        if (timeMs != _timeMs)
        {
            _timeMs = timeMs;
            _smoother.SetTime(timeMs, _sampleRate);
        }

        ReadOnlySpan<float> input = context.Input(0);
        Span<float> output = context.Output(0);
        if (!_started)
        {
            // Start on the first input value, not from 0: a lag smooths changes, it does not fade in.
            _smoother = ParameterSmoother.Create(input[0], timeMs, _sampleRate);
            _started = true;
        }

        for (int i = 0; i < output.Length; i++)
        {
            _smoother.Target = input[i];
            output[i] = _smoother.Next();
        }
    }
}
