using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// A polyphonic sample player for SuperDirt-style events (docs/sync.md, "SuperDirt"). Each change of the <c>trig</c>
/// parameter starts a voice with the values the other parameters have at that sample: <c>sound</c> (N of a sample
/// added to the <see cref="SampleLibrary"/> as "#N", <see cref="SampleLibrary.GetIndexed"/>),
/// <c>speed</c> (negative plays backwards), <c>begin</c>/<c>end</c> (fractions of the sample), <c>gain</c>,
/// <c>pan</c>, <c>cutoff</c>/<c>resonance</c> (a per-voice low-pass; cutoff 0 is none) and <c>lengthSec</c> (0: to
/// the end of the sample). Up to <see cref="MaxVoices"/> voices play at once; a new one takes the oldest's place.
/// </summary>
/// <remarks>
/// A voice's first output frame is the first frame of its sample at the sample its trigger landed on (speed 1,
/// begin 0, the sample at the engine's rate), so onsets are sample-exact. Reads are linear interpolation; the filter
/// is a trapezoidal state-variable low-pass (Zavalishin, "The Art of VA Filter Design", 3.x) with its coefficients
/// fixed per voice; a voice cut by its length fades out over <see cref="FadeFrames"/> frames. A mono sample is panned
/// with an equal-power law; a stereo sample keeps its channels, weighted by the pan. The voices are kept across
/// commits. Sounds are looked up when a voice starts, so samples added later need no new commit.
/// </remarks>
public sealed class DirtNode : AudioNode
{
    public const int MaxVoices = 16;

    public const int FadeFrames = 64;

    internal const int SoundParameter = 0;
    internal const int SpeedParameter = 1;
    internal const int BeginParameter = 2;
    internal const int EndParameter = 3;
    internal const int GainParameter = 4;
    internal const int PanParameter = 5;
    internal const int CutoffParameter = 6;
    internal const int ResonanceParameter = 7;
    internal const int LengthParameter = 8;
    internal const int TrigParameter = 9;

    private readonly SampleLibrary _library;
    private Voice[] _voices = new Voice[MaxVoices];
    private int _sampleRate;
    private float _lastTrig;
    private long _started;

    public DirtNode()
        : this(SampleLibrary.Shared)
    {
    }

    public DirtNode(SampleLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        _library = library;
    }

