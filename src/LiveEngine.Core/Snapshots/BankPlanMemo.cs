using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// What the bank planner's last plan on this thread read, so that the next plan skips the lane sources whose search
/// cannot turn out differently: a live edit plans twice (the crossfade's graph, then the graph) and changes a few
/// nodes of a thousand, while every voice chain was walked again for every bank kind. Control thread only; keeps no
/// graph alive (node types, counts and edge values only, in arrays reused from plan to plan).
/// </summary>
/// <remarks>
/// Design: a source is skipped when, in the last plan, every bank kind's search from it failed without meeting a node
/// another bank had taken, and every node any of those searches read (its footprint) is clean: the same type, channels
/// and option state, at the same index, and no edge into or out of it differs at its place in the edge list. A search
/// reads nothing but those nodes, their edges and the taken flags, and a taken node only ends a search early, so each
/// search from a skipped source would fail again. A source whose search found a lane is searched again (the lanes and
/// banks are then formed as before), so the plan is the one a full search gives.
/// </remarks>
internal sealed class BankPlanMemo
{
    [ThreadStatic]
    private static BankPlanMemo? s_current;

    private Record _previous = new();
    private Record _next = new();
    private bool[] _dirty = [];
    private bool[] _skip = [];
    private bool[] _impure = [];
    private readonly List<(int Source, int Node)> _reads = [];

    /// <summary>This thread's memo.</summary>
    public static BankPlanMemo Current => s_current ??= new BankPlanMemo();

    /// <summary>Sources the last plan searched (the rest it skipped): for tests.</summary>
    public int LastSearchedSources { get; private set; }

    /// <summary>The source whose searches are being recorded.</summary>
    public int Source { get; set; }

    /// <summary>Makes the next plan search every source (a test's full re-plan).</summary>
    public void Forget() => _previous.Valid = false;

    /// <summary>
    /// Starts a plan of this graph: records its nodes and edges for the next plan, and finds which sources the last
    /// plan's searches let this one skip (<see cref="Skips"/>).
    /// </summary>
    public void Begin(GraphCompiler.ResolvedNode[] nodes, List<GraphCompiler.ResolvedEdge> edges, IReadOnlyList<BankDescriptor> descriptors, List<int> sources)
    {
        int nodeCount = nodes.Length;
        Record next = _next;
        next.Valid = false;
        next.Capture(nodes, edges, descriptors);
        _reads.Clear();
        LastSearchedSources = 0;
        Grow(ref _impure, nodeCount);
        Grow(ref _skip, nodeCount);
        Array.Clear(_impure, 0, nodeCount);
        Array.Clear(_skip, 0, nodeCount);

        Record previous = _previous;
        if (previous.Valid && previous.SameDescriptors(next))
        {
            FindSkipped(previous, next, sources);
        }

        // Every search from a source reads the source: the searches of the rest add what else they read.
        foreach (int source in sources)
        {
            if (!_skip[source])
            {
                _reads.Add((source, source));
            }
        }
    }

    private void FindSkipped(Record previous, Record next, List<int> sources)
    {
        int nodeCount = next.NodeCount;

        // Dirty: a node whose own state differs, or an end of an edge that differs at its place in either list (a
        // node that is neither has the same edges in and out, in the same order).
        Grow(ref _dirty, nodeCount);
        bool[] dirty = _dirty;
        for (int i = 0; i < nodeCount; i++)
        {
            dirty[i] = i >= previous.NodeCount
                || !ReferenceEquals(previous.Types[i], next.Types[i])
                || previous.Channels[i] != next.Channels[i]
                || previous.OptionStates[i] != next.OptionStates[i];
        }

        int common = Math.Min(previous.EdgeCount, next.EdgeCount);
        for (int e = 0; e < Math.Max(previous.EdgeCount, next.EdgeCount); e++)
        {
            if (e < common && previous.Edges[e] == next.Edges[e])
            {
                continue;
            }

            if (e < previous.EdgeCount)
            {
                MarkEnds(previous.Edges[e], dirty, nodeCount);
            }

            if (e < next.EdgeCount)
            {
                MarkEnds(next.Edges[e], dirty, nodeCount);
            }
        }

        foreach (int source in sources)
        {
            if (source >= previous.NodeCount || !previous.Reusable[source])
            {
                continue;
            }

            bool clean = true;
            for (int k = previous.FootprintStarts[source]; k < previous.FootprintStarts[source + 1] && clean; k++)
            {
                int node = previous.Footprint[k];
                clean = node < nodeCount && !dirty[node];
            }

            if (clean)
            {
                _skip[source] = true;
                for (int k = previous.FootprintStarts[source]; k < previous.FootprintStarts[source + 1]; k++)
                {
                    _reads.Add((source, previous.Footprint[k]));
                }
            }
        }
    }

