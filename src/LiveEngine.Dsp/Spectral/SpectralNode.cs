using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// A node that works on STFT frames (<see cref="ShortTimeFourierTransform"/>): n channels in ("in"), n out, plus
/// <see cref="SideChannels"/> analysed side-chain channels after them (the vocoder's modulator). Subclasses size their
/// state in <see cref="PrepareFrames"/> and change spectra in <see cref="ProcessFrame"/>, on the audio path.
/// Latency: <see cref="FrameFrames"/> frames.
/// </summary>
public abstract class SpectralNode : AudioNode, IStftFrameProcessor
{
    /// <summary>2048 frames (43 ms at 48 kHz): 23 Hz bins, hop 512.</summary>
    public const int FrameFrames = 2_048;

    private ShortTimeFourierTransform? _stft;
    private float[] _parameters = [];

    /// <summary>The STFT built by <see cref="Prepare"/>.</summary>
    public ShortTimeFourierTransform Stft => _stft ?? throw new InvalidOperationException("The node is not prepared.");

    /// <summary>Side-chain channels analysed after the node's own inputs.</summary>
    protected virtual int SideChannels => 0;

    /// <summary>The parameter values of the block being processed (read them in <see cref="ProcessFrame"/>).</summary>
    protected ReadOnlySpan<float> Parameters => _parameters;

    protected int SampleRate { get; private set; }

    public sealed override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        SampleRate = context.SampleRate;
        _stft = new ShortTimeFourierTransform(FrameFrames, context.Channels + SideChannels, context.Channels, context.MaxBlockFrames);
        _parameters = context.Parameters.ToArray();
        PrepareFrames(_stft, context.Channels);
    }

    public sealed override void Process(in ProcessContext context)
    {
        ShortTimeFourierTransform? stft = _stft;
        if (stft is null)
        {
            for (int c = 0; c < context.OutputChannelCount; c++)
            {
                context.Output(c).Clear();
            }

            return;
        }

        context.Parameters.CopyTo(_parameters);
        int analysed = stft.AnalysisRe.Length;
        for (int c = 0; c < analysed && c < context.InputChannelCount; c++)
        {
            context.Input(c).CopyTo(stft.Input(c));
        }

        stft.Process(context.Frames, this);
        for (int c = 0; c < context.OutputChannelCount; c++)
        {
            stft.Output(c)[..context.Frames].CopyTo(context.Output(c));
        }
    }

    public override void Reset()
    {
        _stft?.Reset();
        ResetFrames();
    }

    public abstract void ProcessFrame(ShortTimeFourierTransform stft);

    /// <summary>Sizes the subclass's per-channel state for <paramref name="channels"/> channels of <see cref="ShortTimeFourierTransform.Bins"/> bins.</summary>
    protected abstract void PrepareFrames(ShortTimeFourierTransform stft, int channels);

    protected virtual void ResetFrames()
    {
    }

    protected static float[][] Arrays(int count, int length)
    {
        var arrays = new float[count][];
        for (int i = 0; i < count; i++)
        {
            arrays[i] = new float[length];
        }

        return arrays;
    }
}
