using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// Finds the voice banks of a graph: groups of like chains (the stages of a registered <see cref="BankDescriptor"/>)
/// whose last stages feed the same input, and cuts each group into banks of at most <see cref="MaxLanes"/> lanes.
/// Control thread only.
/// </summary>
/// <remarks>
/// Design: a lane qualifies when its source has no inputs connected, each chain stage feeds only the next one (output
/// port 0 to input port 0; a repeated stage, such as a run of biquads, takes as many nodes in a row as it can up to its
/// maximum), each side (an envelope into a VCA's cv) is a source whose one edge goes into its stage's port, no node has
/// other inputs, the last stage has exactly one outgoing edge, and every node has its type's default channel count and
/// no options (so like lanes are isomorphic: same shape, edges and options; only parameters, and within a stage's
/// accepted types the types, differ). Lanes are grouped by (bank kind, consumer node, consumer port, nodes per stage)
/// and taken in source-node order, so the banks depend only on the description: never on the thread count, the block
/// size or the machine's vector width (a lane layout of 16 floats per group is fixed, and the tiers only change how a
/// group is computed), which keeps renders bit-identical everywhere.
/// </remarks>
internal static class BankPlanner
{
    /// <summary>Lanes per bank at most: 4 groups of 16, enough independent recursions to hide the filter's latency.</summary>
    public const int MaxLanes = 64;

    /// <summary>Smallest group worth a bank.</summary>
    public const int MinLanes = 2;

    /// <summary>The node option that keeps a node out of every bank.</summary>
    public const string OptOutOption = "bank";

    internal sealed record PlannedBank(BankDescriptor Descriptor, int[][] Lanes, int Consumer, int ConsumerPort);

    /// <summary>
    /// The banks of a graph. <paramref name="intoStarts"/> and <paramref name="intoEdges"/> list the edges into each
    /// node in declaration order (CSR over edge indices). Its working memory comes from <see cref="CompileScratch"/>:
    /// a commit of a graph of a thousand nodes plans its banks twice (the crossfade's graph and the graph), and only
    /// the lanes it finds allocate.
    /// </summary>
    public static List<PlannedBank> Plan(GraphCompiler.ResolvedNode[] nodes, List<GraphCompiler.ResolvedEdge> edges, int[] intoStarts, int[] intoEdges, IReadOnlyList<BankDescriptor> descriptors, CompileOptions options)
    {
        var result = new List<PlannedBank>();
        if (!options.Banking || descriptors.Count == 0)
        {
            return result;
        }

        // The edges out of each node, in declaration order (CSR, in scratch).
        CompileScratch scratch = CompileScratch.Current;
        int[] outStarts = scratch.Ints(CompileScratch.OutStarts, nodes.Length + 1, clear: true);
        foreach (GraphCompiler.ResolvedEdge edge in edges)
        {
            outStarts[edge.From + 1]++;
        }

        for (int i = 0; i < nodes.Length; i++)
        {
            outStarts[i + 1] += outStarts[i];
        }

        int[] outEdges = scratch.Ints(CompileScratch.OutEdges, edges.Count, clear: false);
        int[] cursor = scratch.Ints(CompileScratch.Cursor, nodes.Length, clear: false);
        Array.Copy(outStarts, cursor, nodes.Length);
        for (int e = 0; e < edges.Count; e++)
        {
            outEdges[cursor[edges[e].From]++] = e;
        }

        bool[] taken = scratch.Flags(nodes.Length);
        BankPlanMemo memo = BankPlanMemo.Current;
        var graph = new Graph(nodes, edges, intoStarts, intoEdges, outStarts, outEdges, taken, scratch.LaneChain, memo);

        // A lane starts at a node with no input connected: those are listed once, not asked of every node per bank kind.
        List<int> sources = scratch.LaneSources;
        sources.Clear();
        for (int n = 0; n < nodes.Length; n++)
        {
            if (intoStarts[n + 1] == intoStarts[n])
            {
                sources.Add(n);
            }
        }

        // The sources whose every search failed last plan, over nodes this edit left alone, fail again: not searched.
        memo.Begin(nodes, edges, descriptors, sources);

        foreach (BankDescriptor descriptor in descriptors)
        {
            // (consumer, port, nodes per stage) → chains, in source-node order (nodes are visited in index order).
            SortedDictionary<(int Consumer, int Port, string Shape), List<int[]>>? groups = null;
            BankStage first = descriptor.Chain[0];
            foreach (int source in sources)
            {
                if (memo.Skips(source))
                {
                    continue;
                }

                memo.Source = source;
                if (!first.Accepts(nodes[source].Type))
                {
                    continue;
                }

                if (TryLane(source, descriptor, graph, out int[]? chain, out string? shape, out GraphCompiler.ResolvedEdge last))
                {
                    memo.MarkImpure();
                    groups ??= [];
                    if (!groups.TryGetValue((last.To, last.ToPort, shape), out List<int[]>? list))
                    {
                        groups[(last.To, last.ToPort, shape)] = list = [];
                    }

                    list.Add(chain);
                }
            }

            if (groups is null)
            {
                continue;
            }

            foreach (((int consumer, int port, _), List<int[]> chains) in groups)
            {
                if (chains.Count < MinLanes)
                {
                    continue;
                }

                int bankCount = (chains.Count + MaxLanes - 1) / MaxLanes;
                int start = 0;
                for (int b = 0; b < bankCount; b++)
                {
                    // Balanced sizes: the first (count mod banks) banks take one lane more.
                    int size = (chains.Count / bankCount) + (b < chains.Count % bankCount ? 1 : 0);
                    int[][] lanes = [.. chains.GetRange(start, size)];
                    start += size;
                    foreach (int[] lane in lanes)
                    {
                        foreach (int n in lane)
                        {
                            taken[n] = true;
                        }
                    }

                    result.Add(new PlannedBank(descriptor, lanes, consumer, port));
                }
            }
        }

        memo.End(sources);
        return result;
    }

