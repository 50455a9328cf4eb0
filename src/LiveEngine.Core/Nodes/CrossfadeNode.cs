using System.Globalization;

namespace LiveEngine.Nodes;

/// <summary>
/// An equal-power crossfade from input "old" to input "new" over <c>durationMs</c>, starting at the stream sample
/// given by the option <c>startSample</c> (a live change's crossfades are told theirs by <see cref="StartAt"/>
/// instead, so that their graph is the same at every commit of the same edit): before it the output is exactly "old", after it exactly "new" (gains
/// of exactly 1 and 0, so a later graph without the crossfade continues bit for bit). With nothing on "new" it
/// is a fade-out. Equal power (cos/sin) for two different signals; linear (1 − x, x) when the two sides share
/// sources, as on a re-wired input, where equal power would lift what both sides have in common by up to 3 dB.
/// Inserted by live changes; position-based, so independent of block size.
/// </summary>
public sealed class CrossfadeNode : AudioNode
{
    private long _start;
    private int _length;
    private bool _linear;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _start = context.Options.TryGetValue("startSample", out string? text) ? long.Parse(text, CultureInfo.InvariantCulture) : 0;
        _length = Math.Max(1, (int)Math.Round(context.Parameters.Span[0] * context.SampleRate / 1000.0));
        _linear = context.Parameters.Span[1] >= 0.5f;
    }

    /// <summary>
    /// Sets the stream sample the fade starts at. Control thread, after <see cref="Prepare"/> and before the snapshot
    /// that holds this instance is queued: a crossfade instance is never carried into another snapshot (see
    /// <c>GraphCompiler</c>), so the audio side has not seen it yet.
    /// </summary>
    internal void StartAt(long sample) => _start = sample;

    /// <summary>The stream sample the fade starts at.</summary>
    internal long StartSample => _start;

    public override void Process(in ProcessContext context)
    {
        int channels = context.OutputChannelCount;
        int frames = context.Frames;
        long first = context.SampleTime - _start;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> old = context.Input(c);
            ReadOnlySpan<float> next = context.Input(channels + c);
            Span<float> output = context.Output(c);
            if (first >= _length)
            {
                next.CopyTo(output);
                continue;
            }

            if (first + frames <= 0)
            {
                old.CopyTo(output);
                continue;
            }

            for (int i = 0; i < frames; i++)
            {
                long t = first + i;
                if (t <= 0)
                {
                    output[i] = old[i];
                }
                else if (t >= _length)
                {
                    output[i] = next[i];
                }
                else if (_linear)
                {
                    double x = t / (double)_length;
                    output[i] = (float)((old[i] * (1 - x)) + (next[i] * x));
                }
                else
                {
                    // Equal power: cos² + sin² = 1, so uncorrelated signals keep their loudness through the fade.
                    double phase = t * (Math.PI / 2) / _length;
                    output[i] = (float)((old[i] * Math.Cos(phase)) + (next[i] * Math.Sin(phase)));
                }
            }
        }
    }
}
