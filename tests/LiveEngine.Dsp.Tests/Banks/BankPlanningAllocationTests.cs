using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Banks;

/// <summary>
/// What looking for voice banks costs a compile on the control thread. A live commit compiles twice (the crossfade's
/// graph and the graph), and every byte is garbage the engine process collects while it plays.
/// </summary>
public sealed class BankPlanningAllocationTests(ITestOutputHelper output)
{
    private const int Block = 128;

    // The 'session' workload (about 1,200 nodes, every bank kind registered) forms no bank, so planning should cost
    // little more than the lanes it finds (none here). Before the planner took its working memory from the compiler's
    // scratch it allocated 0.84 MB per compile: two lists of edges per node, and an enumerator for every node and bank
    // kind (BankStage.Accepts iterated its types with foreach over an interface).
    private const long MaxPlanningBytesPerCompile = 64_000;

    [Fact]
    public void Compile_WithBanking_AllocatesLittleMoreThanWithout_WhenTheGraphHasNoBank()
    {
        GraphDescription graph = StandardWorkloads.Create("session");
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var banked = new CompileOptions { MaxBlockFrames = Block, Banking = true };
        var unbanked = new CompileOptions { MaxBlockFrames = Block, Banking = false };

        // Warm up both (JIT, the compiler's scratch, and both records of the planner's memo, which a plan fills in
        // turn), then measure the next of each.
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, registry, banked);
        Assert.Empty(snapshot.Banks);
        GraphCompiler.Compile(graph, registry, banked);
        GraphCompiler.Compile(graph, registry, unbanked);
        long withBanking = Allocated(() => GraphCompiler.Compile(graph, registry, banked));
        long withoutBanking = Allocated(() => GraphCompiler.Compile(graph, registry, unbanked));

        output.WriteLine($"Compile of 'session': {withBanking:N0} bytes with banking, {withoutBanking:N0} without");
        Assert.InRange(withBanking - withoutBanking, long.MinValue, MaxPlanningBytesPerCompile);
    }

    private static long Allocated(Action compile)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        compile();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
