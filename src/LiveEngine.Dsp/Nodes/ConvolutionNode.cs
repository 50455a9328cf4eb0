using System.Globalization;
using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// "convolution": convolves its input with an impulse response from the sample library (option "ir"), by
/// <see cref="PartitionedConvolver"/>. Parameters mix (0 dry, 1 wet) and level (wet gain), both glided.
/// </summary>
/// <remarks>
/// Channel routing, for a node of n channels and a response of C channels: C = 4 and n = 2 is true stereo, the
/// response's channels being left→left, left→right, right→left, right→right; otherwise channel c is convolved with
/// response channel c mod C (a mono response serves every channel, a stereo one left and right). A response recorded
/// at another rate is resampled to the session's when the node is prepared (<see cref="ImpulseResponseResampler"/>).
/// Options: "ir" (the sample's name), "scheme" ("nonuniform", the default, zero latency; or "uniform"), "partition"
/// (the uniform scheme's partition and latency in frames, a power of two, default 512).
/// </remarks>
public sealed class ConvolutionNode : AudioNode
{
    public const string ImpulseResponseOption = "ir";
    public const string SchemeOption = "scheme";
    public const string PartitionOption = "partition";
    public const int DefaultPartitionFrames = 512;

    /// <summary>
    /// The estimated cost per frame and channel of a 2 s response at 48 kHz, non-uniform: 20.4 µs per 128-frame stereo
    /// block, under load (docs/performance.md, "Convolution"). Other responses scale it by <see cref="PartitionedConvolver.OperationsPerFrame"/>.
    /// </summary>
    public const double ReferenceCostNsPerFrame = 80;

    private const int ReferenceResponseFrames = 96_000;

    private const int MixParameter = 0;
    private const int LevelParameter = 1;

    private readonly SampleLibrary _library;
    private readonly IConvolutionOffload? _offload;
    private PartitionedConvolver? _convolver;
    private ParameterSmoother _mix;
    private ParameterSmoother _level;

    public ConvolutionNode()
        : this(SampleLibrary.Shared)
    {
    }

    /// <param name="library">Where the response named by the option "ir" is found.</param>
    /// <param name="offload">Where the long partitions run (the GPU placement), or null for the CPU alone.</param>
    public ConvolutionNode(SampleLibrary library, IConvolutionOffload? offload = null)
    {
        ArgumentNullException.ThrowIfNull(library);
        _library = library;
        _offload = offload;
    }

    /// <summary>The convolver built by <see cref="Prepare"/>.</summary>
    public PartitionedConvolver Convolver => _convolver ?? throw new InvalidOperationException("The node is not prepared.");

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        if (!context.Options.TryGetValue(ImpulseResponseOption, out string? name))
        {
            throw new ArgumentException($"A convolution needs the option '{ImpulseResponseOption}' naming its impulse response in the sample library (known samples: {string.Join(", ", _library.Names)}).");
        }

        SampleData sample = _library.Get(name);
        ConvolutionScheme scheme = ConvolutionScheme.NonUniform;
        if (context.Options.TryGetValue(SchemeOption, out string? schemeName))
        {
            scheme = schemeName switch
            {
                "nonuniform" => ConvolutionScheme.NonUniform,
                "uniform" => ConvolutionScheme.Uniform,
                _ => throw new ArgumentException($"convolution: scheme '{schemeName}' is not one of 'nonuniform', 'uniform'."),
            };
        }

        int partition = DefaultPartitionFrames;
        if (context.Options.TryGetValue(PartitionOption, out string? partitionText)
            && (!int.TryParse(partitionText, NumberStyles.None, CultureInfo.InvariantCulture, out partition) || partition < 8 || partition > 65_536 || (partition & (partition - 1)) != 0))
        {
            throw new ArgumentException($"convolution: partition '{partitionText}' is not a power of two from 8 to 65536 frames.");
        }

        var responses = new float[sample.ChannelData.Length][];
        for (int c = 0; c < responses.Length; c++)
        {
            responses[c] = ImpulseResponseResampler.Resample(sample.ChannelData[c], sample.SampleRate, context.SampleRate);
        }

        _convolver = new PartitionedConvolver(responses, Routing(context.Channels, responses.Length), context.Channels, context.Channels, context.MaxBlockFrames, scheme, partition);
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _mix = ProcessorSmoothing.Create(parameters[MixParameter], context.SampleRate);
        _level = ProcessorSmoothing.Create(parameters[LevelParameter], context.SampleRate);
        if (_offload is not null)
        {
            _convolver.PlaceOn(_offload);
        }

