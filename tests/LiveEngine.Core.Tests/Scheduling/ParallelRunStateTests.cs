using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;
using LiveEngine.Tests.Snapshots;

namespace LiveEngine.Tests.Scheduling;

/// <summary>The run state's orders, built without LINQ, are the orders the scheduling policies define.</summary>
public sealed class ParallelRunStateTests
{
    [Theory]
    [InlineData(SchedulingPolicy.CriticalPathFirst, 11)]
    [InlineData(SchedulingPolicy.CriticalPathFirst, 12)]
    [InlineData(SchedulingPolicy.Wavefront, 13)]
    public void Orders_MatchThePolicysDefinition(SchedulingPolicy policy, int seed)
    {
        GraphDescription graph = SnapshotCompilerTests.RandomGraph(seed, 300);
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64 });
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, Policy = policy, AdaptiveSerial = false });
        var state = new ParallelRunState(executor, snapshot, 2, policy);
        int jobs = snapshot.Jobs.Length;
        double[] ranks = snapshot.Ranks;
        bool byRank = policy == SchedulingPolicy.CriticalPathFirst;

        int[] sources = [.. Enumerable.Range(0, jobs).Where(j => snapshot.DependencyCounts[j] == 0)];
        int[] seeds = byRank ? [.. sources.OrderByDescending(j => ranks[j]).ThenBy(j => j)] : sources;
        Assert.Equal(seeds, state.Seeds);

        for (int j = 0; j < jobs; j++)
        {
            int start = snapshot.SuccessorStarts[j];
            int count = snapshot.SuccessorStarts[j + 1] - start;
            IEnumerable<int> successors = new ArraySegment<int>(snapshot.Successors, start, count);
            successors = byRank ? successors.OrderBy(s => ranks[s]).ThenByDescending(s => s) : successors;
            Assert.Equal(successors.ToArray(), state.SuccessorOrder.AsSpan(start, count).ToArray());

            int[] predecessors = [.. Enumerable.Range(0, jobs).Where(p => new ArraySegment<int>(snapshot.Successors, snapshot.SuccessorStarts[p], snapshot.SuccessorStarts[p + 1] - snapshot.SuccessorStarts[p]).Contains(j))];
            Assert.Equal(predecessors, state.Predecessors.AsSpan(state.PredecessorStarts[j], state.PredecessorStarts[j + 1] - state.PredecessorStarts[j]).ToArray());
        }

        int[] byLevel = [.. Enumerable.Range(0, jobs).OrderBy(j => snapshot.Levels[j]).ThenByDescending(j => ranks[j])];
        Assert.Equal(byLevel, state.JobsByLevel);
        Assert.Contains(ranks, r => ranks.Count(x => x == r) > 1); // ties exist, so the tie-breaks were exercised
    }
}
