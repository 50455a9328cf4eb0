using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;

namespace LiveEngine.Tests.Dsp.Banks;

/// <summary>Graphs the bank tests share.</summary>
internal static class BankTestGraphs
{
    /// <summary>Saw voices (one bank kind) and saws through biquads (another), all into the output.</summary>
    public static GraphDescription TwoKinds(int sawVoices)
    {
        GraphDescription graph = StandardWorkloads.Voices(sawVoices);
        GraphDescription chains = StandardWorkloads.Chains(8, 2);
        foreach (NodeSpec node in chains.Nodes)
        {
            if (node.Id != "out")
            {
                node.Id = "c" + node.Id;
                graph.Nodes.Add(node);
            }
        }

        foreach (EdgeSpec edge in chains.Edges)
        {
            edge.From = "c" + edge.From;
            edge.To = edge.To == "out" ? "out" : "c" + edge.To;
            graph.Edges.Add(edge);
        }

        return graph;
    }
}