        if (previous is ConvolutionNode old && old._convolver is not null)
        {
            // The replaced node plays on until the swap, on the CPU alone: the same output, and its places go to this one.
            old._convolver.ReleasePlacement();
            // The tail rings on through the edit when the shape is the same (a new response of the same shape included).
            _convolver.TryAdoptState(old._convolver);
            _mix = ProcessorSmoothing.Continue(old._mix, parameters[MixParameter], context.SampleRate);
            _level = ProcessorSmoothing.Continue(old._level, parameters[LevelParameter], context.SampleRate);
        }
    }

    /// <summary>
    /// The node type's cost model: <see cref="ReferenceCostNsPerFrame"/> scaled by the arithmetic of this node's response
    /// (its length in the shared sample library, at its own rate), scheme and partition, and by the paths per channel
    /// (two for true stereo). Unknown response or options: the reference cost.
    /// </summary>
    public static double EstimateCostNsPerFrame(IReadOnlyDictionary<string, string> options, int channels)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.TryGetValue(ImpulseResponseOption, out string? name) || !SampleLibrary.Shared.TryGet(name, out SampleData? sample) || sample.Frames <= 0)
        {
            return ReferenceCostNsPerFrame;
        }

        ConvolutionScheme scheme = options.TryGetValue(SchemeOption, out string? schemeName) && schemeName == "uniform" ? ConvolutionScheme.Uniform : ConvolutionScheme.NonUniform;
        int partition = DefaultPartitionFrames;
        if (options.TryGetValue(PartitionOption, out string? partitionText)
            && (!int.TryParse(partitionText, NumberStyles.None, CultureInfo.InvariantCulture, out partition) || partition < 8 || partition > 65_536 || (partition & (partition - 1)) != 0))
        {
            return ReferenceCostNsPerFrame;
        }

        double pathsPerChannel = sample.ChannelData.Length == 4 && channels == 2 ? 2 : 1;
        double ratio = PartitionedConvolver.OperationsPerFrame(sample.Frames, scheme, partition) / PartitionedConvolver.OperationsPerFrame(ReferenceResponseFrames);
        return ReferenceCostNsPerFrame * ratio * pathsPerChannel;
    }

    /// <summary>The paths for <paramref name="channels"/> channels and a response of <paramref name="responseChannels"/> channels (see the remarks).</summary>
    public static ConvolutionPath[] Routing(int channels, int responseChannels)
    {
        if (responseChannels == 4 && channels == 2)
        {
            return [new(0, 0, 0), new(0, 1, 1), new(1, 2, 0), new(1, 3, 1)];
        }

        var paths = new ConvolutionPath[channels];
        for (int c = 0; c < channels; c++)
        {
            paths[c] = new ConvolutionPath(c, c % responseChannels, c);
        }

        return paths;
    }

    public override void Reset()
    {
        _convolver?.Reset();
        _mix.Snap();
        _level.Snap();
    }

    public override void Process(in ProcessContext context)
    {
        PartitionedConvolver? convolver = _convolver;
        int frames = context.Frames;
        if (convolver is null)
        {
            for (int c = 0; c < context.OutputChannelCount; c++)
            {
                context.Output(c).Clear();
            }

            return;
        }

        int channels = Math.Min(context.InputChannelCount, context.OutputChannelCount);
        for (int c = 0; c < channels; c++)
        {
            context.Input(c).CopyTo(convolver.Input(c));
        }

        convolver.Process(frames);
        ReadOnlySpan<float> parameters = context.Parameters;
        _mix.Target = Math.Clamp(parameters[MixParameter], 0f, 1f);
        _level.Target = parameters[LevelParameter];

        // Every channel runs the glides from the same state, so all channels hear the same ramp.
        ParameterSmoother mixStart = _mix;
        ParameterSmoother levelStart = _level;
        for (int c = 0; c < channels; c++)
        {
            _mix = mixStart;
            _level = levelStart;
            ReadOnlySpan<float> dry = context.Input(c);
            ReadOnlySpan<float> wet = convolver.Output(c);
            Span<float> output = context.Output(c);
            for (int i = 0; i < frames; i++)
            {
                float mix = ParameterRamp.Next(ref _mix);
                float level = ParameterRamp.Next(ref _level);
                output[i] = (dry[i] * (1f - mix)) + (wet[i] * level * mix);
            }
        }

        for (int c = channels; c < context.OutputChannelCount; c++)
        {
            context.Output(c).Clear();
        }
    }
}
