using LiveEngine.Dsp;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Processors;

/// <summary>Builds "sources → node under test → out" graphs, renders them, and checks block-size invariance.</summary>
internal static class ProcessorHarness
{
    public const int MaxBlockFrames = 512;
    public const string NodeId = "dut";

    /// <summary>One input of the node under test: the port it feeds and the samples (one array per channel).</summary>
    public sealed record Feed(string Port, float[][] Channels);

    public static GraphSnapshot Compile(string type, IReadOnlyDictionary<string, double>? parameters, int sampleRate, int? channels, params Feed[] feeds)
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var graph = new GraphDescription();
        graph.Add(NodeId, type, parameters, channels);
        for (int f = 0; f < feeds.Length; f++)
        {
            float[][] data = feeds[f].Channels;
            string sourceType = $"test.source{f}";
            registry.Register(new NodeTypeDescriptor(
                sourceType,
                "Plays fixed test samples.",
                [],
                [PortDescriptor.PerNode("out")],
                [],
                () => new ArraySourceNode(data),
                defaultChannels: data.Length));
            graph.Add($"source{f}", sourceType);
            graph.Connect($"source{f}", NodeId, toPort: feeds[f].Port);
        }

        NodeTypeDescriptor descriptor = registry.TryGet(type, out NodeTypeDescriptor? found) ? found : throw new ArgumentException(type);
        int outputChannels = descriptor.Outputs[0].ResolveChannels(channels ?? descriptor.DefaultChannels);
        graph.Add("out", CoreNodeTypes.Output, channels: outputChannels);
        graph.Connect(NodeId, "out");
        return GraphCompiler.Compile(graph, registry, new CompileOptions { SampleRate = sampleRate, MaxBlockFrames = MaxBlockFrames });
    }

    /// <summary>Renders the node under test fed by <paramref name="input"/> on its "in" port.</summary>
    public static float[][] Render(string type, IReadOnlyDictionary<string, double>? parameters, float[][] input, int sampleRate, int frames, int? channels = null) =>
        OfflineRender.Render(Compile(type, parameters, sampleRate, channels, new Feed("in", input)), frames, _ => 64);

    public static T NodeUnderTest<T>(GraphSnapshot snapshot)
        where T : AudioNode => (T)snapshot.Nodes[snapshot.IndexOfNode(NodeId)];

    /// <summary>Sets a parameter of the node under test, as the control plane would between blocks.</summary>
    public static void SetParameter(GraphSnapshot snapshot, string name, float value)
    {
        int node = snapshot.IndexOfNode(NodeId);
        snapshot.GetParameters(node)[snapshot.NodeTypes[node].FindParameter(name)] = value;
    }

    /// <summary>
    /// Renders fresh snapshots from <paramref name="compile"/> with blocks of 64, 1, 31, 512 and random sizes
    /// and asserts that every rendering has the bits of the first.
    /// </summary>
    public static void AssertBlockSizeInvariant(Func<GraphSnapshot> compile, int frames)
    {
        float[][] reference = OfflineRender.Render(compile(), frames, _ => 64);
        var random = new Random(20240601);
        Func<int, int>[] splits = [_ => 1, _ => 31, _ => 512, _ => random.Next(1, MaxBlockFrames + 1)];
        foreach (Func<int, int> split in splits)
        {
            float[][] actual = OfflineRender.Render(compile(), frames, split);
            for (int c = 0; c < reference.Length; c++)
            {
                for (int i = 0; i < frames; i++)
                {
                    if (BitConverter.SingleToInt32Bits(reference[c][i]) != BitConverter.SingleToInt32Bits(actual[c][i]))
                    {
                        Assert.Fail($"Channel {c}, frame {i}: {actual[c][i]:R} differs from {reference[c][i]:R} rendered with blocks of 64.");
                    }
                }
            }
        }
    }
}
