using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// A node that works on STFT frames (<see cref="ShortTimeFourierTransform"/>): n channels in ("in"), n out, plus
/// <see cref="SideChannels"/> analysed side-chain channels after them (the vocoder's modulator). Subclasses size their
/// state in <see cref="PrepareFrames"/> and change spectra in <see cref="ProcessFrame"/>, on the audio path.
/// Latency: <see cref="FrameFrames"/> frames; with the option <c>gpu = on</c>, <see cref="PipelineFrames"/> more.
/// </summary>
/// <remarks>
/// The option <c>gpu = on</c> pipelines the node: each frame is overlap-added <see cref="PipelineFrames"/> after its hop
/// (<see cref="SpectralFramePipeline"/>), on the CPU as on the GPU, which gives the GPU placement a deferred block to
/// compute it in (docs/convolution.md, "Spectral nodes on the GPU placement"). Without the option the node never leaves
/// the CPU and sounds as it always did.
/// </remarks>
public abstract class SpectralNode : AudioNode, IStftFrameProcessor
{
    /// <summary>2048 frames (43 ms at 48 kHz): 23 Hz bins, hop 512.</summary>
    public const int FrameFrames = 2_048;

    /// <summary>The option that pipelines the node so that the GPU placement may compute its frames: "on" or "off" (the default).</summary>
    public const string GpuOption = "gpu";

    /// <summary>The pipeline delay of a node with <c>gpu = on</c>: 1,024 frames (21 ms at 48 kHz), the default deferred block.</summary>
    public const int PipelineFrames = 1_024;

    private readonly ISpectralOffload? _offload;
    private ShortTimeFourierTransform? _stft;
    private SpectralFramePipeline? _pipeline;
    private float[] _parameters = [];
    private float[] _blockParameters = [];

    /// <param name="offload">Where a pipelined node's frames may run (the GPU placement), or null for the CPU alone.</param>
    protected SpectralNode(ISpectralOffload? offload = null)
    {
        _offload = offload;
    }

    /// <summary>The STFT built by <see cref="Prepare"/>.</summary>
    public ShortTimeFourierTransform Stft => _stft ?? throw new InvalidOperationException("The node is not prepared.");

    /// <summary>The frames of a node with <c>gpu = on</c>, or null.</summary>
    public SpectralFramePipeline? Pipeline => _pipeline;

    /// <summary>Whether the node's frames may run on the GPU placement (it accepted the node).</summary>
    public bool Placed => _pipeline?.Offloaded is not null;

    /// <summary>The parameter values of the block being processed (what a queued frame keeps).</summary>
    internal ReadOnlySpan<float> BlockParameters => _blockParameters;

    /// <summary>Side-chain channels analysed after the node's own inputs.</summary>
    protected virtual int SideChannels => 0;

    /// <summary>The parameter values of the block being processed (read them in <see cref="ProcessFrame"/>).</summary>
    protected ReadOnlySpan<float> Parameters => _parameters;

    protected internal int SampleRate { get; private set; }

    public sealed override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        bool pipelined = false;
        if (context.Options.TryGetValue(GpuOption, out string? gpu))
        {
            pipelined = gpu switch
            {
                "on" or "true" or "1" => true,
                "off" or "false" or "0" => false,
                _ => throw new ArgumentException($"{GetType().Name}: option '{GpuOption}' must be 'on' (pipelined by {PipelineFrames} frames, so that the GPU placement may compute its frames) or 'off', not '{gpu}'."),
            };
        }

        SampleRate = context.SampleRate;
        _stft = new ShortTimeFourierTransform(FrameFrames, context.Channels + SideChannels, context.Channels, context.MaxBlockFrames, pipelined ? PipelineFrames : 0);
        _parameters = context.Parameters.ToArray();
        _blockParameters = context.Parameters.ToArray();
        PrepareFrames(_stft, context.Channels);
        if (previous is SpectralNode old)
        {
            // The replaced node plays on until the swap, on the CPU alone: its place goes to this one.
            old._pipeline?.Release();
        }

        if (pipelined)
        {
            _pipeline = new SpectralFramePipeline(this, _stft, _parameters.Length);
            if (_offload is not null && _offload.ShouldPlace(this, PipelineFrames))
            {
                _pipeline.Offloaded = _offload.Place(this, _pipeline);
            }
        }
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

        if (_pipeline is { } pipeline)
        {
            context.Parameters.CopyTo(_blockParameters);

            // In pieces of at most the pipeline delay: a frame analysed in a piece is never due in it.
            for (int offset = 0; offset < context.Frames; offset += PipelineFrames)
            {
                int frames = Math.Min(PipelineFrames, context.Frames - offset);
                pipeline.FinishDue(stft.Time + frames);
                stft.Process(offset, frames, pipeline);
            }
        }
        else
        {
            stft.Process(context.Frames, this);
        }

        for (int c = 0; c < context.OutputChannelCount; c++)
        {
            stft.Output(c)[..context.Frames].CopyTo(context.Output(c));
        }
    }

    public override void Reset()
    {
        _stft?.Reset();
        _pipeline?.Reset();
        ResetFrames();
    }

    public abstract void ProcessFrame(ShortTimeFourierTransform stft);

    /// <summary>Sizes the subclass's per-channel state for <paramref name="channels"/> channels of <see cref="ShortTimeFourierTransform.Bins"/> bins.</summary>
    protected abstract void PrepareFrames(ShortTimeFourierTransform stft, int channels);

    protected virtual void ResetFrames()
    {
    }

    /// <summary>Clears the frame state (after the GPU placement timed the node's frame work on scratch spectra). Control thread.</summary>
    protected internal virtual void ClearFrameState()
    {
    }

    /// <summary>The pipeline, before it runs a queued frame on the CPU: the parameters that frame was analysed with.</summary>
    internal void SetFrameParameters(ReadOnlySpan<float> parameters) => parameters.CopyTo(_parameters);

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
