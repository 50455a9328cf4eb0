using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Live;

/// <summary>
/// Managed memory allocated on the control thread by one commit of the 'session' workload (about 1,200 nodes).
/// Every byte here is garbage the engine process must collect while it plays; a big commit once caused blocking
/// gen-2 collections and xruns (docs/performance.md, "Allocation per commit").
/// </summary>
public sealed class CommitAllocationTests(ITestOutputHelper output)
{
    private const int Block = 128;
    private static int s_edit;

    // About 30 % above the measured figures (4.6 MB and 8.2 MB, see docs/performance.md) and well below the
    // figures before the JSON round trips and the second validation went (9.1 MB and 14.4 MB): fails if a big
    // allocation comes back.
    private const long MaxBytesPerParameterEdit = 6_000_000;
    private const long MaxBytesPerNodeReplacement = 10_500_000;

    [Fact]
    public void Commit_OfSessionWorkload_AllocatesABoundedAmount()
    {
        GraphDescription graph = StandardWorkloads.Create("session");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = Block });
        Render(session);

        // Warm up both kinds of commit once (JIT, first-use caches), then measure the second of each.
        Commit(session, ChangeParameter);
        Commit(session, ReplaceNode);
        long parameter = Commit(session, ChangeParameter);
        long replace = Commit(session, ReplaceNode);

        output.WriteLine($"Parameter edit: {parameter:N0} bytes per commit");
        output.WriteLine($"Node replacement: {replace:N0} bytes per commit");
        Assert.InRange(parameter, 0, MaxBytesPerParameterEdit);
        Assert.InRange(replace, 0, MaxBytesPerNodeReplacement);
    }

    private static void ChangeParameter(GraphDescription graph) =>
        graph.Nodes.Find(n => n.Id == "bus0")!.Parameters["level"] = (s_edit++ % 2 == 0) ? 0.6 : 0.7;

    // Alternates the type of one voice's filter, which needs a new instance and a crossfade.
    private static void ReplaceNode(GraphDescription graph)
    {
        NodeSpec filter = graph.Nodes.Find(n => n.Id == "t0.v0.lpf")!;
        filter.Type = filter.Type == "rlpf" ? "lpf" : "rlpf";
    }

    /// <summary>Bytes this thread allocated to commit an edit; renders afterwards so that the commit lands and its fade ends.</summary>
    private static long Commit(LiveSession session, Action<GraphDescription> change)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        session.Edit(change, Quantization.Now);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Render(session);
        return bytes;
    }

    // 40 ms at 48 kHz: past the 20 ms crossfade and the swap that ends it.
    private static void Render(LiveSession session)
    {
        for (int i = 0; i < 15; i++)
        {
            session.Renderer.Render(Block);
        }

        session.Maintain();
    }
}
