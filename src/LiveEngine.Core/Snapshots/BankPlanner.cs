using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// Finds the voice banks of a graph: groups of like chains (the stages of a registered <see cref="BankDescriptor"/>)
/// whose last stages feed the same input, and cuts each group into banks of at most <see cref="MaxLanes"/> lanes.
/// Control thread only.
/// </summary>
/// <remarks>
/// Design: a chain qualifies when its source has no inputs connected, each stage feeds only the next one (output
/// port 0 to input port 0, the next stage having no other input), the last stage has exactly one outgoing edge,
/// every node has its type's default channel count and no options (so like chains are isomorphic: same types,
/// edges and options; only parameters differ). Chains are grouped by (bank kind, consumer node, consumer port) and
/// taken in source-node order, so the banks depend only on the description: never on the thread count, the block
/// size or the machine's vector width (a lane layout of 16 floats per group is fixed, and the tiers only change
/// how a group is computed), which keeps renders bit-identical everywhere.
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

        var taken = new bool[nodes.Length];
        foreach (BankDescriptor descriptor in descriptors)
        {
            // (consumer, port) → chains, in source-node order (nodes are visited in index order).
            var groups = new SortedDictionary<(int Consumer, int Port), List<int[]>>();
            foreach (GraphCompiler.ResolvedNode source in nodes)
            {
                if (TryChain(source.Index, descriptor, nodes, incoming, outgoing, taken, out int[]? chain, out GraphCompiler.ResolvedEdge last))
                {
                    if (!groups.TryGetValue((last.To, last.ToPort), out List<int[]>? list))
                    {
                        groups[(last.To, last.ToPort)] = list = [];
                    }

                    list.Add(chain);
                }
            }

            foreach (((int consumer, int port), List<int[]> chains) in groups)
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

    private static bool TryChain(
        int source,
        BankDescriptor descriptor,
        GraphCompiler.ResolvedNode[] nodes,
        int[] incoming,
        List<GraphCompiler.ResolvedEdge>[] outgoing,
        bool[] taken,
        out int[] chain,
        out GraphCompiler.ResolvedEdge last)
    {
        chain = [];
        last = default;
        if (incoming[source] != 0)
        {
            return false;
        }

        var stages = new int[descriptor.Stages.Count];
        int at = source;
        for (int s = 0; s < stages.Length; s++)
        {
            GraphCompiler.ResolvedNode node = nodes[at];
            if (taken[at]
                || !ReferenceEquals(node.Type, descriptor.Stages[s])
                || node.Channels != node.Type.DefaultChannels
                || node.Spec.Options.Count != 0
                || outgoing[at].Count != 1
                || outgoing[at][0].FromPort != 0)
            {
                // Any option disqualifies, the opt-out (OptOutOption = "off") included: like chains must have equal options.
                return false;
            }

            stages[s] = at;
            GraphCompiler.ResolvedEdge edge = outgoing[at][0];
            if (s == stages.Length - 1)
            {
                last = edge;
                break;
            }

            if (edge.ToPort != 0 || incoming[edge.To] != 1)
            {
                return false;
            }

            at = edge.To;
        }

        chain = stages;
        return true;
    }
}
