using System.Runtime.InteropServices;
using LiveEngine.Buffers;
using LiveEngine.Graph;
using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// Compiles a <see cref="GraphDescription"/> into a <see cref="GraphSnapshot"/>: validate everything, then
/// build. Control thread only; allocates freely. On any error nothing is built and a
/// <see cref="GraphValidationException"/> names every culprit.
/// </summary>
/// <remarks>
/// Design: the graph becomes jobs (one per node, two for a feedback node, one per add of a mix tree) whose
/// outputs are values; values get arena buffers by liveness. Because jobs run in parallel, a buffer may be
/// reused by job J only when every job that used it is an ancestor of J in the DAG; ancestor sets are
/// bitsets (n²/8 bytes), so very large graphs fall back to one buffer per value.
/// </remarks>
public static class GraphCompiler
{
    private const int AncestorBitsetJobLimit = 16_384;
    // Buffer assignment tries this many of the latest freed buffers in turn before it looks only at those an ancestor freed.
    private const int FreeScanLimit = 32;
    private const double MixCostNsPerFrame = 0.15;

    public static GraphSnapshot Compile(GraphDescription description, NodeTypeRegistry registry, CompileOptions options) =>
        Compile(description, registry, options, resolvedPrefix: null);

    /// <summary>
    /// As <see cref="Compile(GraphDescription, NodeTypeRegistry, CompileOptions)"/>, taking the resolution of each node
    /// that <paramref name="resolvedPrefix"/> holds at the same place with the same <see cref="NodeSpec"/> instead of
    /// resolving it again: a live change's transition graph begins with the nodes of the graph just validated.
    /// </summary>
    /// <remarks>
    /// The description <paramref name="resolvedPrefix"/> validated must not have changed since (as for
    /// <see cref="Compile(ValidatedGraph, CompileOptions)"/>): a node or edge of <paramref name="description"/> that is
    /// the very object it holds at the same place is taken with its resolution without reading it
    /// (<see cref="SharedPrefix"/>), and for a 1,200-node graph, whose objects the audio side has pushed out of the
    /// caches between two commits, reading them was most of this resolve.
    /// </remarks>
    internal static GraphSnapshot Compile(GraphDescription description, NodeTypeRegistry registry, CompileOptions options, ValidatedGraph? resolvedPrefix)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var errors = new List<GraphError>();
        (ResolvedNode[] nodes, List<ResolvedEdge> edges) = Resolve(description, registry, errors, resolvedPrefix, keepIndex: false, out _, out _);
        if (errors.Count > 0)
        {
            throw new GraphValidationException(errors);
        }