    /// <summary>Whether this plan skips <paramref name="source"/>: every search from it fails, as it did last time.</summary>
    public bool Skips(int source) => _skip[source];

    /// <summary>A search from <see cref="Source"/> read <paramref name="node"/>.</summary>
    public void Read(int node) => _reads.Add((Source, node));

    /// <summary>A search from <see cref="Source"/> met a taken node or found a lane: not skipped next time.</summary>
    public void MarkImpure() => _impure[Source] = true;

    /// <summary>Ends a plan that completed: its footprints become what the next plan compares against.</summary>
    public void End(List<int> sources)
    {
        Record next = _next;
        int nodeCount = next.NodeCount;
        Grow(ref next.FootprintStarts, nodeCount + 1);
        Grow(ref next.Reusable, nodeCount);
        int[] starts = next.FootprintStarts;
        Array.Clear(starts, 0, nodeCount + 1);
        Array.Clear(next.Reusable, 0, nodeCount);
        foreach ((int source, _) in _reads)
        {
            starts[source + 1]++;
        }

        for (int i = 0; i < nodeCount; i++)
        {
            starts[i + 1] += starts[i];
        }

        Grow(ref next.Footprint, _reads.Count);
        Grow(ref next.Cursor, nodeCount);
        Array.Copy(starts, next.Cursor, nodeCount);
        foreach ((int source, int node) in _reads)
        {
            next.Footprint[next.Cursor[source]++] = node;
        }

        int searched = 0;
        foreach (int source in sources)
        {
            next.Reusable[source] = !_impure[source];
            searched += _skip[source] ? 0 : 1;
        }

        _reads.Clear();
        LastSearchedSources = searched;
        next.Valid = true;
        (_previous, _next) = (next, _previous);
    }

    private static void MarkEnds(GraphCompiler.ResolvedEdge edge, bool[] dirty, int nodeCount)
    {
        if (edge.From < nodeCount)
        {
            dirty[edge.From] = true;
        }

        if (edge.To < nodeCount)
        {
            dirty[edge.To] = true;
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            array = new T[Math.Max(length, 2 * array.Length)];
        }
    }

    /// <summary>One plan's graph, as far as a lane search reads it, and the nodes each of its sources' searches read.</summary>
    private sealed class Record
    {
        // Fields, not properties: the memo grows the arrays in place.
        public bool Valid;
        public int NodeCount;
        public int EdgeCount;
        public NodeTypeDescriptor?[] Types = [];
        public int[] Channels = [];
        public byte[] OptionStates = [];
        public GraphCompiler.ResolvedEdge[] Edges = [];
        public BankDescriptor?[] Descriptors = [];
        public int DescriptorCount;
        public int[] FootprintStarts = [];
        public int[] Footprint = [];
        public int[] Cursor = [];
        public bool[] Reusable = [];

        public void Capture(GraphCompiler.ResolvedNode[] nodes, List<GraphCompiler.ResolvedEdge> edges, IReadOnlyList<BankDescriptor> descriptors)
        {
            NodeCount = nodes.Length;
            Grow(ref Types, NodeCount);
            Grow(ref Channels, NodeCount);
            Grow(ref OptionStates, NodeCount);
            for (int i = 0; i < nodes.Length; i++)
            {
                GraphCompiler.ResolvedNode node = nodes[i];
                Types[i] = node.Type;
                Channels[i] = node.Channels;
                Dictionary<string, string> options = node.Spec.Options;
                OptionStates[i] = options.Count == 0 ? (byte)0 : options.ContainsKey(BankPlanner.OptOutOption) ? (byte)2 : (byte)1;
            }

            // Types past the count are left as they were: only the first NodeCount are compared.
            EdgeCount = edges.Count;
            Grow(ref Edges, EdgeCount);
            edges.CopyTo(Edges);
            DescriptorCount = descriptors.Count;
            Grow(ref Descriptors, DescriptorCount);
            for (int i = 0; i < DescriptorCount; i++)
            {
                Descriptors[i] = descriptors[i];
            }
        }

        public bool SameDescriptors(Record other)
        {
            if (DescriptorCount != other.DescriptorCount)
            {
                return false;
            }

            for (int i = 0; i < DescriptorCount; i++)
            {
                if (!ReferenceEquals(Descriptors[i], other.Descriptors[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
