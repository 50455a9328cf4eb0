using System.Globalization;
using LiveEngine.Graph;
using LiveEngine.Nodes;

namespace LiveEngine.Live;

/// <summary>
/// The graph that plays while a live change crossfades: the new graph, plus the old instances of replaced and
/// removed nodes kept playing under "~old" ids, an equal-power crossfade from each replaced node's old instance
/// to its new one, a crossfade on each re-wired input, and a fade-out after each removed node where it fed a
/// node that stays. Once the fades are
/// over, the new graph itself is committed; the fades end on gains of exactly 0 and 1, so that swap is silent.
/// Control side only.
/// </summary>
/// <remarks>
/// A node is replaced when its id stays but its type, channel count or options change (it needs a new
/// instance). Old instances keep their old inputs: a source that stays feeds them directly, a source that was
/// replaced or removed feeds them through its own old instance, so an old chain fades out as a whole.
/// Re-wired edges between nodes that stay switch at the commit sample (not crossfaded yet).
/// </remarks>
internal sealed class Transition
{
    private const string OldSuffix = "~old";

    // Working sets kept per thread (a commit's are emptied before it returns).
    [ThreadStatic]
    private static Dictionary<string, NodeSpec>? s_oldById;
    [ThreadStatic]
    private static Dictionary<string, NodeSpec>? s_nextById;
    [ThreadStatic]
    private static HashSet<EdgeSpec>? s_edgesBefore;
    [ThreadStatic]
    private static HashSet<EdgeSpec>? s_edgesAfter;

    private Transition(GraphDescription graph, Dictionary<string, string> previousIds)
    {
        Graph = graph;
        PreviousIds = previousIds;
    }

    /// <summary>The graph to play during the fades.</summary>
    public GraphDescription Graph { get; }

    /// <summary>Ids of the old instances in the transition graph → their ids in the previous graph.</summary>
    public IReadOnlyDictionary<string, string> PreviousIds { get; }

    /// <summary>The transition from <paramref name="before"/> to <paramref name="after"/>, or null when no node needs a fade.</summary>
    public static Transition? Create(GraphDescription before, GraphDescription after, NodeTypeRegistry registry, long startSample, double fadeMs)
    {
        // The most common edit, parameters only, needs no fade: said without building anything.
        if (SameNodesAndEdges(before, after))
        {
            return null;
        }

        // The maps by id are kept per thread and emptied after use: two 1,200-entry maps per commit otherwise.
        Dictionary<string, NodeSpec> old = s_oldById ??= new(StringComparer.Ordinal);
        Dictionary<string, NodeSpec> next = s_nextById ??= new(StringComparer.Ordinal);
        try
        {
            ById(before, old);
            ById(after, next);
            return Create(before, after, registry, startSample, fadeMs, old, next);
        }
        finally
        {
            old.Clear();
            next.Clear();
        }
    }

    private static Transition? Create(GraphDescription before, GraphDescription after, NodeTypeRegistry registry, long startSample, double fadeMs, Dictionary<string, NodeSpec> old, Dictionary<string, NodeSpec> next)
    {
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeSpec node in before.Nodes)
        {
            if (!registry.TryGet(node.Type, out NodeTypeDescriptor? type) || (type.Flags & NodeTypeFlags.GraphOutput) != 0 || type.Outputs.Count == 0)
            {
                continue;
            }

            if (!next.TryGetValue(node.Id, out NodeSpec? successor))
            {
                removed.Add(node.Id);
            }
            else if (NeedsNewInstance(node, successor))
            {
                replaced.Add(node.Id);
            }
        }

        // Inputs of nodes that stay whose set of sources changed: they crossfade from the old sum to the new one.
        var rewired = new List<(string Node, string Port)>();
        HashSet<(string, string)> changedInputs = InputsWithChangedSources(before, after);
        foreach (NodeSpec node in after.Nodes)
        {
            if (!old.TryGetValue(node.Id, out NodeSpec? previous) || NeedsNewInstance(previous, node) || !registry.TryGet(node.Type, out NodeTypeDescriptor? type)
                || (type.Flags & NodeTypeFlags.FeedbackBoundary) != 0)
            {
                continue;
            }

            for (int i = 0; i < type.Inputs.Count; i++)
            {
                PortDescriptor port = type.Inputs[i];
                if (changedInputs.Contains((node.Id, port.Name)))
                {
                    rewired.Add((node.Id, port.Name));
                }
            }
        }

        if (replaced.Count == 0 && removed.Count == 0 && rewired.Count == 0)
        {
            return null;
        }