        return Build(nodes, edges, registry.Banks, options);
    }

    /// <summary>Every mistake in <paramref name="description"/>, without building anything (empty if it is valid).</summary>
    public static IReadOnlyList<GraphError> Validate(GraphDescription description, NodeTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(registry);
        var errors = new List<GraphError>();
        Resolve(description, registry, errors, resolvedPrefix: null, keepIndex: false, out _, out _);
        return errors;
    }

    /// <summary>
    /// Validates <paramref name="description"/> and keeps what validation resolved, so that
    /// <see cref="Compile(ValidatedGraph, CompileOptions)"/> does not resolve the graph a second time (for a
    /// 1,200-node graph that is ~0.4 MB per commit). The description must not change until it is compiled.
    /// </summary>
    /// <remarks>
    /// A node that <paramref name="previous"/> (the graph validated before) resolved at the same place, to the same
    /// type definition, channels, options and parameter values, keeps that resolution: an edit of a 1,200-node graph
    /// otherwise allocated a record and a parameter array per node again. The new graph takes over
    /// <paramref name="previous"/>'s index by id too, updated for the nodes that changed (see <see cref="ValidatedGraph.IdIndex"/>).
    /// </remarks>
    internal static ValidatedGraph? TryValidate(GraphDescription description, NodeTypeRegistry registry, out IReadOnlyList<GraphError> errors, ValidatedGraph? previous = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(registry);
        var found = new List<GraphError>();
        (ResolvedNode[] nodes, List<ResolvedEdge> edges) = Resolve(description, registry, found, previous, keepIndex: true, out Dictionary<string, ResolvedNode>? index, out int outputIndex);
        errors = found;
        return found.Count == 0 ? new ValidatedGraph(nodes, edges, [.. registry.Banks], registry, registry.Version) { IdIndex = index, Description = description, OutputIndex = outputIndex } : null;
    }

    /// <summary>Compiles a graph that <see cref="TryValidate"/> accepted.</summary>
    internal static GraphSnapshot Compile(ValidatedGraph graph, CompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Build(graph.Nodes, graph.Edges, graph.Banks, options);
    }

    /// <summary>A description that passed validation, resolved against the registry: see <see cref="TryValidate"/>.</summary>
    internal sealed class ValidatedGraph(ResolvedNode[] nodes, List<ResolvedEdge> edges, BankDescriptor[] banks, NodeTypeRegistry registry, long registryVersion)
    {
        /// <summary>Whether <paramref name="current"/> is the registry this graph was resolved against, with no type registered since.</summary>
        internal bool ResolvedAgainst(NodeTypeRegistry current) => ReferenceEquals(registry, current) && registryVersion == current.Version;

        internal ResolvedNode[] Nodes { get; } = nodes;

        internal List<ResolvedEdge> Edges { get; } = edges;

        /// <summary>The registry's bank kinds when the graph was validated.</summary>
        internal BankDescriptor[] Banks { get; } = banks;

        /// <summary>
        /// Every node of <see cref="Nodes"/> by its id, or null (not made yet, or taken over). The next validation from
        /// this graph takes it over and updates it for the nodes that changed, instead of hashing the id of every node
        /// again (a cold string per node of a large graph) when a node is added; a compile with this graph as its
        /// resolved prefix borrows it and takes out again what it added. Control thread only, as the graph is.
        /// </summary>
        internal Dictionary<string, ResolvedNode>? IdIndex { get; set; }

        /// <summary>The description validated (its lists, not a copy): see <see cref="SharedPrefix"/>.</summary>
        internal GraphDescription? Description { get; init; }

        /// <summary>The place of the graph's output node in <see cref="Nodes"/>, or -1 if it has none.</summary>
        internal int OutputIndex { get; init; } = -1;
    }

    /// <summary>
    /// What a compile may take from the graph validated just before without reading it: the nodes and edges of the
    /// description compiled that are the very objects the validated description holds at the same places.
    /// For a compile only (<see cref="Compile(GraphDescription, NodeTypeRegistry, CompileOptions, ValidatedGraph)"/>,
    /// whose contract is that that description has not changed since it was validated): a validation from an earlier
    /// graph still reads each spec, as a spec validated before may have been changed in place since.
    /// </summary>
    private readonly struct SharedPrefix
    {
        private readonly List<NodeSpec>? _nodes;
        private readonly List<EdgeSpec>? _edges;

        internal SharedPrefix(ValidatedGraph? prefix, NodeTypeRegistry registry)
        {
            // Only against the same type definitions: a type registered since resolves its nodes again.
            if (prefix?.Description is { } validated && prefix.ResolvedAgainst(registry)
                && validated.Nodes.Count == prefix.Nodes.Length && validated.Edges.Count == prefix.Edges.Count)
            {
                _nodes = validated.Nodes;
                _edges = validated.Edges;
            }
        }

        /// <summary>Whether node <paramref name="i"/> is the validated graph's node <paramref name="i"/>, the very spec.</summary>
        internal bool HasNode(int i, NodeSpec spec) => _nodes is not null && i < _nodes.Count && ReferenceEquals(_nodes[i], spec);

        /// <summary>Whether edge <paramref name="e"/> is the validated graph's edge <paramref name="e"/>, the very spec.</summary>
        internal bool HasEdge(int e, EdgeSpec edge) => _edges is not null && e < _edges.Count && ReferenceEquals(_edges[e], edge);
    }

    /// <summary>Which index by id a resolution uses: see <see cref="ValidatedGraph.IdIndex"/>.</summary>
    private enum IndexUse
    {
        /// <summary>The thread's scratch, emptied after the resolution.</summary>
        Scratch,

        /// <summary>The earlier validation's, taken over (or a new one): the new graph keeps it.</summary>
        Kept,

        /// <summary>The resolved prefix's, lent: the ids added to it are taken out again after the resolution.</summary>
        Lent,
    }

    /// <summary>The index by id of one resolution in progress.</summary>
    private struct IdIndexState
    {
        internal IndexUse Use { get; set; }

        /// <summary>The index, once made (it then holds every node resolved so far); null before.</summary>
        internal Dictionary<string, ResolvedNode>? ById { get; set; }
    }

    private static (ResolvedNode[] Nodes, List<ResolvedEdge> Edges) Resolve(GraphDescription description, NodeTypeRegistry registry, List<GraphError> errors, ValidatedGraph? resolvedPrefix, bool keepIndex, out Dictionary<string, ResolvedNode>? index, out int outputIndex)
    {
        // A compile's prefix was validated by the same caller and not changed since; a validation's earlier graph may have been.
        SharedPrefix shared = keepIndex ? default : new SharedPrefix(resolvedPrefix, registry);
        var state = new IdIndexState { Use = keepIndex ? IndexUse.Kept : resolvedPrefix?.IdIndex is not null ? IndexUse.Lent : IndexUse.Scratch };
        bool completed = false;
        try
        {
            ResolvedNode[] nodes = ResolveNodes(description, registry, errors, resolvedPrefix, shared, ref state, out outputIndex);
            List<ResolvedEdge> edges = ResolveEdges(description, nodes, errors, resolvedPrefix, shared, ref state);
            if (errors.Count == 0)
            {
                FindCycle(nodes, edges, errors);
            }

            index = errors.Count == 0 && state.Use == IndexUse.Kept ? state.ById : null;
            completed = true;
            return (nodes, edges);
        }
        finally
        {
            // A resolution cut short by an exception may have left the prefix's index changed half-way: dropped, to be made again.
            if (!completed && resolvedPrefix is not null && state.Use != IndexUse.Scratch)
            {
                resolvedPrefix.IdIndex = null;
            }
        }
    }

    /// <summary>
    /// The index by id of <paramref name="result"/> (the nodes resolved so far, before any error, each taken unchanged from
    /// <paramref name="resolvedPrefix"/> at its place): the prefix's own index, updated or lent where the state allows,
    /// otherwise made afresh over them.
    /// </summary>
    private static Dictionary<string, ResolvedNode> MakeIndex(ref IdIndexState state, List<ResolvedNode> result, ValidatedGraph? resolvedPrefix, bool clean, int capacity)
    {
        Dictionary<string, ResolvedNode>? prefixIndex = resolvedPrefix?.IdIndex;
        int kept = result.Count;
        if (clean && prefixIndex is not null && state.Use == IndexUse.Kept)
        {
            // Taken over: the earlier validation no longer has it (were it validated from again, its index would be made again).
            resolvedPrefix!.IdIndex = null;
            ResolvedNode[] earlier = resolvedPrefix.Nodes;
            if (earlier.Length - kept <= kept)
            {
                // The prefix's nodes after those kept so far (removed, changed, or taken again later and added back then).
                for (int i = kept; i < earlier.Length; i++)
                {
                    prefixIndex.Remove(earlier[i].Spec.Id);
                }
            }
            else
            {
                prefixIndex.Clear();
                foreach (ResolvedNode node in result)
                {
                    prefixIndex.Add(node.Spec.Id, node);
                }
            }

            return state.ById = prefixIndex;
        }

        if (clean && prefixIndex is not null && state.Use == IndexUse.Lent && kept == resolvedPrefix!.Nodes.Length)
        {
            CompileScratch.Current.LentIds.Clear();
            return state.ById = prefixIndex;
        }

        return state.ById = FreshIndex(ref state, CollectionsMarshal.AsSpan(result), capacity, clean);
    }

    /// <summary>
    /// A new index by id over <paramref name="nodes"/>: a dictionary of its own where the state keeps the index with the
    /// validated graph, the compile's scratch one otherwise.
    /// </summary>
    private static Dictionary<string, ResolvedNode> FreshIndex(ref IdIndexState state, ReadOnlySpan<ResolvedNode> nodes, int capacity, bool clean)
    {
        Dictionary<string, ResolvedNode> byId;
        if (clean && state.Use == IndexUse.Kept)
        {
            byId = new Dictionary<string, ResolvedNode>(capacity, StringComparer.Ordinal);
        }
        else
        {
            state.Use = IndexUse.Scratch;
            byId = CompileScratch.Current.NodesById;
            byId.Clear();
        }

        foreach (ResolvedNode node in nodes)
        {
            byId.Add(node.Spec.Id, node);
        }

        return byId;
    }

    /// <summary>Gives back a lent index as it was lent (the ids added taken out), or empties the scratch; a kept one stays.</summary>
    private static void ReleaseIndex(ref IdIndexState state)
    {
        if (state.ById is null)
        {
            return;
        }

        if (state.Use == IndexUse.Lent)
        {
            List<string> added = CompileScratch.Current.LentIds;
            foreach (string id in added)
            {
                state.ById.Remove(id);
            }

            added.Clear();
        }
        else if (state.Use == IndexUse.Scratch)
        {
            state.ById.Clear();
        }

        state.ById = null;
        state.Use = IndexUse.Scratch;
    }

    /// <summary>Notes an id added to a lent index, to be taken out again.</summary>
    private static void NoteAdded(ref IdIndexState state, string id)
    {
        if (state.Use == IndexUse.Lent)
        {
            CompileScratch.Current.LentIds.Add(id);
        }
    }

    internal sealed record ResolvedNode(int Index, NodeSpec Spec, NodeTypeDescriptor Type, int Channels, float[] Parameters);

    internal readonly record struct ResolvedEdge(int Order, int From, int FromPort, int To, int ToPort);

    private static ResolvedNode[] ResolveNodes(GraphDescription description, NodeTypeRegistry registry, List<GraphError> errors, ValidatedGraph? resolvedPrefix, SharedPrefix shared, ref IdIndexState index, out int outputIndex)
    {
        outputIndex = -1;
        var result = new List<ResolvedNode>(description.Nodes.Count);
        // The index by id, which finds a duplicate id and which ResolveEdges then reads, holds the nodes taken unchanged from
        // resolvedPrefix only once a node is not: those validated with unique ids (a spec is not changed once validated, as
        // the reuse of its resolution already assumes), so a graph that only keeps or drops nodes (a voice removed) is
        // resolved without hashing an id. It is then the prefix's own index where it has one (MakeIndex), updated: a node
        // added to a large graph hashes its own id, not every node's. A node that fails later keeps its id here, as null.
        Dictionary<string, ResolvedNode>? byId = null;
        bool indexed = false;
        string? outputId = null;
        // No type registered since the prefix was resolved: its types are still the registry's, without a look-up.
        bool sameTypes = resolvedPrefix is not null && resolvedPrefix.ResolvedAgainst(registry);
        for (int i = 0; i < description.Nodes.Count; i++)
        {
            NodeSpec spec = description.Nodes[i];

            // The same spec where validation resolved it, against the same type definition: nothing to check again
            // (an unchanged spec resolves the same; a prefix has at most one output, and it comes first), its id
            // included, which is not even read here (a string apart from the spec: a cache miss per node of a large graph).
            // A compile's prefix spec (SharedPrefix) is not read at all, nor is its resolution.
            ResolvedNode? kept = null;
            bool keptOutput = false;
            if (result.Count == i && shared.HasNode(i, spec))
            {
                kept = resolvedPrefix!.Nodes[i];
                keptOutput = i == resolvedPrefix.OutputIndex;
            }
            else if (resolvedPrefix is not null && i < resolvedPrefix.Nodes.Length && result.Count == i
                && resolvedPrefix.Nodes[i] is { } resolved && ReferenceEquals(resolved.Spec, spec)
                && (sameTypes ? string.Equals(spec.Type, resolved.Type.Name, StringComparison.Ordinal) : registry.TryGet(spec.Type, out NodeTypeDescriptor? current) && ReferenceEquals(current, resolved.Type)))
            {
                kept = resolved;
                keptOutput = (resolved.Type.Flags & NodeTypeFlags.GraphOutput) != 0;
            }

            if (kept is not null)
            {
                // Before the index exists, every node so far is one of these: unique, as resolvedPrefix validated.
                if (indexed)
                {
                    if (!byId!.TryAdd(spec.Id, kept))
                    {
                        errors.Add(new(GraphErrorKind.DuplicateNodeId, $"Node id '{spec.Id}' is used by more than one node."));
                        continue;
                    }

                    NoteAdded(ref index, spec.Id);
                }

                if (keptOutput && outputId is null)
                {
                    outputId = spec.Id;
                    outputIndex = i;
                }

                result.Add(kept);
                continue;
            }

            if (string.IsNullOrWhiteSpace(spec.Id))
            {
                errors.Add(new(GraphErrorKind.UnknownNode, $"A node of type '{spec.Type}' has no id; every node needs a unique id."));
                continue;
            }

            if (!indexed)
            {
                indexed = true;
                byId = MakeIndex(ref index, result, resolvedPrefix, clean: errors.Count == 0, description.Nodes.Count);
            }

            ref ResolvedNode? entry = ref CollectionsMarshal.GetValueRefOrAddDefault(byId!, spec.Id, out bool exists);
            if (exists)
            {
                errors.Add(new(GraphErrorKind.DuplicateNodeId, $"Node id '{spec.Id}' is used by more than one node."));
                continue;
            }

            NoteAdded(ref index, spec.Id);

            if (!registry.TryGet(spec.Type, out NodeTypeDescriptor? type))
            {
                string known = string.Join(", ", registry.Types.Select(t => t.Name));
                string? guess = Suggest(spec.Type, registry.Types.Select(t => t.Name));
                errors.Add(new(GraphErrorKind.UnknownNodeType, $"Node '{spec.Id}' has unknown type '{spec.Type}'.{(guess is null ? "" : $" Did you mean '{guess}'?")} Known types: {known}."));
                continue;
            }

            int channels = spec.Channels ?? type.DefaultChannels;
            if (channels is < 1 or > CompileOptions.MaxChannels)
            {
                errors.Add(new(GraphErrorKind.InvalidChannelCount, $"Node '{spec.Id}' asks for {channels} channels; a node has 1 to {CompileOptions.MaxChannels}."));
                continue;
            }

            // Resolved into scratch first: an unchanged node keeps the array it was resolved to before.
            int errorsBefore = errors.Count;
            Span<float> parameters = CompileScratch.Current.Floats(type.Parameters.Count).AsSpan(0, type.Parameters.Count);
            for (int p = 0; p < parameters.Length; p++)
            {
                parameters[p] = type.Parameters[p].Default;
            }

            foreach ((string name, double value) in spec.Parameters)
            {
                int p = type.FindParameter(name);
                if (p < 0)
                {
                    string known = type.Parameters.Count == 0 ? "it has none" : "its parameters: " + string.Join(", ", type.Parameters.Select(x => x.Name));
                    string? guess = Suggest(name, type.Parameters.Select(x => x.Name));
                    errors.Add(new(GraphErrorKind.UnknownParameter, $"Node '{spec.Id}' (type '{type.Name}') has no parameter '{name}'.{(guess is null ? "" : $" Did you mean '{guess}'?")} ({known})"));
                    continue;
                }

                ParameterDescriptor descriptor = type.Parameters[p];
                if (!descriptor.Contains(value))
                {
                    errors.Add(new(GraphErrorKind.ParameterOutOfRange, descriptor.Refusal(spec.Id, value)));
                    continue;
                }

                parameters[p] = (float)value;
            }

            if ((type.Flags & NodeTypeFlags.GraphOutput) != 0)
            {
                if (outputId is not null)
                {
                    errors.Add(new(GraphErrorKind.MultipleOutputs, $"Nodes '{outputId}' and '{spec.Id}' are both graph outputs (type '{type.Name}'); a graph has at most one."));
                }
                else
                {
                    outputId = spec.Id;
                    outputIndex = result.Count;
                }
            }

            if (errors.Count == errorsBefore && resolvedPrefix is not null && i < resolvedPrefix.Nodes.Length && result.Count == i
                && resolvedPrefix.Nodes[i] is { } same && ResolvesTheSame(same, spec, type, channels, parameters))
            {
                entry = same;
                result.Add(same);
                continue;
            }

            entry = new ResolvedNode(result.Count, spec, type, channels, parameters.ToArray());
            result.Add(entry);
        }

        if (errors.Count > 0)
        {
            // Indexed only in part: ResolveEdges makes its own index where it needs one.
            ReleaseIndex(ref index);
        }
        else if (!indexed && index.Use == IndexUse.Kept && resolvedPrefix?.IdIndex is not null)
        {
            // Every node kept from the earlier validation (some of its last ones removed, perhaps): its index, less those.
            MakeIndex(ref index, result, resolvedPrefix, clean: true, description.Nodes.Count);
        }

        return [.. result];
    }

    /// <summary>
    /// Whether <paramref name="earlier"/> is what resolving <paramref name="spec"/> gives: the same id, type definition,
    /// channels, options and parameter values (compared with the values it holds, not with its spec, which may have
    /// changed since).
    /// </summary>
    private static bool ResolvesTheSame(ResolvedNode earlier, NodeSpec spec, NodeTypeDescriptor type, int channels, ReadOnlySpan<float> parameters) =>
        ReferenceEquals(earlier.Type, type)
        && earlier.Channels == channels
        && string.Equals(earlier.Spec.Id, spec.Id, StringComparison.Ordinal)
        && string.Equals(earlier.Spec.Type, spec.Type, StringComparison.Ordinal)
        && NodeSpec.SameOptions(earlier.Spec.Options, spec.Options)
        && parameters.SequenceEqual(earlier.Parameters);

    private static List<ResolvedEdge> ResolveEdges(GraphDescription description, ResolvedNode[] nodes, List<GraphError> errors, ValidatedGraph? resolvedPrefix, SharedPrefix shared, ref IdIndexState index)
    {
        // The index by id is made only for an edge that is not where it was, between the same nodes, unless ResolveNodes
        // left it made (it holds every node then).
        var result = new List<ResolvedEdge>(description.Edges.Count);
        for (int e = 0; e < description.Edges.Count; e++)
        {
            EdgeSpec edge = description.Edges[e];

            // A compile's prefix edge between the very nodes it joined (SharedPrefix): resolved as validated, unread.
            if (shared.HasEdge(e, edge) && resolvedPrefix!.Edges[e] is var validated && validated.From < nodes.Length && validated.To < nodes.Length
                && ReferenceEquals(nodes[validated.From], resolvedPrefix.Nodes[validated.From]) && ReferenceEquals(nodes[validated.To], resolvedPrefix.Nodes[validated.To]))
            {
                result.Add(validated);
                continue;
            }

            if (resolvedPrefix is not null && SameEdge(resolvedPrefix, e, edge, nodes) is { } same)
            {
                result.Add(same);
                continue;
            }

            Dictionary<string, ResolvedNode> byId = index.ById ??= FreshIndex(ref index, nodes, nodes.Length, clean: errors.Count == 0);
            bool hasFrom = byId.TryGetValue(edge.From, out ResolvedNode? from);
            bool hasTo = byId.TryGetValue(edge.To, out ResolvedNode? to);
            if (!hasFrom || !hasTo)
            {
                string missing = !hasFrom && !hasTo ? $"nodes '{edge.From}' and '{edge.To}' do not exist" : $"node '{(hasFrom ? edge.To : edge.From)}' does not exist";
                errors.Add(new(GraphErrorKind.UnknownNode, $"Edge {edge}: {missing}."));
                continue;
            }

            int fromPort = from!.Type.FindOutput(edge.FromPort);
            int toPort = to!.Type.FindInput(edge.ToPort);
            if (fromPort < 0)
            {
                errors.Add(new(GraphErrorKind.UnknownPort, $"Edge {edge}: node '{from.Spec.Id}' (type '{from.Type.Name}') has no output port '{edge.FromPort}' ({PortList("outputs", from.Type.Outputs)})."));
            }

            if (toPort < 0)
            {
                errors.Add(new(GraphErrorKind.UnknownPort, $"Edge {edge}: node '{to.Spec.Id}' (type '{to.Type.Name}') has no input port '{edge.ToPort}' ({PortList("inputs", to.Type.Inputs)})."));
            }

            if (fromPort < 0 || toPort < 0)
            {
                continue;
            }

            int fromChannels = from.Type.Outputs[fromPort].ResolveChannels(from.Channels);
            int toChannels = to.Type.Inputs[toPort].ResolveChannels(to.Channels);
            // A mono output into a wider input is copied to every channel (a mono synth into the stereo `out`):
            // that is what a user writing `Chain("osc", "out")` means. Other mismatches are mistakes.
            if (fromChannels != toChannels && fromChannels != 1)
            {
                errors.Add(new(GraphErrorKind.PortMismatch, $"Edge {edge}: port mismatch, '{from.Spec.Id}.{edge.FromPort}' has {Channels(fromChannels)} but '{to.Spec.Id}.{edge.ToPort}' has {Channels(toChannels)}."));
                continue;
            }

            result.Add(new ResolvedEdge(e, from.Index, fromPort, to.Index, toPort));
        }

        if (index.Use != IndexUse.Kept || errors.Count > 0)
        {
            ReleaseIndex(ref index);
        }

        return result;
    }

    /// <summary>
    /// The resolution of edge <paramref name="e"/> of <paramref name="earlier"/> (a graph that validated, so its edge e
    /// resolved to the e-th entry), if <paramref name="edge"/> is the same edge between the same resolved nodes: the
    /// same ids and port names, so it resolves the same without a look-up by id. An edit leaves most edges where they were.
    /// </summary>
    private static ResolvedEdge? SameEdge(ValidatedGraph earlier, int e, EdgeSpec edge, ResolvedNode[] nodes)
    {
        if (e >= earlier.Edges.Count)
        {
            return null;
        }

        ResolvedEdge resolved = earlier.Edges[e];
        if (resolved.Order != e || resolved.From >= nodes.Length || resolved.To >= nodes.Length)
        {
            return null;
        }

        ResolvedNode from = nodes[resolved.From];
        ResolvedNode to = nodes[resolved.To];
        return ReferenceEquals(from, earlier.Nodes[resolved.From]) && ReferenceEquals(to, earlier.Nodes[resolved.To])
            && string.Equals(edge.From, from.Spec.Id, StringComparison.Ordinal) && string.Equals(edge.To, to.Spec.Id, StringComparison.Ordinal)
            && string.Equals(edge.FromPort, from.Type.Outputs[resolved.FromPort].Name, StringComparison.Ordinal)
            && string.Equals(edge.ToPort, to.Type.Inputs[resolved.ToPort].Name, StringComparison.Ordinal)
            ? resolved
            : null;
    }

    /// <summary>Finds one cycle that does not pass through a feedback boundary and reports its nodes in order.</summary>
    private static void FindCycle(ResolvedNode[] nodes, List<ResolvedEdge> edges, List<GraphError> errors)
    {
        CompileScratch scratch = CompileScratch.Current;
        int count = nodes.Length;

        // Successors in CSR form, each node's in edge order.
        int[] starts = scratch.Ints(CompileScratch.CycleStarts, count + 1, clear: true);
        foreach (ResolvedEdge edge in edges)
        {
            if ((nodes[edge.To].Type.Flags & NodeTypeFlags.FeedbackBoundary) == 0)
            {
                starts[edge.From + 1]++;
            }
        }

        for (int i = 0; i < count; i++)
        {
            starts[i + 1] += starts[i];
        }

        int[] successors = scratch.Ints(CompileScratch.CycleSuccessors, starts[count], clear: false);
        int[] next = scratch.Ints(CompileScratch.CycleNext, count, clear: false);
        Array.Copy(starts, next, count);
        foreach (ResolvedEdge edge in edges)
        {
            if ((nodes[edge.To].Type.Flags & NodeTypeFlags.FeedbackBoundary) == 0)
            {
                successors[next[edge.From]++] = edge.To;
            }
        }

        // Iterative DFS with colours: 0 unvisited, 1 on the stack, 2 done. next[node] is the node's next successor.
        Array.Copy(starts, next, count);
        byte[] colour = scratch.Bytes(count);
        int[] parent = scratch.Ints(CompileScratch.CycleParent, count, clear: false);
        // One stack for every root: each search ends with it empty.
        Stack<int> stack = scratch.Stack;
        stack.Clear();
        for (int root = 0; root < count; root++)
        {
            if (colour[root] != 0)
            {
                continue;
            }

            stack.Push(root);
            colour[root] = 1;
            parent[root] = -1;
            while (stack.Count > 0)
            {
                int node = stack.Peek();
                if (next[node] < starts[node + 1])
                {
                    int succ = successors[next[node]++];
                    if (colour[succ] == 0)
                    {
                        colour[succ] = 1;
                        parent[succ] = node;
                        stack.Push(succ);
                    }
                    else if (colour[succ] == 1)
                    {
                        var cycle = new List<string> { nodes[succ].Spec.Id };
                        var path = new List<string>();
                        for (int at = node; at != succ; at = parent[at])
                        {
                            path.Add(nodes[at].Spec.Id);
                        }

                        path.Reverse();
                        cycle.AddRange(path);
                        cycle.Add(nodes[succ].Spec.Id);
                        errors.Add(new(GraphErrorKind.Cycle, $"Cycle: {string.Join(" -> ", cycle)}. Feedback must pass through a '{CoreNodeTypes.Feedback}' node."));
                        stack.Clear();
                        return;
                    }
                }
                else
                {
                    colour[node] = 2;
                    stack.Pop();
                }
            }
        }
    }

    private static GraphSnapshot Build(ResolvedNode[] nodes, List<ResolvedEdge> edges, IReadOnlyList<BankDescriptor> bankDescriptors, CompileOptions options)
    {
        if (WithPreviousStructure(nodes, edges, bankDescriptors, options) is { } rebound)
        {
            return rebound;
        }

        CompileScratch scratch = CompileScratch.Current;
        JobBuilder builder = JobBuilder.ForCurrentThread();

        // The edges into each node, in declaration order (CSR, in scratch).
        int[] intoStarts = scratch.Ints(CompileScratch.IntoStarts, nodes.Length + 1, clear: true);
        foreach (ResolvedEdge edge in edges)
        {
            intoStarts[edge.To + 1]++;
        }

        for (int i = 0; i < nodes.Length; i++)
        {
            intoStarts[i + 1] += intoStarts[i];
        }

        int[] intoEdges = scratch.Ints(CompileScratch.IntoEdges, edges.Count, clear: false);
        int[] cursor = scratch.Ints(CompileScratch.Cursor, nodes.Length, clear: false);
        Array.Copy(intoStarts, cursor, nodes.Length);
        for (int e = 0; e < edges.Count; e++)
        {
            intoEdges[cursor[edges[e].To]++] = e;
        }

        // Voice banks: their nodes get no jobs of their own; one bank job per bank writes the sum of its lanes.
        List<BankPlanner.PlannedBank> banks = BankPlanner.Plan(nodes, edges, intoStarts, intoEdges, bankDescriptors, options);
        int[] bankOfNode = scratch.Ints(CompileScratch.BankOfNode, nodes.Length, clear: false);
        Array.Fill(bankOfNode, -1, 0, nodes.Length);
        var bankJobs = new int[banks.Count];
        for (int b = 0; b < banks.Count; b++)
        {
            foreach (int[] lane in banks[b].Lanes)
            {
                foreach (int n in lane)
                {
                    bankOfNode[n] = b;
                }
            }
        }

        // One Node job per node (none for the output); feedback nodes also get their write job.
        int[] nodeJob = scratch.Ints(CompileScratch.NodeJob, nodes.Length, clear: false);
        int[] outputValueBase = scratch.Ints(CompileScratch.OutputValueBase, nodes.Length, clear: true);
        foreach (ResolvedNode node in nodes)
        {
            nodeJob[node.Index] = -1;
            if ((node.Type.Flags & NodeTypeFlags.GraphOutput) != 0 || bankOfNode[node.Index] >= 0)
            {
                continue;
            }

            // An indexed loop: foreach over the IReadOnlyList would box an enumerator per node.
            int outputChannels = 0;
            for (int p = 0; p < node.Type.Outputs.Count; p++)
            {
                outputChannels += node.Type.Outputs[p].ResolveChannels(node.Channels);
            }

            double cost = options.MeasuredNodeCostNsPerFrame is { } measured && measured.TryGetValue(node.Spec.Id, out double ns) ? ns : node.Type.EstimateCostNsPerFrame(node.Spec.Options, node.Channels);
            nodeJob[node.Index] = builder.AddJob(JobKind.Node, node.Index, cost, outputChannels);
            outputValueBase[node.Index] = builder.OutputValueBase(nodeJob[node.Index]);
        }

        for (int b = 0; b < banks.Count; b++)
        {
            BankPlanner.PlannedBank bank = banks[b];
            double cost = 0;
            foreach (NodeTypeDescriptor stage in bank.Descriptor.Stages)
            {
                cost += stage.CostNsPerFrame;
            }

            // Estimate: a lane costs about a fifth of the same chain run node by node.
            bankJobs[b] = builder.AddJob(JobKind.Bank, bank.Lanes[0][^1], cost * bank.Lanes.Length / 5, bank.Descriptor.OutputChannels, b);
        }

        int[] outputInputs = [];
        List<int> inputValues = scratch.Values;
        List<ResolvedEdge> sources = scratch.Sources;
        foreach (ResolvedNode node in nodes)
        {
            if (bankOfNode[node.Index] >= 0)
            {
                continue;
            }

            bool isOutput = (node.Type.Flags & NodeTypeFlags.GraphOutput) != 0;
            int consumer = -1;
            if (!isOutput)
            {
                consumer = (node.Type.Flags & NodeTypeFlags.FeedbackBoundary) != 0
                    ? builder.AddJob(JobKind.FeedbackWrite, node.Index, 0, 0)
                    : nodeJob[node.Index];
            }

            inputValues.Clear();
            for (int port = 0; port < node.Type.Inputs.Count; port++)
            {
                int channels = node.Type.Inputs[port].ResolveChannels(node.Channels);

                // Fixed order for the mix tree: source node index, then source port, then declaration order.
                sources.Clear();
                for (int k = intoStarts[node.Index]; k < intoStarts[node.Index + 1]; k++)
                {
                    ResolvedEdge edge = edges[intoEdges[k]];
                    if (edge.ToPort == port)
                    {
                        sources.Add(edge);
                    }
                }

                if (sources.Count == 0)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        inputValues.Add(JobBuilder.Silence);
                    }

                    continue;
                }

                sources.Sort(CompareSources);

                // An operand is its first value and the step between its channels' values: 0 for a mono source
                // upmixed into a wider input (every channel reads the one value), 1 otherwise.
                List<(int Base, int Step)> operands = scratch.Operands;
                List<(int Base, int Step)> reduced = scratch.Reduced;
                operands.Clear();
                foreach (ResolvedEdge edge in sources)
                {
                    int bankIndex = bankOfNode[edge.From];
                    if (bankIndex >= 0)
                    {
                        // A bank's sum takes the place of its first lane's source (the lowest node index of its lanes);
                        // its other lanes are already in that sum.
                        if (banks[bankIndex].Lanes[0][^1] == edge.From)
                        {
                            BankPlanner.PlannedBank bank = banks[bankIndex];
                            operands.Add((builder.OutputValueBase(bankJobs[bankIndex]), bank.Descriptor.OutputChannels == 1 ? 0 : 1));
                        }

                        continue;
                    }

                    ResolvedNode from = nodes[edge.From];
                    int channelBase = outputValueBase[edge.From];
                    for (int p = 0; p < edge.FromPort; p++)
                    {
                        channelBase += from.Type.Outputs[p].ResolveChannels(from.Channels);
                    }

                    int step = from.Type.Outputs[edge.FromPort].ResolveChannels(from.Channels) == 1 ? 0 : 1;
                    operands.Add((channelBase, step));
                }

                // Balanced pairwise reduction: ((s0+s1)+(s2+s3))+…, each add a job.
                while (operands.Count > 1)
                {
                    reduced.Clear();
                    for (int i = 0; i + 1 < operands.Count; i += 2)
                    {
                        int mix = builder.AddJob(JobKind.Mix, node.Index, MixCostNsPerFrame * channels, channels);
                        for (int c = 0; c < channels; c++)
                        {
                            builder.AddInput(mix, operands[i].Base + (c * operands[i].Step));
                        }

                        for (int c = 0; c < channels; c++)
                        {
                            builder.AddInput(mix, operands[i + 1].Base + (c * operands[i + 1].Step));
                        }

                        reduced.Add((builder.OutputValueBase(mix), 1));
                    }

                    if ((operands.Count & 1) == 1)
                    {
                        reduced.Add(operands[^1]);
                    }

                    (operands, reduced) = (reduced, operands);
                }

                for (int c = 0; c < channels; c++)
                {
                    inputValues.Add(operands[0].Base + (c * operands[0].Step));
                }
            }

            if (isOutput)
            {
                outputInputs = [.. inputValues];
            }
            else
            {
                foreach (int value in inputValues)
                {
                    builder.AddInput(consumer, value);
                }
            }
        }

        GraphSnapshot snapshot = builder.Finish(nodes, edges, bankDescriptors, options, outputInputs, banks, bankJobs);
        scratch.Release();
        return snapshot;
    }

    /// <summary>
    /// The snapshot of an edit that changed parameters only, when the previous snapshot may share its memory
    /// (<see cref="CompileOptions.ShareArenaWithPrevious"/>): the same nodes (ids, type definitions, channels,
    /// options), edges, bank kinds and options give the same jobs, order, buffers and banks, so the new snapshot
    /// shares all of that with the previous one, which nothing changes, and has its own parameter values, bank
    /// processors (which read those values) and fault flags. Every node keeps its instance. Null when anything differs.
    /// </summary>
    private static GraphSnapshot? WithPreviousStructure(ResolvedNode[] nodes, List<ResolvedEdge> edges, IReadOnlyList<BankDescriptor> bankDescriptors, CompileOptions options)
    {
        if (!options.ShareArenaWithPrevious || !options.ReuseUnchangedNodes || options.PreviousIds is not null || options.MeasuredNodeCostNsPerFrame is not null
            || options.Previous is not { Structure: { } structure } previous
            || previous.SampleRate != options.SampleRate || previous.MaxBlockFrames != options.MaxBlockFrames
            || structure.MeasuredCosts || structure.Banking != options.Banking || structure.NodeCount != nodes.Length
            || !SameItems(structure.Edges, edges) || !SameReferences(structure.BankDescriptors, bankDescriptors))
        {
            return null;
        }

        NodeShape shape = NodeShape.Of(nodes, previous);
        if (shape.IndexById is null)
        {
            // Another node set: NodeShape made new arrays (a little garbage on a path that then compiles in full).
            return null;
        }

        var instances = new AudioNode[nodes.Length];
        var reused = new bool[nodes.Length];
        var parameterValues = new float[previous.ParameterValues.Length];
        foreach (ResolvedNode node in nodes)
        {
            instances[node.Index] = previous.Nodes[node.Index];
            reused[node.Index] = true;
            node.Parameters.CopyTo(parameterValues, previous.ParameterStarts[node.Index]);
        }

        BankProcessor[] processors = CreateBankProcessors(structure.Banks, instances, previous.ParameterStarts, parameterValues, options, out FormedBank[] spareBanks);
        return new GraphSnapshot(
            options.SampleRate,
            options.MaxBlockFrames,
            shape.Ids,
            shape.Types,
            instances,
            previous.ParameterStarts,
            parameterValues,
            previous.Jobs,
            previous.ChannelOffsets,
            previous.SuccessorStarts,
            previous.Successors,
            previous.DependencyCounts,
            previous.TopologicalOrder,
            previous.Ranks,
            previous.Levels,
            previous.Arena,
            previous.OutputOffsets,
            shape.Channels,
            shape.Options,
            reused,
            processors,
            previous.BankArray,
            shape.IndexById,
            options.LiveNodeIds)
        {
            Structure = structure,
            SpareBanks = spareBanks,
        };

        static bool SameItems(List<ResolvedEdge> a, List<ResolvedEdge> b)
        {
            if (a.Count != b.Count)
            {
                return false;
            }

            for (int i = 0; i < a.Count; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }

            return true;
        }

        static bool SameReferences(IReadOnlyList<BankDescriptor> a, IReadOnlyList<BankDescriptor> b)
        {
            if (a.Count != b.Count)
            {
                return false;
            }

            for (int i = 0; i < a.Count; i++)
            {
                if (!ReferenceEquals(a[i], b[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// One processor per bank, over its lanes' node instances and parameter values. In a live session
    /// (<see cref="CompileOptions.ShareArenaWithPrevious"/>: snapshots that render one at a time) a bank that
    /// <see cref="CompileOptions.Previous"/> ran over the same node instances, in the same order, keeps its processor
    /// (its scratch memory is most of a bank's size), so an edit forms only the banks whose lanes changed; each
    /// snapshot then copies its lanes' values into the bank before every block (see <see cref="SnapshotBankProcessor"/>).
    /// </summary>
    private static BankProcessor[] CreateBankProcessors(List<BankPlanner.PlannedBank> banks, AudioNode[] instances, int[] parameterStarts, float[] parameterValues, CompileOptions options, out FormedBank[] spareBanks)
    {
        var processors = new BankProcessor[banks.Count];
        spareBanks = [];
        if (!options.ShareArenaWithPrevious)
        {
            for (int b = 0; b < banks.Count; b++)
            {
                BankPlanner.PlannedBank bank = banks[b];
                AudioNode[][] laneNodes = [.. bank.Lanes.Select(lane => lane.Select(n => instances[n]).ToArray())];
                int[][] laneParameters = [.. bank.Lanes.Select(lane => lane.Select(n => parameterStarts[n]).ToArray())];
                processors[b] = bank.Descriptor.Create(new BankLanes(laneNodes, laneParameters, parameterValues, options.SampleRate, options.MaxBlockFrames));
            }

            return processors;
        }

        // The previous snapshot's banks, and those it kept spare, by the instance that feeds their first lane's consumer.
        Dictionary<AudioNode, FormedBank>? formed = null;
        if (options.Previous is { } previous)
        {
            foreach (BankProcessor processor in previous.BankProcessors)
            {
                if (processor is SnapshotBankProcessor { Bank: var bank })
                {
                    formed ??= new Dictionary<AudioNode, FormedBank>(ReferenceEqualityComparer.Instance);
                    formed.TryAdd(bank.Nodes[0][^1], bank);
                }
            }

            foreach (FormedBank bank in previous.SpareBanks)
            {
                formed ??= new Dictionary<AudioNode, FormedBank>(ReferenceEqualityComparer.Instance);
                formed.TryAdd(bank.Nodes[0][^1], bank);
            }
        }

        for (int b = 0; b < banks.Count; b++)
        {
            BankPlanner.PlannedBank planned = banks[b];
            int[][] lanes = planned.Lanes;
            FormedBank? bank = null;
            if (formed is not null && formed.TryGetValue(instances[lanes[0][^1]], out FormedBank? candidate)
                && candidate.Fits(planned.Descriptor, lanes, instances, options.SampleRate, options.MaxBlockFrames))
            {
                bank = candidate;
            }

            // Where each of the bank's values (lane by lane, stage by stage, as FormedBank lays them out) is in this
            // snapshot's array. A kept bank's nodes are the same instances, so of the same types and value counts.
            int valueCount = 0;
            foreach (int[] lane in lanes)
            {
                foreach (int n in lane)
                {
                    valueCount += parameterStarts[n + 1] - parameterStarts[n];
                }
            }

            if (bank is null || bank.ParameterValues.Length != valueCount)
            {
                AudioNode[][] laneNodes = [.. lanes.Select(lane => lane.Select(n => instances[n]).ToArray())];
                int[][] laneCounts = [.. lanes.Select(lane => lane.Select(n => parameterStarts[n + 1] - parameterStarts[n]).ToArray())];
                bank = new FormedBank(planned.Descriptor, laneNodes, laneCounts, options.SampleRate, options.MaxBlockFrames);
            }

            var sourceIndices = new int[valueCount];
            int at = 0;
            foreach (int[] lane in lanes)
            {
                foreach (int n in lane)
                {
                    for (int i = parameterStarts[n]; i < parameterStarts[n + 1]; i++)
                    {
                        sourceIndices[at++] = i;
                    }
                }
            }

            processors[b] = new SnapshotBankProcessor(bank, parameterValues, sourceIndices);
        }

        // The previous snapshot's own banks this one leaves unused stay available one more compile (not its spares:
        // a bank unused by two snapshots in a row is dropped).
        if (options.Previous is { } replaced)
        {
            List<FormedBank>? spares = null;
            foreach (BankProcessor processor in replaced.BankProcessors)
            {
                if (processor is SnapshotBankProcessor { Bank: var bank } && Array.FindIndex(processors, p => ReferenceEquals(((SnapshotBankProcessor)p).Bank, bank)) < 0)
                {
                    (spares ??= []).Add(bank);
                }
            }

            spareBanks = spares is null ? [] : [.. spares];
        }

        return processors;
    }

    /// <summary>Source node index, then source port, then declaration order: a total order, so an unstable sort is deterministic.</summary>
    private static int CompareSources(ResolvedEdge a, ResolvedEdge b)
    {
        int byNode = a.From.CompareTo(b.From);
        if (byNode != 0)
        {
            return byNode;
        }

        int byPort = a.FromPort.CompareTo(b.FromPort);
        return byPort != 0 ? byPort : a.Order.CompareTo(b.Order);
    }

    /// <summary>
    /// Accumulates jobs and the values they read and write, then lays out the snapshot. One per thread, reused by
    /// every compile on it (its lists keep their capacity); what the snapshot keeps is allocated anew.
    /// </summary>
    private sealed class JobBuilder
    {
        public const int Silence = -1;

        [ThreadStatic]
        private static JobBuilder? s_current;

        private readonly List<JobKind> _kinds = [];
        private readonly List<int> _nodeOfJob = [];
        private readonly List<double> _costs = [];
        private readonly List<int> _outputBase = [];
        private readonly List<int> _outputCount = [];
        // One list per job, kept across compiles: _inputs.Count may exceed the job count.
        private readonly List<List<int>> _inputs = [];
        private readonly List<int> _producerOfValue = [];
        private readonly List<int> _bankOfJob = [];

        /// <summary>This thread's builder, emptied.</summary>
        public static JobBuilder ForCurrentThread()
        {
            JobBuilder builder = s_current ??= new JobBuilder();
            builder._kinds.Clear();
            builder._nodeOfJob.Clear();
            builder._costs.Clear();
            builder._outputBase.Clear();
            builder._outputCount.Clear();
            builder._producerOfValue.Clear();
            builder._bankOfJob.Clear();
            return builder;
        }

        public int AddJob(JobKind kind, int nodeIndex, double cost, int outputChannels, int bankIndex = -1)
        {
            int job = _kinds.Count;
            _kinds.Add(kind);
            _bankOfJob.Add(bankIndex);
            _nodeOfJob.Add(nodeIndex);
            _costs.Add(cost);
            _outputBase.Add(_producerOfValue.Count);
            _outputCount.Add(outputChannels);
            if (job < _inputs.Count)
            {
                _inputs[job].Clear();
            }
            else
            {
                _inputs.Add([]);
            }

            for (int c = 0; c < outputChannels; c++)
            {
                _producerOfValue.Add(job);
            }

            return job;
        }

        public int OutputValueBase(int job) => _outputBase[job];

        public void AddInput(int job, int value) => _inputs[job].Add(value);

        public GraphSnapshot Finish(ResolvedNode[] nodes, List<ResolvedEdge> edges, IReadOnlyList<BankDescriptor> bankDescriptors, CompileOptions options, int[] outputValues, List<BankPlanner.PlannedBank> banks, int[] bankJobs)
        {
            CompileScratch scratch = CompileScratch.Current;
            int jobCount = _kinds.Count;
            int valueCount = _producerOfValue.Count;

            // Edges between jobs: the producer of each input value precedes the reader; duplicates collapse (a
            // producer marked with the reader it was last counted for). Predecessors go to scratch (CSR), the
            // successors (each job's in ascending order) and the counts to the snapshot.
            int[] predecessorStarts = scratch.Ints(CompileScratch.PredecessorStarts, jobCount + 1, clear: false);
            int[] mark = scratch.Ints(CompileScratch.ProducerMark, jobCount, clear: false);
            Array.Fill(mark, -1, 0, jobCount);
            List<int> predecessors = scratch.Predecessors;
            predecessors.Clear();
            // The arrays the snapshot keeps come from a live session's pool of retired ones where it has one.
            SnapshotArrayPool? pool = options.Pool;
            int[] predecessorCounts = pool?.Ints(jobCount) ?? new int[jobCount];
            int[] successorStarts = pool?.Ints(jobCount + 1) ?? new int[jobCount + 1];
            for (int j = 0; j < jobCount; j++)
            {
                predecessorStarts[j] = predecessors.Count;
                foreach (int value in _inputs[j])
                {
                    if (value == Silence)
                    {
                        continue;
                    }

                    int producer = _producerOfValue[value];
                    if (mark[producer] != j)
                    {
                        mark[producer] = j;
                        predecessors.Add(producer);
                        successorStarts[producer + 1]++;
                    }
                }

                predecessorCounts[j] = predecessors.Count - predecessorStarts[j];
            }

            predecessorStarts[jobCount] = predecessors.Count;
            for (int j = 0; j < jobCount; j++)
            {
                successorStarts[j + 1] += successorStarts[j];
            }

            int[] successors = pool?.Ints(successorStarts[jobCount]) ?? new int[successorStarts[jobCount]];
            int[] cursor = scratch.Ints(CompileScratch.Cursor, jobCount, clear: false);
            Array.Copy(successorStarts, cursor, jobCount);
            for (int j = 0; j < jobCount; j++)
            {
                for (int k = predecessorStarts[j]; k < predecessorStarts[j + 1]; k++)
                {
                    successors[cursor[predecessors[k]]++] = j;
                }
            }

            int[] order = TopologicalOrder(successorStarts, successors, predecessorCounts, scratch, pool);
            int[] bufferOfValue = AssignBuffers(order, predecessorStarts, predecessors, valueCount, outputValues, scratch, out int bufferCount);

            AlignedBufferArena arena = ArenaFor(bufferCount, options);
            JobInfo[] jobs = pool?.Jobs(jobCount) ?? new JobInfo[jobCount];
            int offsetCount = valueCount;
            for (int j = 0; j < jobCount; j++)
            {
                offsetCount += _inputs[j].Count;
            }

            int[] offsets = pool?.Ints(offsetCount) ?? new int[offsetCount];
            int offset = 0;
            for (int j = 0; j < jobCount; j++)
            {
                int inputStart = offset;
                foreach (int value in _inputs[j])
                {
                    offsets[offset++] = value == Silence ? 0 : arena.OffsetOf(bufferOfValue[value]);
                }

                int outputStart = offset;
                for (int c = 0; c < _outputCount[j]; c++)
                {
                    offsets[offset++] = arena.OffsetOf(bufferOfValue[_outputBase[j] + c]);
                }

                jobs[j] = new JobInfo(_kinds[j], _nodeOfJob[j], inputStart, _inputs[j].Count, outputStart, _outputCount[j], _costs[j], _bankOfJob[j]);
            }

            double[] ranks = pool?.Doubles(jobCount) ?? new double[jobCount];
            CriticalPath.BottomLevels(order, successorStarts, successors, CollectionsMarshal.AsSpan(_costs), ranks);

            int[] levels = pool?.Ints(jobCount) ?? new int[jobCount];
            foreach (int j in order)
            {
                for (int k = predecessorStarts[j]; k < predecessorStarts[j + 1]; k++)
                {
                    levels[j] = Math.Max(levels[j], levels[predecessors[k]] + 1);
                }
            }

            (AudioNode[] instances, bool[] reused, int[] parameterStarts, float[] parameterValues) = PrepareNodes(nodes, options);
            BankProcessor[] processors = CreateBankProcessors(banks, instances, parameterStarts, parameterValues, options, out FormedBank[] spareBanks);
            var bankInfos = new BankInfo[banks.Count];
            for (int b = 0; b < banks.Count; b++)
            {
                BankPlanner.PlannedBank bank = banks[b];
                bankInfos[b] = new BankInfo(bank.Descriptor.Name, bankJobs[b], bank.Lanes, bank.Consumer);
            }

            int[] outputOffsets = pool?.Ints(outputValues.Length) ?? new int[outputValues.Length];
            for (int c = 0; c < outputValues.Length; c++)
            {
                outputOffsets[c] = outputValues[c] == Silence ? 0 : arena.OffsetOf(bufferOfValue[outputValues[c]]);
            }

            NodeShape shape = NodeShape.Of(nodes, options.Previous, pool);
            var snapshot = new GraphSnapshot(
                options.SampleRate,
                options.MaxBlockFrames,
                shape.Ids,
                shape.Types,
                instances,
                parameterStarts,
                parameterValues,
                jobs,
                offsets,
                successorStarts,
                successors,
                predecessorCounts,
                order,
                ranks,
                levels,
                arena,
                outputOffsets,
                shape.Channels,
                shape.Options,
                reused,
                processors,
                bankInfos,
                shape.IndexById,
                options.LiveNodeIds)
            {
                // The bank kinds as they were (a registry's own list may grow later).
                Structure = new SnapshotStructure(nodes.Length, edges, bankDescriptors as BankDescriptor[] ?? [.. bankDescriptors], banks, options.Banking, options.MeasuredNodeCostNsPerFrame is not null),
                SpareBanks = spareBanks,
            };
            // A transition graph's too: its crossfades carry no start sample (LiveSession sets it on the instances), so
            // the same edit made again (a voice added and removed in turn) comes back to the same table.
            if (shape.IndexById is null)
            {
                pool?.RememberShape(shape with { IndexById = snapshot.NodeIndexById });
            }

            return snapshot;
        }

        /// <summary>
        /// Kahn's algorithm, always taking the lowest ready job index, so the order depends only on the description. The
        /// ready jobs are a bitset (the lowest found by a scan of a few words from the lowest word that can hold one)
        /// rather than a heap: the same order, without a heap's sifting for every job of a 1,400-job graph.
        /// </summary>
        private static int[] TopologicalOrder(int[] successorStarts, int[] successors, int[] predecessorCounts, CompileScratch scratch, SnapshotArrayPool? pool)
        {
            int jobCount = predecessorCounts.Length;
            int[] remaining = scratch.Ints(CompileScratch.Remaining, jobCount, clear: false);
            Array.Copy(predecessorCounts, remaining, jobCount);
            int words = (jobCount + 63) >> 6;
            ulong[] ready = scratch.Bits(words);
            for (int j = 0; j < jobCount; j++)
            {
                if (remaining[j] == 0)
                {
                    ready[j >> 6] |= 1UL << (j & 63);
                }
            }

            int[] order = pool?.Ints(jobCount) ?? new int[jobCount];
            int count = 0;
            int low = 0;
            while (true)
            {
                while (low < words && ready[low] == 0)
                {
                    low++;
                }

                if (low == words)
                {
                    break;
                }

                int j = (low << 6) + System.Numerics.BitOperations.TrailingZeroCount(ready[low]);
                ready[low] &= ready[low] - 1;
                order[count++] = j;
                for (int k = successorStarts[j]; k < successorStarts[j + 1]; k++)
                {
                    int s = successors[k];
                    if (--remaining[s] == 0)
                    {
                        ready[s >> 6] |= 1UL << (s & 63);
                        low = Math.Min(low, s >> 6);
                    }
                }
            }

            if (count != order.Length)
            {
                // Node-level cycle detection runs first, so this means the job expansion itself is wrong.
                throw new InvalidOperationException("Internal error: the job graph has a cycle that node validation did not find.");
            }

            return order;
        }

        /// <summary>
        /// The previous snapshot's arena when <see cref="CompileOptions.ShareArenaWithPrevious"/> allows and it is
        /// large enough (and not far too large); otherwise a new one, with room to grow when it will be shared.
        /// </summary>
        private static AlignedBufferArena ArenaFor(int bufferCount, CompileOptions options)
        {
            if (!options.ShareArenaWithPrevious)
            {
                return new AlignedBufferArena(bufferCount, options.MaxBlockFrames);
            }

            if (options.Previous is { } previous && previous.MaxBlockFrames == options.MaxBlockFrames
                && previous.Arena.BufferCount >= bufferCount && previous.Arena.BufferCount <= (2 * bufferCount) + 16)
            {
                return previous.Arena;
            }

            return new AlignedBufferArena(bufferCount + (bufferCount / 8) + 8, options.MaxBlockFrames);
        }

        /// <summary>
        /// Gives every value a buffer. A released buffer is reused by job J only if every job that last used
        /// it is an ancestor of J, so no parallel schedule can overlap the old and new contents.
        /// Buffer 0 is the silence buffer and is never assigned. The result is scratch: read it before the next compile.
        /// </summary>
        private int[] AssignBuffers(int[] order, int[] predecessorStarts, List<int> predecessors, int valueCount, int[] pinnedValues, CompileScratch scratch, out int bufferCount)
        {
            int jobCount = order.Length;
            int[] bufferOfValue = scratch.Ints(CompileScratch.BufferOfValue, valueCount, clear: false);
            int[] readsLeft = scratch.Ints(CompileScratch.ReadsLeft, valueCount, clear: true);
            for (int j = 0; j < jobCount; j++)
            {
                foreach (int value in _inputs[j])
                {
                    if (value != Silence)
                    {
                        readsLeft[value]++;
                    }
                }
            }

            // The readers of each value (CSR; a job that reads a value twice is there twice): its last users once
            // all have read it.
            int[] readerStarts = scratch.Ints(CompileScratch.ReaderStarts, valueCount + 1, clear: false);
            readerStarts[0] = 0;
            for (int v = 0; v < valueCount; v++)
            {
                readerStarts[v + 1] = readerStarts[v] + readsLeft[v];
            }

            int[] readers = scratch.Ints(CompileScratch.Readers, readerStarts[valueCount], clear: false);
            int[] cursor = scratch.Ints(CompileScratch.Cursor, valueCount, clear: false);
            Array.Copy(readerStarts, cursor, valueCount);
            for (int j = 0; j < jobCount; j++)
            {
                foreach (int value in _inputs[j])
                {
                    if (value != Silence)
                    {
                        readers[cursor[value]++] = j;
                    }
                }
            }

            bool[] pinned = scratch.Flags(valueCount);
            foreach (int value in pinnedValues)
            {
                if (value != Silence)
                {
                    pinned[value] = true;
                }
            }

            bool reuse = jobCount <= AncestorBitsetJobLimit;
            int words = (jobCount + 63) / 64;
            // Job j's ancestors are bits words*j .. words*(j+1) of one flat bitset.
            ulong[] ancestors = reuse ? scratch.Bits(jobCount * words) : [];
            // The value whose users last held each buffer (its readers, or its producer if it has none).
            int[] lastValue = scratch.Ints(CompileScratch.LastValueOfBuffer, valueCount + 1, clear: false);
            List<int> free = scratch.FreeBuffers;
            free.Clear();

            // Every release is an entry, numbered in release order (so in the free list's order), listed under the job
            // that released it: one of the buffer's last users, so a buffer can be reused by job J only if the job that
            // released it is an ancestor of J. A buffer is free with entry e while freeEntry[buffer] == e.
            int[] releasedHead = scratch.Ints(CompileScratch.ReleasedHead, jobCount, clear: false);
            Array.Fill(releasedHead, -1, 0, jobCount);
            int[] releasedNext = scratch.Ints(CompileScratch.ReleasedNext, valueCount, clear: false);
            int[] releasedBuffer = scratch.Ints(CompileScratch.ReleasedBuffer, valueCount, clear: false);
            int[] freeEntry = scratch.Ints(CompileScratch.FreeEntryOfBuffer, valueCount + 1, clear: false);
            int entries = 0;
            int next = 1;

            foreach (int j in order)
            {
                Span<ulong> set = reuse ? ancestors.AsSpan(j * words, words) : default;
                if (reuse)
                {
                    for (int k = predecessorStarts[j]; k < predecessorStarts[j + 1]; k++)
                    {
                        int p = predecessors[k];
                        ReadOnlySpan<ulong> parent = ancestors.AsSpan(p * words, words);
                        for (int w = 0; w < words; w++)
                        {
                            set[w] |= parent[w];
                        }

                        set[p >> 6] |= 1UL << (p & 63);
                    }
                }

                // A job with no ancestor (a source: most of a wide graph's voices begin with two) can take no buffer.
                int ancestorCount = 0;
                if (reuse)
                {
                    foreach (ulong word in set)
                    {
                        ancestorCount += System.Numerics.BitOperations.PopCount(word);
                    }
                }

                for (int c = 0; c < _outputCount[j]; c++)
                {
                    int value = _outputBase[j] + c;
                    int buffer = ancestorCount > 0 ? TakeFree(set, ancestorCount) : -1;
                    if (buffer < 0)
                    {
                        buffer = next++;
                    }

                    bufferOfValue[value] = buffer;
                    if (readsLeft[value] == 0 && !pinned[value])
                    {
                        Release(buffer, value, j);
                    }
                }

                foreach (int value in _inputs[j])
                {
                    if (value == Silence)
                    {
                        continue;
                    }

                    if (--readsLeft[value] == 0 && !pinned[value])
                    {
                        Release(bufferOfValue[value], value, j);
                    }
                }
            }

            bufferCount = next;
            return bufferOfValue;

            // The free buffer released last whose last users are all ancestors of the job, removed from the free list;
            // -1 if none. The most recent releases are tried in turn; past FreeScanLimit of them, only the releases of
            // the job's ancestors can qualify, and those are looked at instead of the rest of the list (a wide graph
            // frees hundreds of buffers that its other branches cannot take: trying them all was most of a compile).
            // A job with few ancestors has its ancestors' releases looked at first thing: the same buffer (the one
            // released last that qualifies is the newest qualifying entry of an ancestor, since one of its last users
            // released it), without trying the recent releases of the graph's other branches one by one.
            int TakeFree(Span<ulong> ancestorSet, int ancestorCount)
            {
                int below = int.MaxValue;
                if (ancestorCount > FreeScanLimit)
                {
                    int scanEnd = Math.Max(0, free.Count - FreeScanLimit);
                    for (int k = free.Count - 1; k >= scanEnd; k--)
                    {
                        if (LastUsersAreAncestors(lastValue[free[k]], ancestorSet))
                        {
                            return Take(k);
                        }
                    }

                    if (scanEnd == 0)
                    {
                        return -1;
                    }

                    // Entries at or after this one were tried above.
                    below = freeEntry[free[scanEnd]];
                }

                int best = -1;
                for (int w = 0; w < ancestorSet.Length; w++)
                {
                    for (ulong bits = ancestorSet[w]; bits != 0; bits &= bits - 1)
                    {
                        int ancestor = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                        // A job's entries are listed newest first.
                        for (int e = releasedHead[ancestor]; e > best; e = releasedNext[e])
                        {
                            int buffer = releasedBuffer[e];
                            if (e < below && freeEntry[buffer] == e && LastUsersAreAncestors(lastValue[buffer], ancestorSet))
                            {
                                best = e;
                                break;
                            }
                        }
                    }
                }

                return best < 0 ? -1 : Take(free.LastIndexOf(releasedBuffer[best]));
            }

            int Take(int k)
            {
                int buffer = free[k];
                free.RemoveAt(k);
                freeEntry[buffer] = -1;
                return buffer;
            }

            bool LastUsersAreAncestors(int value, Span<ulong> ancestorSet)
            {
                if (readerStarts[value] == readerStarts[value + 1])
                {
                    int producer = _producerOfValue[value];
                    return (ancestorSet[producer >> 6] & (1UL << (producer & 63))) != 0;
                }

                for (int k = readerStarts[value]; k < readerStarts[value + 1]; k++)
                {
                    int u = readers[k];
                    if ((ancestorSet[u >> 6] & (1UL << (u & 63))) == 0)
                    {
                        return false;
                    }
                }

                return true;
            }

            void Release(int buffer, int value, int job)
            {
                if (reuse)
                {
                    lastValue[buffer] = value;
                    free.Add(buffer);
                    int entry = entries++;
                    releasedBuffer[entry] = buffer;
                    releasedNext[entry] = releasedHead[job];
                    releasedHead[job] = entry;
                    freeEntry[buffer] = entry;
                }
            }
        }
    }

    private static (AudioNode[] Instances, bool[] Reused, int[] ParameterStarts, float[] ParameterValues) PrepareNodes(ResolvedNode[] nodes, CompileOptions options)
    {
        var instances = new AudioNode[nodes.Length];
        var reused = new bool[nodes.Length];
        var parameterStarts = new int[nodes.Length + 1];
        int parameterCount = 0;
        foreach (ResolvedNode node in nodes)
        {
            parameterCount += node.Parameters.Length;
        }

        var values = new float[parameterCount];
        int start = 0;
        foreach (ResolvedNode node in nodes)
        {
            parameterStarts[node.Index] = start;
            node.Parameters.CopyTo(values, start);
            start += node.Parameters.Length;
            AudioNode? previous = null;
            string previousId = options.PreviousIds is { } aliases && aliases.TryGetValue(node.Spec.Id, out string? alias) ? alias : node.Spec.Id;
            if (options.Previous is { } old && IndexIn(old, previousId, node.Index) is int oldIndex and >= 0)
            {
                if (CanReuse(old, oldIndex, node, options))
                {
                    // The same object carries on: its state continues without a copy, and its parameters glide
                    // to the new snapshot's values through its own smoothers.
                    instances[node.Index] = old.Nodes[oldIndex];
                    reused[node.Index] = true;
                    continue;
                }

                // Same identity and type name but another shape or definition: a new instance that takes over
                // what it can of the old one's state when prepared.
                if (old.NodeTypeArray[oldIndex].Name == node.Type.Name)
                {
                    previous = old.Nodes[oldIndex];
                }
            }

            AudioNode instance = node.Type.Create();
            var context = new PrepareContext(
                options.SampleRate,
                options.MaxBlockFrames,
                node.Channels,
                node.Parameters,
                NodeSeed(options.Seed, node.Spec.Id),
                node.Spec.Options);
            try
            {
                instance.Prepare(context, previous);
            }
            catch (ArgumentException e)
            {
                // A node's own check of its options: a graph error like any other, naming the node.
                throw new GraphValidationException([new GraphError(GraphErrorKind.InvalidOption, $"Node '{node.Spec.Id}' ({node.Type.Name}): {e.Message}")]);
            }

            instances[node.Index] = instance;
        }

        parameterStarts[nodes.Length] = start;
        return (instances, reused, parameterStarts, values);
    }

    /// <summary>
    /// Where node <paramref name="id"/> is in <paramref name="old"/>: most nodes of an edit are where they were (and a
    /// transition graph begins with the new graph's nodes), so the same place is tried before the index by id.
    /// </summary>
    private static int IndexIn(GraphSnapshot old, string id, int index) =>
        index < old.NodeIdArray.Length && string.Equals(old.NodeIdArray[index], id, StringComparison.Ordinal) ? index : old.IndexOfNode(id);

    /// <summary>
    /// A node instance can move into the new snapshot unchanged when nothing it was prepared with differs: the
    /// same type definition (not only the name: a redefined type needs a new instance), channel count, options
    /// and stream format. A crossfade never moves: a live change sets its start sample on the new instance
    /// (<see cref="CrossfadeNode.StartAt"/>) while the old one may still be playing its own fade; it keeps no state,
    /// so a new one continues it exactly. A crossfade is known by its type's name (a live change inserts them by it),
    /// not by asking the old instance: that read missed the cache for every node of a 1,200-node graph (the instances
    /// are scattered over the heap and the audio side's, not the compiler's), about 7 % of a commit in the engine.
    /// </summary>
    private static bool CanReuse(GraphSnapshot old, int oldIndex, ResolvedNode node, CompileOptions options) =>
        options.ReuseUnchangedNodes
        && ReferenceEquals(old.NodeTypeArray[oldIndex], node.Type)
        && !string.Equals(node.Type.Name, CoreNodeTypes.Crossfade, StringComparison.Ordinal)
        && old.NodeChannelArray[oldIndex] == node.Channels
        && old.SampleRate == options.SampleRate
        && old.MaxBlockFrames == options.MaxBlockFrames
        && NodeSpec.SameOptions(old.NodeOptionArray[oldIndex], node.Spec.Options);

    /// <summary>FNV-1a of the id mixed with the session seed by SplitMix64: stable across runs and platforms.</summary>
    internal static ulong NodeSeed(ulong sessionSeed, string id)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in id)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        ulong z = sessionSeed ^ hash;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static string? Suggest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = EditDistance(name, candidate);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        return bestDistance <= Math.Max(1, name.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    private static string PortList(string what, IReadOnlyList<PortDescriptor> ports) =>
        ports.Count == 0 ? $"it has no {what}" : $"its {what}: {string.Join(", ", ports.Select(p => p.Name))}";

    private static string Channels(int count) => count == 1 ? "1 channel" : $"{count} channels";
}
