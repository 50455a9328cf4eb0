namespace LiveEngine.Nodes;

/// <summary>The structural node types that graph compilation itself relies on.</summary>
public static class CoreNodeTypes
{
    /// <summary>Type name of the graph output.</summary>
    public const string Output = "out";

    /// <summary>Type name of the feedback delay, the only edge allowed to close a cycle.</summary>
    public const string Feedback = "feedback";

    /// <summary>Type name of the equal-power crossfade that live changes insert around replaced and removed nodes.</summary>
    public const string Crossfade = "xfade";

    public static void Register(NodeTypeRegistry registry)
    {
        registry.Register(new NodeTypeDescriptor(
            Output,
            "The graph's output: what a host plays or writes. Stereo unless the node names another channel count.",
            [PortDescriptor.PerNode("in")],
            [],
            [],
            static () => new OutputNode(),
            costNsPerFrame: 0,
            flags: NodeTypeFlags.GraphOutput,
            defaultChannels: 2));
        registry.Register(new NodeTypeDescriptor(
            Feedback,
            "Delays its input by delayMs, but never less than one block, so that its output may feed back into its own input's sources.",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [new ParameterDescriptor("delayMs", 0, 10_000, 0, "ms", "Delay; read when the node is prepared. At least the maximum block size.")],
            static () => new FeedbackNode(),
            costNsPerFrame: 0.5,
            flags: NodeTypeFlags.FeedbackBoundary));
        registry.Register(new NodeTypeDescriptor(
            Crossfade,
            "Equal-power crossfade from 'old' to 'new' over durationMs from the stream sample in option startSample; exactly 'old' before, exactly 'new' after. Inserted by live changes.",
            [PortDescriptor.PerNode("old"), PortDescriptor.PerNode("new")],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("durationMs", 0.1f, 10_000, 20, "ms", "Length of the fade."),
                new ParameterDescriptor("linear", 0, 1, 0, "", "1: linear gains (for sides that share sources); 0: equal power."),
            ],
            static () => new CrossfadeNode(),
            costNsPerFrame: 2));
    }

    /// <summary>The graph output has no job: hosts read the buffers feeding its input.</summary>
    private sealed class OutputNode : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
        }
    }
}
