using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

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
    private static Dictionary<string, int>? s_nextIndex;
    [ThreadStatic]
    private static HashSet<EdgeSpec>? s_edgesBefore;
    [ThreadStatic]
    private static HashSet<EdgeSpec>? s_edgesAfter;
    [ThreadStatic]
    private static GraphDescription? s_graph;

    private Transition(GraphDescription graph, Dictionary<string, string> previousIds, List<string> crossfades, bool crossfadesInputsOnly)
    {
        Graph = graph;
        PreviousIds = previousIds;
        Crossfades = crossfades;
        CrossfadesInputsOnly = crossfadesInputsOnly;
    }

    /// <summary>The graph to play during the fades: to be compiled at once, as the next transition made on this thread refills it.</summary>
    public GraphDescription Graph { get; }

    /// <summary>Ids of the old instances in the transition graph → their ids in the previous graph.</summary>
    public IReadOnlyDictionary<string, string> PreviousIds { get; }

    /// <summary>
    /// Ids of the crossfade nodes in <see cref="Graph"/>. Their start sample is not in the graph (an option that
    /// changed at every commit made every transition graph's node table new): the session sets it on the compiled
    /// instances (<see cref="CrossfadeNode.StartAt"/>) before the snapshot is queued.
    /// </summary>
    public IReadOnlyList<string> Crossfades { get; }

    /// <summary>
    /// Whether every fade is on a re-wired input (no replaced node crossfades, no removed node fades out on its own): then
    /// the graph itself is the transition graph less its old instances, the old sides' mixes and the crossfades, with each
    /// crossfaded input reading the crossfade's "new" side (the same mix of the same sources) directly. Every job of the
    /// graph is a job of the transition graph at the same cost, and every path through the graph's jobs is one through the
    /// transition graph's with a crossfade more, so the transition graph's predicted block time bounds the graph's.
    /// </summary>
    public bool CrossfadesInputsOnly { get; }

    /// <summary>The transition from <paramref name="before"/> to <paramref name="after"/>, or null when no node needs a fade.</summary>
    /// <remarks>
    /// <paramref name="beforeValidated"/> and <paramref name="afterValidated"/>, where given, are the validations of the two
    /// graphs (a live session has both at a commit): an edge is then compared with the edges the graphs share by the
    /// node and port numbers they resolved to before its names are read (see <see cref="InputsWithChangedSources"/>).
    /// Each is used only if it validated that very edge list.
    /// </remarks>
    public static Transition? Create(GraphDescription before, GraphDescription after, NodeTypeRegistry registry, double fadeMs, GraphCompiler.ValidatedGraph? beforeValidated = null, GraphCompiler.ValidatedGraph? afterValidated = null)
    {
        // The most common edit, parameters only, needs no fade: said without building anything.
        if (SameNodesAndEdges(before, after))
        {
            return null;
        }

        // The new graph's index by id, kept per thread and emptied after use, holds only the nodes outside the ends the
        // two graphs share unless many look-ups need the rest: an edit keeps most nodes where they were, so the graphs
        // are matched by position first (see Aligned).
        Dictionary<string, int> next = s_nextIndex ??= new(StringComparer.Ordinal);
        try
        {
            return Create(before, after, registry, fadeMs, new Aligned(before, after), ResolvedEdgesOf(before, beforeValidated), ResolvedEdgesOf(after, afterValidated));
        }
        finally
        {
            next.Clear();
        }
    }

    /// <summary>The resolved edges of <paramref name="validated"/> if it validated <paramref name="graph"/>'s very edge list (edge e resolved to entry e), else null.</summary>
    private static List<GraphCompiler.ResolvedEdge>? ResolvedEdgesOf(GraphDescription graph, GraphCompiler.ValidatedGraph? validated) =>
        validated?.Description is { } described && ReferenceEquals(described.Edges, graph.Edges) && validated.Edges.Count == graph.Edges.Count ? validated.Edges : null;

    private static Transition? Create(GraphDescription before, GraphDescription after, NodeTypeRegistry registry, double fadeMs, Aligned aligned, List<GraphCompiler.ResolvedEdge>? resolvedBefore, List<GraphCompiler.ResolvedEdge>? resolvedAfter)
    {
        // The old nodes that need a ghost, by id, in the old graph's order (the sets iterate in insertion order).
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        var old = new Dictionary<string, NodeSpec>(StringComparer.Ordinal);
        for (int i = 0; i < before.Nodes.Count; i++)
        {
            NodeSpec node = before.Nodes[i];
            NodeSpec? successor = aligned.After(i);

            // Most nodes stay as they were: decided without the registry.
            if (successor is not null && !NeedsNewInstance(node, successor))
            {
                continue;
            }

            if (!registry.TryGet(node.Type, out NodeTypeDescriptor? type) || (type.Flags & NodeTypeFlags.GraphOutput) != 0 || type.Outputs.Count == 0)
            {
                continue;
            }

            if (successor is null)
            {
                removed.Add(node.Id);
            }
            else
            {
                replaced.Add(node.Id);
            }

            old[node.Id] = node;
        }

        // Inputs of nodes that stay whose set of sources changed: they crossfade from the old sum to the new one. Only
        // the nodes those inputs belong to are looked at, in the new graph's order, each input in its type's port order.
        var rewired = new List<(string Node, string Port)>();
        HashSet<(string, string)> changedInputs = InputsWithChangedSources(before, after, resolvedBefore, resolvedAfter);
        if (changedInputs.Count > 0)
        {
            var consumers = new List<int>();
            foreach ((string id, _) in changedInputs)
            {
                if (aligned.TryIndexOf(id, out int index) && !consumers.Contains(index))
                {
                    consumers.Add(index);
                }
            }

            consumers.Sort();
            foreach (int index in consumers)
            {
                NodeSpec node = after.Nodes[index];
                if (aligned.Before(index) is not { } previous || NeedsNewInstance(previous, node) || !registry.TryGet(node.Type, out NodeTypeDescriptor? type)
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
        }

        if (replaced.Count == 0 && removed.Count == 0 && rewired.Count == 0)
        {
            return null;
        }

        // The new graph's nodes and edges themselves, not copies: nothing here changes a node of it, and an edge
        // that moves (to or from a crossfade) is replaced in this list by a new one. A copy of a 1,200-node graph
        // was ~0.66 MB of garbage per commit. The description is read only by the compile that follows (a snapshot
        // keeps none of it), so its two lists are this thread's, refilled at every transition: ~21 KB per voice edit
        // otherwise.
        GraphDescription graph = s_graph ??= new GraphDescription();
        graph.Nodes.Clear();
        graph.Edges.Clear();
        graph.Nodes.AddRange(after.Nodes);
        graph.Edges.AddRange(after.Edges);
        var previousIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var crossfades = new List<string>();
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
        foreach (EdgeSpec edge in old.Count == 0 ? [] : before.Edges)
        {
            if (!old.ContainsKey(edge.To))
            {
                continue;
            }

            string from = replaced.Contains(edge.From) || removed.Contains(edge.From) ? edge.From + OldSuffix : edge.From;
            if (previousIds.ContainsKey(from) || aligned.TryIndexOf(from, out _))
            {
                graph.Connect(from, edge.To + OldSuffix, edge.FromPort, edge.ToPort);
            }
        }

        // A re-wired input hears its old sources (old instances where those were replaced or removed) fade into
        // its new ones.
        foreach ((string id, string port) in rewired)
        {
            NodeSpec consumer = after.Nodes[aligned.IndexOf(id)];
            NodeTypeDescriptor type = registry.TryGet(consumer.Type, out NodeTypeDescriptor? t) ? t : throw new InvalidOperationException($"Unknown node type '{consumer.Type}'.");
            int channels = type.Inputs[type.FindInput(port)].ResolveChannels(consumer.Channels ?? type.DefaultChannels);
            string crossfade = $"{id}~{port}~xfade";
            var linear = new Dictionary<string, double>(fade) { ["linear"] = 1 };
            graph.Nodes.Add(new NodeSpec(crossfade, CoreNodeTypes.Crossfade, linear, channels));
            crossfades.Add(crossfade);
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
                if (previousIds.ContainsKey(source) || aligned.TryIndexOf(source, out _))
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
            NodeSpec successor = after.Nodes[aligned.IndexOf(id)];
            if (!SameOutputShape(old[id], successor, registry, out string port))
            {
                removed.Add(id);
                continue;
            }

            string crossfade = id + "~xfade";
            graph.Nodes.Add(new NodeSpec(crossfade, CoreNodeTypes.Crossfade, fade, Channels(successor, registry)));
            crossfades.Add(crossfade);
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
            foreach (EdgeSpec edge in before.Edges)
            {
                if (!string.Equals(edge.From, id, StringComparison.Ordinal))
                {
                    continue;
                }

                // An old consumer hears this node's old instance directly, through its own old inputs; a re-wired
                // input hears it through its crossfade.
                if (replaced.Contains(edge.To) || removed.Contains(edge.To) || rewiredInputs.Contains((edge.To, edge.ToPort)))
                {
                    continue;
                }

                if (!aligned.TryIndexOf(edge.To, out int consumerIndex) || after.Nodes[consumerIndex] is not { } consumer || !registry.TryGet(consumer.Type, out NodeTypeDescriptor? consumerType) || consumerType.FindInput(edge.ToPort) < 0)
                {
                    continue;
                }

                if (fadeOut is null)
                {
                    fadeOut = id + "~fade";
                    graph.Nodes.Add(new NodeSpec(fadeOut, CoreNodeTypes.Crossfade, fade, Channels(old[id], registry)));
                    crossfades.Add(fadeOut);
                    graph.Connect(id + OldSuffix, fadeOut, edge.FromPort, "old");
                }

                graph.Connect(fadeOut, edge.To, EdgeSpec.DefaultOutput, edge.ToPort);
            }
        }

        return new Transition(graph, previousIds, crossfades, crossfadesInputsOnly: crossfades.Count == rewired.Count);
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

    private static HashSet<(string, string)> Sources(GraphDescription graph, string node, string port) =>
        [.. graph.Edges.Where(e => e.To == node && e.ToPort == port).Select(e => (e.From, e.FromPort))];

    /// <summary>
    /// The inputs (node, port) whose set of sources differs between the graphs: those that an edge of one graph,
    /// missing from the other, points into. The edges the two lists share at their start and end (an edit changes a
    /// few edges in the middle, or appends some) are skipped without hashing; only the rest is compared as sets, and an
    /// edge found in neither middle is looked for in the shared part: among its own graph's shared edges by the numbers
    /// they resolved to where the graph's validation is given (<paramref name="resolvedBefore"/>,
    /// <paramref name="resolvedAfter"/>: node ids are unique and a port name has one number, so edges whose numbers
    /// differ differ; names are compared only where they agree), by their names otherwise. The shared edges of the two
    /// graphs are the same pair by pair. Reading the names of a 1,200-edge graph's edges, objects the audio side has
    /// pushed out of the caches between two commits, for each edge a voice adds or removes was most of a commit's
    /// transition.
    /// </summary>
    private static HashSet<(string Node, string Port)> InputsWithChangedSources(GraphDescription before, GraphDescription after, List<GraphCompiler.ResolvedEdge>? resolvedBefore, List<GraphCompiler.ResolvedEdge>? resolvedAfter)
    {
        List<EdgeSpec> a = before.Edges;
        List<EdgeSpec> b = after.Edges;
        int limit = Math.Min(a.Count, b.Count);
        int prefix = 0;
        while (prefix < limit && EdgeEndpoints.Comparer.Equals(a[prefix], b[prefix]))
        {
            prefix++;
        }

        int suffix = 0;
        while (suffix < limit - prefix && EdgeEndpoints.Comparer.Equals(a[a.Count - 1 - suffix], b[b.Count - 1 - suffix]))
        {
            suffix++;
        }

        // Sets of the edges themselves, compared by their four names: a reference per entry, not four.
        HashSet<EdgeSpec> edgesBefore = s_edgesBefore ??= new(EdgeEndpoints.Comparer);
        HashSet<EdgeSpec> edgesAfter = s_edgesAfter ??= new(EdgeEndpoints.Comparer);
        var changed = new HashSet<(string, string)>();
        try
        {
            for (int i = prefix; i < a.Count - suffix; i++)
            {
                edgesBefore.Add(a[i]);
            }

            for (int i = prefix; i < b.Count - suffix; i++)
            {
                edgesAfter.Add(b[i]);
            }

            // Many edges outside the shared part (a graph rewritten): compare whole sets, as a search per edge would be slow.
            bool whole = edgesBefore.Count + edgesAfter.Count > 64;
            if (whole)
            {
                for (int i = 0; i < prefix; i++)
                {
                    edgesBefore.Add(a[i]);
                    edgesAfter.Add(b[i]);
                }

                for (int i = 0; i < suffix; i++)
                {
                    edgesBefore.Add(a[a.Count - 1 - i]);
                    edgesAfter.Add(b[b.Count - 1 - i]);
                }
            }

            for (int i = prefix; i < b.Count - suffix; i++)
            {
                if (!edgesBefore.Contains(b[i]) && (whole || !(resolvedAfter is null ? Shared(a, prefix, suffix, b[i]) : SharedResolved(b, resolvedAfter, prefix, suffix, i))))
                {
                    changed.Add((b[i].To, b[i].ToPort));
                }
            }

            for (int i = prefix; i < a.Count - suffix; i++)
            {
                if (!edgesAfter.Contains(a[i]) && (whole || !(resolvedBefore is null ? Shared(a, prefix, suffix, a[i]) : SharedResolved(a, resolvedBefore, prefix, suffix, i))))
                {
                    changed.Add((a[i].To, a[i].ToPort));
                }
            }
        }
        finally
        {
            edgesBefore.Clear();
            edgesAfter.Clear();
        }

        return changed;

        // Whether the edge is one of the shared ones (the same in both lists).
        static bool Shared(List<EdgeSpec> edges, int prefix, int suffix, EdgeSpec edge)
        {
            for (int i = 0; i < prefix; i++)
            {
                if (EdgeEndpoints.Comparer.Equals(edges[i], edge))
                {
                    return true;
                }
            }

            for (int i = edges.Count - suffix; i < edges.Count; i++)
            {
                if (EdgeEndpoints.Comparer.Equals(edges[i], edge))
                {
                    return true;
                }
            }

            return false;
        }

        // Whether edge i of a graph is the same as one of its shared edges, compared by the numbers they resolved to first.
        static bool SharedResolved(List<EdgeSpec> edges, List<GraphCompiler.ResolvedEdge> resolved, int prefix, int suffix, int i)
        {
            GraphCompiler.ResolvedEdge edge = resolved[i];
            for (int j = 0; j < prefix; j++)
            {
                if (SameEnds(resolved[j], edge) && EdgeEndpoints.Comparer.Equals(edges[j], edges[i]))
                {
                    return true;
                }
            }

            for (int j = edges.Count - suffix; j < edges.Count; j++)
            {
                if (SameEnds(resolved[j], edge) && EdgeEndpoints.Comparer.Equals(edges[j], edges[i]))
                {
                    return true;
                }
            }

            return false;
        }

        static bool SameEnds(GraphCompiler.ResolvedEdge x, GraphCompiler.ResolvedEdge y) =>
            x.From == y.From && x.To == y.To && x.FromPort == y.FromPort && x.ToPort == y.ToPort;
    }

    private static bool NeedsNewInstance(NodeSpec before, NodeSpec after) =>
        !ReferenceEquals(before, after) && (before.Type != after.Type || before.Channels != after.Channels || !NodeSpec.SameOptions(before.Options, after.Options));

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

    /// <summary>
    /// The old graph's nodes matched to the new graph's: by position where the two lists have the same ids at their
    /// start and end (an edit keeps most nodes where they were), by id elsewhere. Ids are unique in each graph, so a
    /// node outside the matched ends of one list has its namesake, if any, outside those of the other.
    /// </summary>
    private sealed class Aligned
    {
        // Look-ups by a linear search of the shared ends before those are indexed too.
        private const int MaxSearches = 8;

        private readonly List<NodeSpec> _before;
        private readonly List<NodeSpec> _after;
        private readonly int _prefix;
        private readonly int _suffix;
        private Dictionary<string, int>? _beforeMiddle;
        // -1 before the nodes outside the shared ends are indexed, then the searches of those ends made; over
        // MaxSearches once the ends are indexed too.
        private int _searches = -1;

        /// <summary>Matches the graphs; the new graph's index by id is this thread's, empty, and filled as it is needed.</summary>
        public Aligned(GraphDescription before, GraphDescription after)
        {
            _before = before.Nodes;
            _after = after.Nodes;
            int limit = Math.Min(_before.Count, _after.Count);
            while (_prefix < limit && string.Equals(_before[_prefix].Id, _after[_prefix].Id, StringComparison.Ordinal))
            {
                _prefix++;
            }

            while (_suffix < limit - _prefix && string.Equals(_before[_before.Count - 1 - _suffix].Id, _after[_after.Count - 1 - _suffix].Id, StringComparison.Ordinal))
            {
                _suffix++;
            }
        }

        /// <summary>
        /// The index in the new graph of the node with id <paramref name="id"/>, if any: from the index of the nodes outside
        /// the shared ends, else by a search of those ends (a few look-ups, such as the output's, land there), which are
        /// indexed too after <see cref="MaxSearches"/> searches.
        /// </summary>
        public bool TryIndexOf(string id, out int index)
        {
            if (MiddleIndex().TryGetValue(id, out index))
            {
                return true;
            }

            if (_searches > MaxSearches)
            {
                return false;
            }

            if (++_searches > MaxSearches)
            {
                for (int i = 0; i < _prefix; i++)
                {
                    s_nextIndex!.Add(_after[i].Id, i);
                }

                for (int i = _after.Count - _suffix; i < _after.Count; i++)
                {
                    s_nextIndex!.Add(_after[i].Id, i);
                }

                return s_nextIndex!.TryGetValue(id, out index);
            }

            for (int i = 0; i < _prefix; i++)
            {
                if (string.Equals(_after[i].Id, id, StringComparison.Ordinal))
                {
                    index = i;
                    return true;
                }
            }

            for (int i = _after.Count - _suffix; i < _after.Count; i++)
            {
                if (string.Equals(_after[i].Id, id, StringComparison.Ordinal))
                {
                    index = i;
                    return true;
                }
            }

            index = -1;
            return false;
        }

        /// <summary>The index in the new graph of the node with id <paramref name="id"/>, which it has.</summary>
        public int IndexOf(string id) => TryIndexOf(id, out int index) ? index : throw new KeyNotFoundException($"No node '{id}' in the new graph.");

        /// <summary>The new graph's node with the id of the old graph's node at <paramref name="index"/>, or null.</summary>
        public NodeSpec? After(int index)
        {
            if (index < _prefix)
            {
                return _after[index];
            }

            if (index >= _before.Count - _suffix)
            {
                return _after[index - _before.Count + _after.Count];
            }

            // Ids are unique in each graph: a node outside the shared ends of one has its namesake, if any, outside those of the other.
            return MiddleIndex().TryGetValue(_before[index].Id, out int at) ? _after[at] : null;
        }

        /// <summary>The old graph's node with the id of the new graph's node at <paramref name="index"/>, or null.</summary>
        public NodeSpec? Before(int index)
        {
            if (index < _prefix)
            {
                return _before[index];
            }

            if (index >= _after.Count - _suffix)
            {
                return _before[index - _after.Count + _before.Count];
            }

            if (_beforeMiddle is null)
            {
                _beforeMiddle = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = _prefix; i < _before.Count - _suffix; i++)
                {
                    _beforeMiddle.Add(_before[i].Id, i);
                }
            }

            return _beforeMiddle.TryGetValue(_after[index].Id, out int at) ? _before[at] : null;
        }

        /// <summary>The index by id of the new graph's nodes outside the shared ends (with those too once they are indexed).</summary>
        private Dictionary<string, int> MiddleIndex()
        {
            if (_searches < 0)
            {
                _searches = 0;
                for (int i = _prefix; i < _after.Count - _suffix; i++)
                {
                    s_nextIndex!.Add(_after[i].Id, i);
                }
            }

            return s_nextIndex!;
        }
    }
}