        // The new graph's nodes and edges themselves, not copies: nothing here changes a node of it, and an edge
        // that moves (to or from a crossfade) is replaced in this list by a new one. A copy of a 1,200-node graph
        // was ~0.66 MB of garbage per commit.
        var graph = new GraphDescription { Nodes = new List<NodeSpec>(after.Nodes.Count + 16), Edges = new List<EdgeSpec>(after.Edges.Count + 16) };
        graph.Nodes.AddRange(after.Nodes);
        graph.Edges.AddRange(after.Edges);
        var previousIds = new Dictionary<string, string>(StringComparer.Ordinal);
        string start = startSample.ToString(CultureInfo.InvariantCulture);
        var fade = new Dictionary<string, double> { ["durationMs"] = fadeMs };

        // The old instances, with their old settings.
        foreach (string id in replaced.Concat(removed))
        {
            NodeSpec spec = old[id];
            NodeSpec ghost = spec.Clone();
            ghost.Id = id + OldSuffix;
            graph.Nodes.Add(ghost);
            previousIds[ghost.Id] = id;
        }

        // Their old inputs.
        foreach (EdgeSpec edge in before.Edges)
        {
            if (!replaced.Contains(edge.To) && !removed.Contains(edge.To))
            {
                continue;
            }

            string from = replaced.Contains(edge.From) || removed.Contains(edge.From) ? edge.From + OldSuffix : edge.From;
            if (next.ContainsKey(from) || previousIds.ContainsKey(from))
            {
                graph.Connect(from, edge.To + OldSuffix, edge.FromPort, edge.ToPort);
            }
        }

        // A re-wired input hears its old sources (old instances where those were replaced or removed) fade into
        // its new ones.
        foreach ((string id, string port) in rewired)
        {
            NodeSpec consumer = next[id];
            NodeTypeDescriptor type = registry.TryGet(consumer.Type, out NodeTypeDescriptor? t) ? t : throw new InvalidOperationException($"Unknown node type '{consumer.Type}'.");
            int channels = type.Inputs[type.FindInput(port)].ResolveChannels(consumer.Channels ?? type.DefaultChannels);
            string crossfade = $"{id}~{port}~xfade";
            var linear = new Dictionary<string, double>(fade) { ["linear"] = 1 };
            graph.Nodes.Add(new NodeSpec(crossfade, CoreNodeTypes.Crossfade, linear, channels) { Options = { ["startSample"] = start } });
            for (int e = 0; e < graph.Edges.Count; e++)
            {
                EdgeSpec edge = graph.Edges[e];
                if (edge.To == id && edge.ToPort == port)
                {
                    graph.Edges[e] = new EdgeSpec(edge.From, crossfade, edge.FromPort, "new");
                }
            }

            foreach ((string from, string fromPort) in Sources(before, id, port))
            {
                string source = replaced.Contains(from) || removed.Contains(from) ? from + OldSuffix : from;
                if (next.ContainsKey(source) || previousIds.ContainsKey(source))
                {
                    graph.Connect(source, crossfade, fromPort, "old");
                }
            }

            graph.Connect(crossfade, id, EdgeSpec.DefaultOutput, port);
        }

        var rewiredInputs = new HashSet<(string, string)>(rewired);

        // A replaced node crossfades from its old instance to its new one where the two have the same output
        // shape; otherwise the old one fades out like a removed node and the new one starts at the commit.
        foreach (string id in replaced)
        {
            if (!SameOutputShape(old[id], next[id], registry, out string port))
            {
                removed.Add(id);
                continue;
            }

            string crossfade = id + "~xfade";
            graph.Nodes.Add(new NodeSpec(crossfade, CoreNodeTypes.Crossfade, fade, Channels(next[id], registry)) { Options = { ["startSample"] = start } });
            for (int e = 0; e < graph.Edges.Count; e++)
            {
                EdgeSpec edge = graph.Edges[e];
                if (edge.From == id && edge.FromPort == port)
                {
                    graph.Edges[e] = new EdgeSpec(crossfade, edge.To, EdgeSpec.DefaultOutput, edge.ToPort);
                }
            }

            graph.Connect(id + OldSuffix, crossfade, port, "old");
            graph.Connect(id, crossfade, port, "new");
        }

