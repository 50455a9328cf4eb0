using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Dsp.Tests.Sources;

/// <summary>A parameter change at a frame, for renders that script a node's parameters (a gate, a frequency).</summary>
internal readonly record struct ParameterChange(long Frame, string NodeId, string Parameter, float Value);

/// <summary>Renders one source node (or a small chain) into memory through the real compiler and executor.</summary>
internal static class SourceRendering
{
    public static readonly NodeTypeRegistry Registry = BuiltinNodeTypes.CreateRegistry();

    /// <summary>A graph with node "src" of <paramref name="type"/> feeding an "out" node of the same channel count.</summary>
    public static GraphDescription Graph(string type, IReadOnlyDictionary<string, double>? parameters = null, int channels = 1, IReadOnlyDictionary<string, string>? options = null)
    {
        var graph = new GraphDescription();
        graph.Add("src", type, parameters, type is "sampler" or "dirt" ? channels : null);
        if (options is not null)
        {
            foreach (KeyValuePair<string, string> option in options)
            {
                graph.Nodes[0].Options[option.Key] = option.Value;
            }
        }

        graph.Add("out", CoreNodeTypes.Output, channels: channels);
        graph.Connect("src", "out");
        return graph;
    }

    public static GraphSnapshot Compile(GraphDescription graph, int sampleRate = 48_000, int maxBlockFrames = 512, ulong seed = 0x5EED_1E0E_D001UL, GraphSnapshot? previous = null) =>
        GraphCompiler.Compile(graph, Registry, new CompileOptions { SampleRate = sampleRate, MaxBlockFrames = maxBlockFrames, Seed = seed, Previous = previous });

    /// <summary>Renders channel 0 of <paramref name="graph"/> in blocks of <paramref name="blockFrames"/>.</summary>
    public static float[] Render(GraphDescription graph, int sampleRate, int frames, int blockFrames = 512) =>
        OfflineRender.Render(Compile(graph, sampleRate, blockFrames), frames, _ => blockFrames)[0];

    /// <summary>Renders a one-node graph; parameters are given as name/value pairs.</summary>
    public static float[] Render(string type, int sampleRate, int frames, params (string Name, double Value)[] parameters) =>
        Render(Graph(type, ToDictionary(parameters)), sampleRate, frames);

    public static Dictionary<string, double> ToDictionary(params (string Name, double Value)[] parameters)
    {
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((string name, double value) in parameters)
        {
            map[name] = value;
        }

        return map;
    }

    /// <summary>
    /// Renders <paramref name="frames"/> frames with block sizes from <paramref name="blockFrames"/> (clamped to
    /// the snapshot's maximum), applying each change at its exact frame by ending a block there.
    /// </summary>
    public static float[][] RenderScripted(GraphSnapshot snapshot, int frames, Func<int, int> blockFrames, IReadOnlyList<ParameterChange> changes)
    {
        var output = new float[snapshot.OutputChannels][];
        for (int c = 0; c < output.Length; c++)
        {
            output[c] = new float[frames];
        }

        long position = 0;
        int next = 0;
        for (int block = 0; position < frames; block++)
        {
            while (next < changes.Count && changes[next].Frame <= position)
            {
                Set(snapshot, changes[next]);
                next++;
            }

            long limit = next < changes.Count ? changes[next].Frame : frames;
            int size = (int)Math.Min(Math.Clamp(blockFrames(block), 1, snapshot.MaxBlockFrames), Math.Min(limit, frames) - position);
            SingleThreadExecutor.Process(snapshot, size, position);
            for (int c = 0; c < output.Length; c++)
            {
                snapshot.GetOutput(c, size).CopyTo(output[c].AsSpan((int)position, size));
            }

            position += size;
        }

        return output;
    }

    /// <summary>The block-size schedules every node must be indifferent to: 1, odd, power of two, large, random.</summary>
    public static IEnumerable<Func<int, int>> Splits()
    {
        yield return _ => 1;
        yield return _ => 31;
        yield return _ => 64;
        yield return _ => 512;
        var random = new Random(42);
        yield return _ => random.Next(1, 513);
    }

    private static void Set(GraphSnapshot snapshot, ParameterChange change)
    {
        int node = snapshot.IndexOfNode(change.NodeId);
        int parameter = snapshot.NodeTypes[node].FindParameter(change.Parameter);
        Assert.True(parameter >= 0, $"Node '{change.NodeId}' has no parameter '{change.Parameter}'.");
        snapshot.GetParameters(node)[parameter] = change.Value;
    }
}
