using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Convolution;

/// <summary>
/// Somewhere else to run the spectral multiply-accumulate of a convolution's long partitions: the GPU placement
/// (<c>LiveEngine.Gpu.GpuConvolutionPlacement</c>), which batches every placed level of a deferred block into one
/// accelerator launch. A placed level keeps all its data on the host, so the CPU can always take over with the same result.
/// </summary>
/// <remarks>
/// A level is placed only when its output is due a whole period after its input (not an immediate level) and the
/// offload accepts its shape (<see cref="ShouldPlace"/>: partition size and measured cost). Control thread.
/// </remarks>
public interface IConvolutionOffload
{
    /// <summary>Whether a level of <paramref name="paths"/> paths, <paramref name="partitions"/> partitions of <paramref name="partitionFrames"/> frames should run here.</summary>
    bool ShouldPlace(int partitionFrames, int partitions, int paths);

    /// <summary>
    /// Registers a level. The arrays are the level's own and stay its own: <paramref name="delayLineRe"/>/<paramref name="delayLineIm"/>
    /// per input (partitions × bins, slot-major), <paramref name="responseRe"/>/<paramref name="responseIm"/> per path.
    /// </summary>
    IOffloadedConvolutionLevel Place(float[][] delayLineRe, float[][] delayLineIm, float[][] responseRe, float[][] responseIm, ConvolutionPath[] paths, int partitions, int bins);

    /// <summary>
    /// Makes <paramref name="registry"/>'s <c>convolution</c> nodes place their long partitions on <paramref name="offload"/>
    /// (a copy of the type whose factory hands it to every node). Control thread, before a graph is compiled.
    /// </summary>
    static void Install(NodeTypeRegistry registry, IConvolutionOffload offload)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(offload);
        if (!registry.TryGet("convolution", out NodeTypeDescriptor? type))
        {
            throw new InvalidOperationException("The registry has no 'convolution' node type to place.");
        }

        registry.Register(new NodeTypeDescriptor(type.Name, type.Description, type.Inputs, type.Outputs, type.Parameters, () => new Nodes.ConvolutionNode(Nodes.SampleLibrary.Shared, offload), type.CostNsPerFrame, type.Flags, type.DefaultChannels)
        {
            CostModel = type.CostModel,
        });
    }
}