    /// <summary>Triggers whose sound index names no sample (yet). Read by the control side.</summary>
    public long UnknownSounds { get; private set; }

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _sampleRate = context.SampleRate;
        _lastTrig = context.Parameters.Span[TrigParameter];
        if (previous is DirtNode old)
        {
            _voices = old._voices;
            _lastTrig = old._lastTrig;
            _started = old._started;
            UnknownSounds = old.UnknownSounds;
        }
    }

    public override void Reset()
    {
        Array.Clear(_voices);
    }

    public override void Process(in ProcessContext context)
    {
        ReadOnlySpan<float> parameters = context.Parameters;
        float trig = parameters[TrigParameter];
        if (trig != _lastTrig)
        {
            _lastTrig = trig;
            Start(parameters);
        }

        int channels = context.OutputChannelCount;
        for (int c = 0; c < channels; c++)
        {
            context.Output(c).Clear();
        }

        for (int v = 0; v < _voices.Length; v++)
        {
            if (_voices[v].Sample is not null)
            {
                Render(ref _voices[v], context);
            }
        }
    }

    private void Start(ReadOnlySpan<float> parameters)
    {
        SampleData? sample = _library.GetIndexed((int)parameters[SoundParameter]);
        if (sample is null)
        {
            UnknownSounds++;
            return;
        }

        float[][] data = sample.ChannelData;
        int frames = data[0].Length;
        double speed = parameters[SpeedParameter];
        double begin = Math.Clamp(parameters[BeginParameter], 0f, 1f) * frames;
        double end = Math.Clamp(parameters[EndParameter], 0f, 1f) * frames;
        if (end <= begin || speed == 0)
        {
            return;
        }

        // The oldest voice (or a free one) takes the new sound.
        int slot = 0;
        for (int v = 0; v < _voices.Length; v++)
        {
            if (_voices[v].Sample is null)
            {
                slot = v;
                break;
            }

            if (_voices[v].Order < _voices[slot].Order)
            {
                slot = v;
            }
        }

        double step = speed * sample.SampleRate / _sampleRate;
        double pan = Math.Clamp(parameters[PanParameter], 0f, 1f);
        float gain = Math.Max(0f, parameters[GainParameter]);
        double lengthSec = parameters[LengthParameter];
        ref Voice voice = ref _voices[slot];
        voice = default;
        voice.Sample = data;
        voice.Position = step > 0 ? begin : end - 1;
        voice.Step = step;
        voice.Begin = begin;
        voice.End = end;
        voice.Right = (float)(gain * Math.Sin(pan * Math.PI / 2));
        voice.Left = (float)(gain * Math.Cos(pan * Math.PI / 2));
        voice.Mono = gain;
        voice.FramesLeft = lengthSec > 0 ? (long)Math.Round(lengthSec * _sampleRate) : long.MaxValue;
        voice.Order = ++_started;
        double cutoff = parameters[CutoffParameter];
        if (cutoff > 0 && cutoff < _sampleRate * 0.49)
        {
            voice.Filtered = true;
            voice.G = (float)Math.Tan(Math.PI * cutoff / _sampleRate);
            voice.K = (float)(2 - (1.96 * Math.Clamp(parameters[ResonanceParameter], 0f, 1f)));
        }
    }

    private static void Render(ref Voice voice, in ProcessContext context)
    {
        float[][] data = voice.Sample!;
        int channels = context.OutputChannelCount;
        int frames = context.Frames;
        int last = data[0].Length - 1;
        for (int i = 0; i < frames; i++)
        {
            if (voice.Position < voice.Begin || voice.Position >= voice.End || voice.FramesLeft <= -FadeFrames)
            {
                voice.Sample = null;
                return;
            }

            int index = (int)voice.Position;
            float t = (float)(voice.Position - index);
            float fade = voice.FramesLeft >= 0 ? 1f : (-voice.FramesLeft) >= FadeFrames ? 0f : 1f - ((float)-voice.FramesLeft / FadeFrames);
            float a = Read(data[0], index, t, last);
            float b = data.Length > 1 ? Read(data[1], index, t, last) : a;
            if (voice.Filtered)
            {
                a = Filter(ref voice.S1A, ref voice.S2A, a, voice.G, voice.K);
                b = data.Length > 1 ? Filter(ref voice.S1B, ref voice.S2B, b, voice.G, voice.K) : a;
            }

            if (channels == 1)
            {
                context.Output(0)[i] += (data.Length > 1 ? 0.5f * (a + b) : a) * voice.Mono * fade;
            }
            else
            {
                context.Output(0)[i] += a * voice.Left * fade;
                context.Output(1)[i] += b * voice.Right * fade;
            }

            voice.Position += voice.Step;
            voice.FramesLeft--;
        }
    }

    private static float Read(float[] source, int index, float t, int last)
    {
        float y0 = source[index];
        return t == 0f || index >= last ? y0 : y0 + (t * (source[index + 1] - y0));
    }

    private static float Filter(ref float s1, ref float s2, float x, float g, float k)
    {
        // Trapezoidal SVF, low-pass output.
        float hp = (x - ((g + k) * s1) - s2) / (1 + (g * (g + k)));
        float bp = (g * hp) + s1;
        s1 = (g * hp) + bp;
        float lp = (g * bp) + s2;
        s2 = (g * bp) + lp;
        return lp;
    }

    private struct Voice
    {
        public float[][]? Sample;
        public double Position;
        public double Step;
        public double Begin;
        public double End;
        public float Left;
        public float Right;
        public float Mono;
        public long FramesLeft;
        public long Order;
        public bool Filtered;
        public float G;
        public float K;
        public float S1A;
        public float S2A;
        public float S1B;
        public float S2B;
    }
}
