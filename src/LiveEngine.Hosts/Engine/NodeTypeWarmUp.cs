using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Runs every node type of a registry for a while in a throwaway session, off the audio thread, before the engine
/// process starts its driver. A driver's warm-up compiles the render path of the graph playing then; a node type
/// that first arrives with a later commit would otherwise pay its JIT compilation (measured: ~5 ms) inside a
/// real-time callback.
/// </summary>
public static class NodeTypeWarmUp
{
    /// <summary>Renders <paramref name="blocks"/> blocks of each type (fed by a sine where it has an input "in"); returns the types warmed.</summary>
    public static int Run(NodeTypeRegistry registry, int sampleRate, int maxBlockFrames, int blocks = 64)
    {
        ArgumentNullException.ThrowIfNull(registry);
        int warmed = 0;
        foreach (NodeTypeDescriptor type in registry.Types)
        {
            if (type.Name == "out")
            {
                continue;
            }

            LiveSession? session = TryBuild(registry, type, sampleRate, maxBlockFrames, fed: true) ?? TryBuild(registry, type, sampleRate, maxBlockFrames, fed: false);
            if (session is null)
            {
                continue;
            }

            for (int b = 0; b < blocks; b++)
            {
                session.Renderer.Render(maxBlockFrames);
            }

            warmed++;
        }

        return warmed;
    }

    private static LiveSession? TryBuild(NodeTypeRegistry registry, NodeTypeDescriptor type, int sampleRate, int maxBlockFrames, bool fed)
    {
        var graph = new GraphDescription();
        graph.Add("node", type.Name);
        graph.Add("out", "out");
        if (fed && type.FindInput("in") >= 0)
        {
            graph.Add("source", "sine");
            graph.Connect("source", "node");
        }

        try
        {
            return new LiveSession(registry, graph, new LiveSessionOptions { SampleRate = sampleRate, MaxBlockFrames = maxBlockFrames });
        }
        catch (Exception e) when (e is GraphValidationException or ArgumentException or InvalidOperationException)
        {
            // A type that needs more than this (a sampler needs a sample): warmed when first committed instead.
            return null;
        }
    }
}
