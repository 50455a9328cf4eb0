using LiveEngine.Graph;
using LiveEngine.Nodes;
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

        // The level order serves the wavefront policy alone; the others leave it empty.
        int[] byLevel = policy == SchedulingPolicy.Wavefront ? [.. Enumerable.Range(0, jobs).OrderBy(j => snapshot.Levels[j]).ThenByDescending(j => ranks[j])] : [];
        Assert.Equal(byLevel, state.JobsByLevel);
        Assert.Contains(ranks, r => ranks.Count(x => x == r) > 1); // ties exist, so the tie-breaks were exercised
    }

    [Theory]
    [InlineData(21, 300, SchedulingPolicy.CriticalPathFirst)]
    [InlineData(22, 200, SchedulingPolicy.CriticalPathFirst)]
    [InlineData(23, 300, SchedulingPolicy.Wavefront)]
    [InlineData(24, 200, SchedulingPolicy.Wavefront)]
    public void State_BuiltInARetiredStatesArrays_EqualsAFreshOne_AndKeepsTheArraysThatFit(int seed, int otherNodes, SchedulingPolicy policy)
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(SnapshotCompilerTests.RandomGraph(seed, 300), TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64 });
        GraphSnapshot other = GraphCompiler.Compile(SnapshotCompilerTests.RandomGraph(seed + 100, otherNodes), TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64 });
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false, Policy = policy });
        var retired = new ParallelRunState(executor, other, 2, policy);
        retired.Arrivals.AsSpan().Fill(7);
        retired.DoneInBlock.AsSpan().Fill(9);
        retired.LevelCursors.AsSpan().Fill(3);

        var rebuilt = new ParallelRunState(executor, snapshot, 2, policy, retired);
        var fresh = new ParallelRunState(executor, snapshot, 2, policy);

        Assert.Equal(fresh.Arrivals, rebuilt.Arrivals);
        Assert.Equal(fresh.ArrivalSlots, rebuilt.ArrivalSlots);
        Assert.Equal(fresh.Guarded, rebuilt.Guarded);
        Assert.Equal(fresh.Seeds, rebuilt.Seeds);
        Assert.Equal(fresh.SeedWorkers, rebuilt.SeedWorkers);
        Assert.Equal(fresh.SeedsByWorker, rebuilt.SeedsByWorker);
        Assert.Equal(fresh.SeedStarts, rebuilt.SeedStarts);
        Assert.Equal(fresh.SuccessorOrder, rebuilt.SuccessorOrder);
        Assert.Equal(fresh.LevelStarts, rebuilt.LevelStarts);
        Assert.Equal(fresh.JobsByLevel, rebuilt.JobsByLevel);
        Assert.Equal(fresh.LevelCursors, rebuilt.LevelCursors);
        Assert.Equal(fresh.LevelCompleted, rebuilt.LevelCompleted);
        Assert.Equal(fresh.PredecessorStarts, rebuilt.PredecessorStarts);
        Assert.Equal(fresh.Predecessors, rebuilt.Predecessors);
        Assert.Equal(fresh.DoneInBlock, rebuilt.DoneInBlock);
        Assert.Equal(fresh.SerialOnly, rebuilt.SerialOnly);
        Assert.Equal(fresh.Deques.Select(d => d.Capacity), rebuilt.Deques.Select(d => d.Capacity));
        Assert.Equal(other.Jobs.Length == snapshot.Jobs.Length, ReferenceEquals(retired.ArrivalSlots, rebuilt.ArrivalSlots));
        Assert.Equal(retired.Arrivals.Length == fresh.Arrivals.Length, ReferenceEquals(retired.Arrivals, rebuilt.Arrivals));
        Assert.Equal(other.Jobs.Length == snapshot.Jobs.Length, ReferenceEquals(retired.DoneInBlock, rebuilt.DoneInBlock));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Deal_GivesEachWorkerOneContiguousRunOfLargeSources_TheSameEveryBlock(int workers)
    {
        // Sixteen costly sources into one mix, as sixteen voice banks: one run of neighbours per worker, balanced.
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        for (int i = 0; i < 16; i++)
        {
            graph.Add($"bank{i}", "busy");
            graph.Connect($"bank{i}", "out");
        }

        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64 });
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = workers, AdaptiveSerial = false });
        var state = new ParallelRunState(executor, snapshot, workers, SchedulingPolicy.CriticalPathFirst);
        int[] byJob = WorkerBySourceJob(state);
        Assert.Equal(16, byJob.Length);
        Assert.Equal(Enumerable.Range(0, 16).Select(k => k / (16 / workers)), byJob);
    }

    [Fact]
    public void Deal_KeepsSmallSourcesInRunsOfSixteenNeighbours_RoundRobin()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        for (int i = 0; i < 40; i++)
        {
            graph.Add($"c{i}", "const");
            graph.Connect($"c{i}", "out");
        }

        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64 });
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        var state = new ParallelRunState(executor, snapshot, 2, SchedulingPolicy.CriticalPathFirst);
        Assert.Equal(Enumerable.Range(0, 40).Select(k => k / ParallelRunState.DealRun % 2), WorkerBySourceJob(state));
    }

    /// <summary>The worker each source is dealt to, the sources in job-index order.</summary>
    private static int[] WorkerBySourceJob(ParallelRunState state) =>
        [.. state.Seeds.Select((job, k) => (job, worker: state.SeedWorkers[k])).OrderBy(s => s.job).Select(s => s.worker)];

    [Fact]
    public void Prepare_SharesTheStateOfASnapshotWithTheSameJobs_AndReusesItOnlyOnceEverySnapshotOfItIsReleased()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphSnapshot first = GraphCompiler.Compile(SnapshotCompilerTests.RandomGraph(31, 300), registry, new CompileOptions { MaxBlockFrames = 64, ShareArenaWithPrevious = true });
        GraphDescription edited = SnapshotCompilerTests.RandomGraph(31, 300);
        GraphSnapshot sharing = GraphCompiler.Compile(edited, registry, new CompileOptions { MaxBlockFrames = 64, ShareArenaWithPrevious = true, Previous = first });
        Assert.Same(first.Jobs, sharing.Jobs);
        GraphSnapshot next = GraphCompiler.Compile(SnapshotCompilerTests.RandomGraph(32, 300), registry, new CompileOptions { MaxBlockFrames = 64 });
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });

        executor.Prepare(first);
        executor.Prepare(sharing);
        var state = (ParallelRunState)first.ExecutionState!;
        Assert.Same(state, sharing.ExecutionState);
        Assert.Equal(2, state.Users);

        // One of its snapshots retired: the other still renders with it, so it is not reused.
        executor.Release(first);
        Assert.Null(first.ExecutionState);
        executor.Prepare(next);
        Assert.NotSame(state.ArrivalSlots, ((ParallelRunState)next.ExecutionState!).ArrivalSlots);

        // Both retired: its arrays serve the next snapshot with as many jobs.
        executor.Release(sharing);
        GraphSnapshot after = GraphCompiler.Compile(SnapshotCompilerTests.RandomGraph(31, 300), registry, new CompileOptions { MaxBlockFrames = 64 });
        executor.Prepare(after);
        Assert.Same(state.ArrivalSlots, ((ParallelRunState)after.ExecutionState!).ArrivalSlots);
    }
}