    private sealed record Graph(
        GraphCompiler.ResolvedNode[] Nodes,
        List<GraphCompiler.ResolvedEdge> Edges,
        int[] IntoStarts,
        int[] IntoEdges,
        int[] OutStarts,
        int[] OutEdges,
        bool[] Taken,
        List<int> Chain,
        BankPlanMemo Memo)
    {
        public int Incoming(int node) => IntoStarts[node + 1] - IntoStarts[node];

        public int OutgoingCount(int node) => OutStarts[node + 1] - OutStarts[node];

        /// <summary>The node's first outgoing edge (in declaration order); it has at least one.</summary>
        public GraphCompiler.ResolvedEdge FirstOutgoing(int node) => Edges[OutEdges[OutStarts[node]]];
    }

    /// <summary>
    /// Matches the descriptor's chain from <paramref name="source"/> on (each repeated stage taking as many nodes in a
    /// row as it can, up to its maximum), then its sides; <paramref name="lane"/> lists the sides' nodes, then the
    /// chain's, and <paramref name="shape"/> the nodes per chain stage (lanes of one bank have the same shape).
    /// </summary>
    private static bool TryLane(int source, BankDescriptor descriptor, Graph graph, out int[] lane, out string shape, out GraphCompiler.ResolvedEdge last)
    {
        lane = [];
        shape = "";
        last = default;
        if (graph.Incoming(source) != 0 || !descriptor.Chain[0].Accepts(graph.Nodes[source].Type))
        {
            // Most nodes start no lane of a given kind: checked before anything is allocated.
            return false;
        }

        // Nothing is allocated until the lane is found: its chain goes to scratch, the counts to the stack.
        int stageCount = descriptor.Chain.Count;
        Span<int> sidesPerStage = stageCount <= 64 ? stackalloc int[stageCount] : new int[stageCount];
        Span<int> counts = stageCount <= 64 ? stackalloc int[stageCount] : new int[stageCount];
        sidesPerStage.Clear();
        counts.Clear();
        for (int i = 0; i < descriptor.Sides.Count; i++)
        {
            sidesPerStage[descriptor.Sides[i].IntoStage]++;
        }

        List<int> chain = graph.Chain;
        chain.Clear();
        int at = source;
        int stageIndex = 0;
        while (true)
        {
            BankStage stage = descriptor.Chain[stageIndex];
            int expectedIncoming = chain.Count == 0 ? 0 : 1 + (counts[stageIndex] == 0 ? sidesPerStage[stageIndex] : 0);
            if (!Qualifies(at, stage.Accepts(graph.Nodes[at].Type), stage.AllowsOptions, graph) || graph.Incoming(at) != expectedIncoming)
            {
                return false;
            }

            chain.Add(at);
            counts[stageIndex]++;
            GraphCompiler.ResolvedEdge edge = graph.FirstOutgoing(at);
            graph.Memo.Read(edge.To);
            bool repeat = counts[stageIndex] < stage.MaxRepeat && edge.ToPort == 0 && stage.Accepts(graph.Nodes[edge.To].Type);
            if (!repeat && stageIndex == stageCount - 1)
            {
                last = edge;
                break;
            }

            if (edge.ToPort != 0)
            {
                return false;
            }

            at = edge.To;
            if (!repeat)
            {
                stageIndex++;
            }
        }

        // Sides: the one edge into each side port must come from a qualifying source of the side's types.
        int sideCount = descriptor.Sides.Count;
        Span<int> sides = sideCount <= 64 ? stackalloc int[sideCount] : new int[sideCount];
        for (int i = 0; i < sideCount; i++)
        {
            BankSide side = descriptor.Sides[i];
            int into = StageNode(chain, counts, side.IntoStage);
            int found = -1;
            for (int k = graph.IntoStarts[into]; k < graph.IntoStarts[into + 1]; k++)
            {
                GraphCompiler.ResolvedEdge edge = graph.Edges[graph.IntoEdges[k]];
                if (edge.ToPort == side.IntoPort)
                {
                    if (found >= 0)
                    {
                        return false;
                    }

                    found = edge.From;
                }
            }

            if (found >= 0)
            {
                graph.Memo.Read(found);
            }

            if (found < 0 || graph.Incoming(found) != 0 || !Qualifies(found, Accepts(side.Types, graph.Nodes[found].Type), allowsOptions: false, graph))
            {
                return false;
            }

            sides[i] = found;
        }

        lane = new int[sideCount + chain.Count];
        sides.CopyTo(lane);
        chain.CopyTo(lane, sideCount);
        shape = string.Join(',', counts.ToArray());
        return true;
    }

