using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// Plays a sample from a <see cref="SampleLibrary"/> (option "sample"; parameters rate, gate, loop, level).
/// A rising gate restarts from the first frame; without loop playback stops at the end, with loop it wraps.
/// Output channel c plays sample channel c modulo the sample's channel count (a mono sample feeds every
/// channel). Resampling is 4-point cubic Hermite (Catmull-Rom), at rate × sample rate / engine rate frames
/// of the sample per output frame; at a step of exactly 1 every read falls on a frame and the sample comes
/// out bit for bit.
/// </summary>
public sealed class SamplerNode : AudioNode
{
    /// <summary>The option naming the sample to play.</summary>
    public const string SampleOption = "sample";

    private const int RateParameter = 0;
    private const int GateParameter = 1;
    private const int LoopParameter = 2;
    private const int LevelParameter = 3;

    private readonly SampleLibrary _library;

    private SampleData? _sample;
    private float[][] _channels = [];
    private double _sampleFramesPerFrame;
    private ParameterSmoother _rate;
    private ParameterSmoother _level;

    // Per-frame read positions (NaN: silent) and gains of the current block, shared by all channels.
    private double[] _positions = [];
    private float[] _gains = [];

    private double _position;
    private bool _playing;
    private bool _gate;

    public SamplerNode()
        : this(SampleLibrary.Shared)
    {
    }

    public SamplerNode(SampleLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        _library = library;
    }

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        if (!context.Options.TryGetValue(SampleOption, out string? name))
        {
            throw new ArgumentException($"A sampler needs the option '{SampleOption}' naming a sample in the sample library (known samples: {string.Join(", ", _library.Names)}).");
        }

        SampleData sample = _library.Get(name);
        _sample = sample;
        _channels = sample.ChannelData;
        _sampleFramesPerFrame = (double)sample.SampleRate / context.SampleRate;
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _rate = ParameterSmoother.Create(parameters[RateParameter], OscillatorNode.SmoothingMs, context.SampleRate);
        _level = ParameterSmoother.Create(parameters[LevelParameter], OscillatorNode.SmoothingMs, context.SampleRate);
        _positions = new double[context.MaxBlockFrames];
        _gains = new float[context.MaxBlockFrames];
        _position = 0;
        _playing = false;
        _gate = false;
        if (previous is SamplerNode old && ReferenceEquals(old._sample, sample))
        {
            _position = old._position;
            _playing = old._playing;
            _gate = old._gate;
            _rate = old._rate;
            _rate.SetTime(OscillatorNode.SmoothingMs, context.SampleRate);
            _rate.Target = parameters[RateParameter];
            _level = old._level;
            _level.SetTime(OscillatorNode.SmoothingMs, context.SampleRate);
            _level.Target = parameters[LevelParameter];
        }
    }

    public override void Reset()
    {
        _position = 0;
        _playing = false;
        _gate = false;
        _rate.Snap();
        _level.Snap();
    }

    public override void Process(in ProcessContext context)
    {
        ReadOnlySpan<float> parameters = context.Parameters;
        _rate.Target = Math.Clamp(parameters[RateParameter], 0.01f, 8f);
        _level.Target = parameters[LevelParameter];
        bool loop = parameters[LoopParameter] > 0.5f;

        // Events apply at a frame of the block: the gate parameter is the one event today, at frame 0.
        bool gate = parameters[GateParameter] > 0.5f;
        if (gate && !_gate)
        {
            _position = 0;
            _playing = true;
        }

        _gate = gate;
        int frames = context.Frames;
        Span<double> positions = _positions.AsSpan(0, frames);
        Span<float> gains = _gains.AsSpan(0, frames);
        int length = _channels[0].Length;
        for (int i = 0; i < frames; i++)
        {
            gains[i] = _level.Next();
            double step = _rate.Next() * _sampleFramesPerFrame;
            if (!_playing)
            {
                positions[i] = double.NaN;
                continue;
            }

            positions[i] = _position;
            _position += step;
            if (_position >= length)
            {
                if (loop)
                {
                    _position %= length;
                }
                else
                {
                    _playing = false;
                }
            }
        }

        for (int c = 0; c < context.OutputChannelCount; c++)
        {
            float[] source = _channels[c % _channels.Length];
            Span<float> output = context.Output(c);
            for (int i = 0; i < output.Length; i++)
            {
                double position = positions[i];
                output[i] = double.IsNaN(position) ? 0f : Read(source, position, loop) * gains[i];
            }
        }
    }

    /// <summary>Catmull-Rom interpolation at <paramref name="position"/>; outside the sample is silence, or the other end when looping.</summary>
    private static float Read(float[] source, double position, bool loop)
    {
        int index = (int)position;
        float t = (float)(position - index);
        float y0 = At(source, index, loop);
        if (t == 0f)
        {
            return y0;
        }

        float ym1 = At(source, index - 1, loop);
        float y1 = At(source, index + 1, loop);
        float y2 = At(source, index + 2, loop);
        float c1 = 0.5f * (y1 - ym1);
        float c2 = ym1 - (2.5f * y0) + (2f * y1) - (0.5f * y2);
        float c3 = (0.5f * (y2 - ym1)) + (1.5f * (y0 - y1));
        return (((((c3 * t) + c2) * t) + c1) * t) + y0;
    }

    private static float At(float[] source, int index, bool loop)
    {
        if ((uint)index < (uint)source.Length)
        {
            return source[index];
        }

        if (!loop)
        {
            return 0f;
        }

        index %= source.Length;
        return source[index < 0 ? index + source.Length : index];
    }
}
