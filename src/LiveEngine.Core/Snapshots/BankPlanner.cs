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

    public static List<PlannedBank> Plan(GraphCompiler.ResolvedNode[] nodes, List<GraphCompiler.ResolvedEdge> edges, IReadOnlyList<BankDescriptor> descriptors, CompileOptions options)
    {
        var result = new List<PlannedBank>();
        if (!options.Banking || descriptors.Count == 0)
        {
            return result;
        }

        var incoming = new int[nodes.Length];
        var outgoing = new List<GraphCompiler.ResolvedEdge>[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            outgoing[i] = [];
        }

        foreach (GraphCompiler.ResolvedEdge edge in edges)
        {
            incoming[edge.To]++;
            outgoing[edge.From].Add(edge);
        }

        var incomingEdges = new List<GraphCompiler.ResolvedEdge>[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            incomingEdges[i] = [];
        }

        foreach (GraphCompiler.ResolvedEdge edge in edges)
        {
            incomingEdges[edge.To].Add(edge);
        }

        var taken = new bool[nodes.Length];
        var graph = new Graph(nodes, incoming, outgoing, incomingEdges, taken);
        foreach (BankDescriptor descriptor in descriptors)
        {
            // (consumer, port, nodes per stage) → chains, in source-node order (nodes are visited in index order).
            var groups = new SortedDictionary<(int Consumer, int Port, string Shape), List<int[]>>();
            foreach (GraphCompiler.ResolvedNode source in nodes)
            {
                if (TryLane(source.Index, descriptor, graph, out int[]? chain, out string? shape, out GraphCompiler.ResolvedEdge last))
                {
                    if (!groups.TryGetValue((last.To, last.ToPort, shape), out List<int[]>? list))
                    {
                        groups[(last.To, last.ToPort, shape)] = list = [];
                    }

                    list.Add(chain);
                }
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

        return result;
    }

    private sealed record Graph(
        GraphCompiler.ResolvedNode[] Nodes,
        int[] Incoming,
        List<GraphCompiler.ResolvedEdge>[] Outgoing,
        List<GraphCompiler.ResolvedEdge>[] IncomingEdges,
        bool[] Taken);

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
        if (graph.Incoming[source] != 0 || !descriptor.Chain[0].Accepts(graph.Nodes[source].Type))
        {
            // Most nodes start no lane of a given kind: checked before anything is allocated.
            return false;
        }

        var sidesPerStage = new int[descriptor.Chain.Count];
        foreach (BankSide side in descriptor.Sides)
        {
            sidesPerStage[side.IntoStage]++;
        }

        var chain = new List<int>();
        var counts = new int[descriptor.Chain.Count];
        int at = source;
        int stageIndex = 0;
        while (true)
        {
            BankStage stage = descriptor.Chain[stageIndex];
            int expectedIncoming = chain.Count == 0 ? 0 : 1 + (counts[stageIndex] == 0 ? sidesPerStage[stageIndex] : 0);
            if (!Qualifies(at, stage, graph) || graph.Incoming[at] != expectedIncoming)
            {
                return false;
            }

            chain.Add(at);
            counts[stageIndex]++;
            GraphCompiler.ResolvedEdge edge = graph.Outgoing[at][0];
            bool repeat = counts[stageIndex] < stage.MaxRepeat && edge.ToPort == 0 && stage.Accepts(graph.Nodes[edge.To].Type);
            if (!repeat && stageIndex == descriptor.Chain.Count - 1)
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
        int[] stageNodes = StageNodes(chain, counts);
        var sides = new int[descriptor.Sides.Count];
        for (int i = 0; i < sides.Length; i++)
        {
            BankSide side = descriptor.Sides[i];
            int into = stageNodes[side.IntoStage];
            int found = -1;
            foreach (GraphCompiler.ResolvedEdge edge in graph.IncomingEdges[into])
            {
                if (edge.ToPort == side.IntoPort)
                {
                    if (found >= 0)
                    {
                        return false;
                    }

                    found = edge.From;
                }
            }

            if (found < 0 || graph.Incoming[found] != 0 || !Qualifies(found, new BankStage(side.Types), graph))
            {
                return false;
            }

            sides[i] = found;
        }

        lane = [.. sides, .. chain];
        shape = string.Join(',', counts);
        return true;
    }

    /// <summary>The first node of each chain stage.</summary>
    private static int[] StageNodes(List<int> chain, int[] counts)
    {
        var result = new int[counts.Length];
        int at = 0;
        for (int s = 0; s < counts.Length; s++)
        {
            result[s] = chain[at];
            at += counts[s];
        }

        return result;
    }

    private static bool Qualifies(int index, BankStage stage, Graph graph)
    {
        GraphCompiler.ResolvedNode node = graph.Nodes[index];

        // Any option disqualifies, the opt-out (OptOutOption = "off") included: like chains must have equal options.
        // A stage the bank runs node by node may take options that differ (a sampler's sample), but not the opt-out.
        bool optionsFit = node.Spec.Options.Count == 0 || (stage.AllowsOptions && !node.Spec.Options.ContainsKey(OptOutOption));
        return !graph.Taken[index]
            && stage.Accepts(node.Type)
            && node.Channels == node.Type.DefaultChannels
            && optionsFit
            && graph.Outgoing[index].Count == 1
            && graph.Outgoing[index][0].FromPort == 0;
    }
}