        // A removed (or reshaped) node fades out where it fed a node that stays; old instances feed each other directly.
        foreach (string id in removed)
        {
            string? fadeOut = null;
            foreach (EdgeSpec edge in before.Edges.Where(e => e.From == id))
            {
                // An old consumer hears this node's old instance directly, through its own old inputs; a re-wired
                // input hears it through its crossfade.
                if (replaced.Contains(edge.To) || removed.Contains(edge.To) || rewiredInputs.Contains((edge.To, edge.ToPort)))
                {
                    continue;
                }

                if (!next.TryGetValue(edge.To, out NodeSpec? consumer) || !registry.TryGet(consumer.Type, out NodeTypeDescriptor? consumerType) || consumerType.FindInput(edge.ToPort) < 0)
                {
                    continue;
                }

                if (fadeOut is null)
                {
                    fadeOut = id + "~fade";
                    graph.Nodes.Add(new NodeSpec(fadeOut, CoreNodeTypes.Crossfade, fade, Channels(old[id], registry)) { Options = { ["startSample"] = start } });
                    graph.Connect(id + OldSuffix, fadeOut, edge.FromPort, "old");
                }

                graph.Connect(fadeOut, edge.To, EdgeSpec.DefaultOutput, edge.ToPort);
            }
        }

        return new Transition(graph, previousIds);
    }

    /// <summary>Whether the graphs have the same nodes (ids, types, channels, options) and edges, in the same order.</summary>
    private static bool SameNodesAndEdges(GraphDescription before, GraphDescription after)
    {
        if (before.Nodes.Count != after.Nodes.Count || before.Edges.Count != after.Edges.Count)
        {
            return false;
        }

        for (int i = 0; i < before.Nodes.Count; i++)
        {
            if (before.Nodes[i].Id != after.Nodes[i].Id || NeedsNewInstance(before.Nodes[i], after.Nodes[i]))
            {
                return false;
            }
        }

        for (int i = 0; i < before.Edges.Count; i++)
        {
            if (!EdgeEndpoints.Comparer.Equals(before.Edges[i], after.Edges[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static void ById(GraphDescription graph, Dictionary<string, NodeSpec> byId)
    {
        byId.Clear();
        foreach (NodeSpec node in graph.Nodes)
        {
            byId.Add(node.Id, node);
        }
    }

    private static HashSet<(string, string)> Sources(GraphDescription graph, string node, string port) =>
        [.. graph.Edges.Where(e => e.To == node && e.ToPort == port).Select(e => (e.From, e.FromPort))];

    /// <summary>
    /// The inputs (node, port) whose set of sources differs between the graphs: those that an edge of one graph,
    /// missing from the other, points into. Two passes over the edges, instead of a pass per input of every node.
    /// </summary>
    private static HashSet<(string Node, string Port)> InputsWithChangedSources(GraphDescription before, GraphDescription after)
    {
        // Sets of the edges themselves, compared by their four names: a reference per entry, not four.
        HashSet<EdgeSpec> edgesBefore = s_edgesBefore ??= new(EdgeEndpoints.Comparer);
        HashSet<EdgeSpec> edgesAfter = s_edgesAfter ??= new(EdgeEndpoints.Comparer);
        edgesBefore.UnionWith(before.Edges);
        edgesAfter.UnionWith(after.Edges);
        var changed = new HashSet<(string, string)>();
        foreach (EdgeSpec edge in after.Edges)
        {
            if (!edgesBefore.Contains(edge))
            {
                changed.Add((edge.To, edge.ToPort));
            }
        }

        foreach (EdgeSpec edge in before.Edges)
        {
            if (!edgesAfter.Contains(edge))
            {
                changed.Add((edge.To, edge.ToPort));
            }
        }

        edgesBefore.Clear();
        edgesAfter.Clear();
        return changed;
    }

    private static bool NeedsNewInstance(NodeSpec before, NodeSpec after) =>
        before.Type != after.Type || before.Channels != after.Channels || !NodeSpec.SameOptions(before.Options, after.Options);

    private static bool SameOutputShape(NodeSpec before, NodeSpec after, NodeTypeRegistry registry, out string port)
    {
        port = EdgeSpec.DefaultOutput;
        if (!registry.TryGet(before.Type, out NodeTypeDescriptor? oldType) || !registry.TryGet(after.Type, out NodeTypeDescriptor? newType)
            || oldType.Outputs.Count != 1 || newType.Outputs.Count != 1 || oldType.Outputs[0].Name != newType.Outputs[0].Name)
        {
            return false;
        }

        port = oldType.Outputs[0].Name;
        return Channels(before, registry) == Channels(after, registry);
    }

    /// <summary>Channels of the node's (first) output port.</summary>
    private static int Channels(NodeSpec node, NodeTypeRegistry registry)
    {
        NodeTypeDescriptor type = registry.TryGet(node.Type, out NodeTypeDescriptor? t) ? t : throw new InvalidOperationException($"Unknown node type '{node.Type}'.");
        return type.Outputs[0].ResolveChannels(node.Channels ?? type.DefaultChannels);
    }
}
