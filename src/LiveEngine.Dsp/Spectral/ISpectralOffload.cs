using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// Somewhere else to run the frame work of pipelined spectral nodes (option <c>gpu = on</c>): the GPU placement
/// (<c>LiveEngine.Gpu.GpuConvolutionPlacement</c>), which computes the frames of every placed node of a deferred block in
/// the one accelerator launch it makes after the block. A placed node keeps its frames and its state on the host, so the
/// CPU can always take over with the same result. Control thread.
/// </summary>
public interface ISpectralOffload
{
    /// <summary>Whether <paramref name="node"/> (prepared, pipelined by <paramref name="pipelineFrames"/>) should run here.</summary>
    bool ShouldPlace(SpectralNode node, int pipelineFrames);

    /// <summary>Registers <paramref name="node"/>, whose frames wait in <paramref name="pipeline"/>.</summary>
    IOffloadedSpectralNode Place(SpectralNode node, SpectralFramePipeline pipeline);

    /// <summary>
    /// Makes <paramref name="registry"/>'s spectral nodes (<c>freeze</c>, <c>blur</c>, <c>spectralgate</c>, <c>vocoder</c>)
    /// offer their frames to <paramref name="offload"/> when they carry the option <c>gpu = on</c> (a copy of each type
    /// whose factory hands it to every node). Control thread, before a graph is compiled.
    /// </summary>
    static void Install(NodeTypeRegistry registry, ISpectralOffload offload)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(offload);
        Replace(registry, "freeze", () => new SpectralFreezeNode(offload));
        Replace(registry, "blur", () => new SpectralBlurNode(offload));
        Replace(registry, "spectralgate", () => new SpectralGateNode(offload));
        Replace(registry, "vocoder", () => new VocoderNode(offload));
    }

    private static void Replace(NodeTypeRegistry registry, string name, Func<AudioNode> factory)
    {
        if (!registry.TryGet(name, out NodeTypeDescriptor? type))
        {
            throw new InvalidOperationException($"The registry has no '{name}' node type to place.");
        }

        registry.Register(new NodeTypeDescriptor(type.Name, type.Description, type.Inputs, type.Outputs, type.Parameters, factory, type.CostNsPerFrame, type.Flags, type.DefaultChannels)
        {
            CostModel = type.CostModel,
        });
    }
}