    /// <summary>The first node of chain stage <paramref name="stage"/>.</summary>
    private static int StageNode(List<int> chain, ReadOnlySpan<int> counts, int stage)
    {
        int at = 0;
        for (int s = 0; s < stage; s++)
        {
            at += counts[s];
        }

        return chain[at];
    }

    private static bool Accepts(IReadOnlyList<NodeTypeDescriptor> types, NodeTypeDescriptor type)
    {
        for (int i = 0; i < types.Count; i++)
        {
            if (ReferenceEquals(types[i], type))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Qualifies(int index, bool accepted, bool allowsOptions, Graph graph)
    {
        GraphCompiler.ResolvedNode node = graph.Nodes[index];
        if (graph.Taken[index])
        {
            // A search that met a taken node may find a lane once that node is free again: searched next time.
            graph.Memo.MarkImpure();
            return false;
        }

        // Any option disqualifies, the opt-out (OptOutOption = "off") included: like chains must have equal options.
        // A stage the bank runs node by node may take options that differ (a sampler's sample), but not the opt-out.
        bool optionsFit = node.Spec.Options.Count == 0 || (allowsOptions && !node.Spec.Options.ContainsKey(OptOutOption));
        return !graph.Taken[index]
            && accepted
            && node.Channels == node.Type.DefaultChannels
            && optionsFit
            && graph.OutgoingCount(index) == 1
            && graph.FirstOutgoing(index).FromPort == 0;
    }
}
