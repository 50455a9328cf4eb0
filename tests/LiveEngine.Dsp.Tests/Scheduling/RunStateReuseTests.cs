using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Scheduling;

/// <summary>
/// A live session's executor builds each new snapshot's run state in the arrays of one whose snapshots have retired
/// (<see cref="ParallelExecutor.Release"/>): across edits that grow and shrink the graph, what it renders must be what
/// an executor that never prepared anything before renders, and its blocks must allocate nothing.
/// </summary>
public sealed class RunStateReuseTests
{
    private const int Block = 64;
    private const int BlocksPerEdit = 24;

    public static TheoryData<int, SchedulingPolicy> Configurations() => new()
    {
        { 1, SchedulingPolicy.CriticalPathFirst },
        { 2, SchedulingPolicy.CriticalPathFirst },
        { 1, SchedulingPolicy.Wavefront },
        { 2, SchedulingPolicy.Wavefront },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ASequenceOfEdits_ThatGrowAndShrinkTheGraph_RendersInReusedRunStates_AsFreshExecutorsDo_AllocatingNothingPerBlock(int threads, SchedulingPolicy policy)
    {
        GraphDescription session = StandardWorkloads.Create("session");

        // The soak's edit (one voice in, then out), more voices at once, fewer again, and a parameter edit.
        GraphDescription[] edits =
        [
            session,
            WithVoices(session, 1),
            WithVoices(session, 3),
            WithVoices(session, 1),
            session,
            WithVoices(session, 3, level: 0.2),
            WithVoices(session, 2),
            WithVoices(session, 1),
        ];
        var options = new ParallelExecutorOptions { Threads = threads, Policy = policy, AdaptiveSerial = false, VerifyExecution = true };
        using var reused = new ParallelExecutor(options);
        var statesByJobCount = new Dictionary<int, int[]>();
        int statesBuiltInRetiredArrays = 0;
        int statesWithRetiredArraysOfTheSameLength = 0;
        WorkStealingDeque[]? retiredDeques = null;
        var jobCounts = new List<int>();
        GraphSnapshot? playing = null;
        long position = 0;
        for (int e = 0; e < edits.Length; e++)
        {
            GraphSnapshot snapshot = Compile(edits[e]);
            reused.Prepare(snapshot);
            var state = (ParallelRunState)snapshot.ExecutionState!;
            jobCounts.Add(snapshot.Jobs.Length);
            if (ReferenceEquals(retiredDeques, state.Deques))
            {
                statesBuiltInRetiredArrays++;
            }

            if (statesByJobCount.TryGetValue(snapshot.Jobs.Length, out int[]? arrivalSlots) && ReferenceEquals(arrivalSlots, state.ArrivalSlots))
            {
                statesWithRetiredArraysOfTheSameLength++;
            }

            statesByJobCount[snapshot.Jobs.Length] = state.ArrivalSlots;
            if (playing is not null)
            {
                retiredDeques = ((ParallelRunState)playing.ExecutionState!).Deques;
                reused.Release(playing);
            }

            playing = snapshot;
            float[][] output = Render(reused, snapshot, position);

            // The reference: the same graph compiled afresh, rendered from the same sample by an executor that has
            // prepared nothing before.
            using var freshExecutor = new ParallelExecutor(options);
            GraphSnapshot fresh = Compile(edits[e]);
            freshExecutor.Prepare(fresh);
            AssertSame(Render(freshExecutor, fresh, position), output, $"edit {e} ({snapshot.Jobs.Length} jobs), {threads} threads, {policy}");
            Assert.Equal(0, reused.Violations);

            // The audio side of the reused state allocates nothing, on any thread.
            long workersBefore = WorkersAllocated(reused, threads);
            long blockPosition = position + (BlocksPerEdit * Block);
            SteadyAllocation.AssertNone($"blocks of edit {e}", () =>
            {
                for (int b = 0; b < 8; b++)
                {
                    reused.Process(snapshot, Block, blockPosition);
                    blockPosition += Block;
                }
            });
            Assert.Equal(workersBefore, WorkersAllocated(reused, threads));
            position = blockPosition;
        }

        // Every state after the second is built in the one retired just before (its deques, of the same capacity,
        // serve again), and where the job count is the same, in all of its arrays.
        string counts = string.Join(", ", jobCounts);
        Assert.True(statesBuiltInRetiredArrays == edits.Length - 2, $"{statesBuiltInRetiredArrays} run states of {edits.Length} were built in a retired one (jobs per edit: {counts})");
        Assert.True(statesWithRetiredArraysOfTheSameLength >= 1, $"no run state was built in the arrays of a retired one with as many jobs (jobs per edit: {counts})");
    }

    /// <summary><paramref name="graph"/> with <paramref name="voices"/> voices like the soak's (a sine through a pan) into its <c>out</c>.</summary>
    private static GraphDescription WithVoices(GraphDescription graph, int voices, double level = 0.05)
    {
        GraphDescription withVoices = graph.Clone();
        for (int v = 0; v < voices; v++)
        {
            withVoices.Add($"reuse-osc{v}", "sine", new Dictionary<string, double> { ["freqHz"] = 330 + (55 * v), ["level"] = level });
            withVoices.Add($"reuse-pan{v}", "pan");
            withVoices.Chain($"reuse-osc{v}", $"reuse-pan{v}", "out");
        }

        return withVoices;
    }

    private static GraphSnapshot Compile(GraphDescription graph) =>
        GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block });

    private static float[][] Render(ParallelExecutor executor, GraphSnapshot snapshot, long position)
    {
        float[][] output = [.. Enumerable.Range(0, snapshot.OutputChannels).Select(_ => new float[BlocksPerEdit * Block])];
        for (int b = 0; b < BlocksPerEdit; b++)
        {
            executor.Process(snapshot, Block, position + ((long)b * Block));
            for (int c = 0; c < output.Length; c++)
            {
                snapshot.GetOutput(c, Block).CopyTo(output[c].AsSpan(b * Block, Block));
            }
        }

        return output;
    }

    private static long WorkersAllocated(ParallelExecutor executor, int threads)
    {
        long bytes = 0;
        for (int w = 1; w < threads; w++)
        {
            bytes += executor.WorkerAllocatedBytes(w);
        }

        return bytes;
    }

    private static void AssertSame(float[][] expected, float[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int c = 0; c < expected.Length; c++)
        {
            int at = expected[c].AsSpan().CommonPrefixLength(actual[c]);
            Assert.True(at == expected[c].Length, $"{what}: channel {c} differs from frame {at} on");
        }
    }
}
