using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;
using LiveEngine.Tests.Snapshots;

namespace LiveEngine.Tests.Scheduling;

[Collection(TimingSensitive.Name)]
public sealed class ParallelExecutorTests
{
    private const int Frames = 16;

    public static TheoryData<int, int, int, SchedulingPolicy> RandomCases()
    {
        var data = new TheoryData<int, int, int, SchedulingPolicy>();
        var random = new Random(2024);
        foreach (int nodes in new[] { 10, 100, 500, 2000 })
        {
            foreach (SchedulingPolicy policy in Enum.GetValues<SchedulingPolicy>())
            {
                data.Add(nodes, random.Next(1000), 2 + random.Next(2), policy);
            }
        }

        return data;
    }

    [Fact]
    public void PinnedWorkers_RunOnTheirCpu_AndTheOutputIsUnchanged()
    {
        IReadOnlyList<int> allowed = CpuAffinity.CurrentThreadCpus();
        Assert.NotEmpty(allowed); // Linux, where CI runs
        int cpu = allowed[^1];
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, IReadOnlyList<int>>();
        GraphDescription graph = SnapshotCompilerTests.RandomGraph(7, 200);
        float[] reference = Render(graph, 200, null);
        using var executor = new ParallelExecutor(new ParallelExecutorOptions
        {
            Threads = 3,
            CpuPerWorker = [cpu],
            WorkerStarted = worker => seen[worker] = CpuAffinity.CurrentThreadCpus(),
            AdaptiveSerial = false,
        });
        float[] parallel = Render(graph, 200, executor);
        Assert.True(reference.AsSpan().SequenceEqual(parallel));

        // The workers' threads start with the executor, but on a loaded machine worker 0 may render all 200 blocks
        // before a worker thread first runs (CI saw worker 1 not started yet): wait for both to report.
        Assert.True(SpinWait.SpinUntil(() => seen.Count == 2, TimeSpan.FromSeconds(10)), $"workers started: {string.Join(", ", seen.Keys)}");
        Assert.Equal([cpu], seen[1]);
        Assert.Equal([cpu], seen[2]);
        Assert.Equal([$"worker 1 on CPU {cpu}", $"worker 2 on CPU {cpu}"], executor.Placement.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RandomCases))]
    public void RandomDag_EveryJobRunsOnceAfterItsInputs_OutputBitIdenticalToOneThread(int nodes, int seed, int threads, SchedulingPolicy policy)
    {
        GraphDescription graph = SnapshotCompilerTests.RandomGraph(seed, nodes);
        const int Blocks = 10_000;
        float[] reference = Render(graph, Blocks, null);
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads, Policy = policy, VerifyExecution = true });
        float[] parallel = Render(graph, Blocks, executor);
        Assert.Equal(0, executor.Violations);
        Assert.True(reference.AsSpan().SequenceEqual(parallel), $"{nodes} nodes, {threads} threads, {policy}: output differs from one thread");
    }

    [Fact]
    public void Process_AllocatesNothingOnAnyWorkerOver10000Blocks()
    {
        GraphSnapshot snapshot = Compile(SnapshotCompilerTests.RandomGraph(5, 300));
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 3 });
        executor.Prepare(snapshot);

        // Worker 0 is this thread and records its count at the end of each block: nothing may be allocated
        // here between the warm-up and the last block measured, so the array comes first.
        var before = new long[3];
        long position = 0;
        for (int b = 0; b < 500; b++, position += Frames)
        {
            executor.Process(snapshot, Frames, position);
        }

        for (int w = 0; w < 3; w++)
        {
            before[w] = executor.WorkerAllocatedBytes(w);
        }

        for (int b = 0; b < 10_000; b++, position += Frames)
        {
            executor.Process(snapshot, Frames, position);
        }

        for (int w = 0; w < 3; w++)
        {
            Assert.True(executor.WorkerAllocatedBytes(w) - before[w] == 0, $"worker {w} allocated {executor.WorkerAllocatedBytes(w) - before[w]} bytes");
        }
    }

    [Fact]
    public void ParkedWorkers_WakeForTheNextBlock()
    {
        GraphSnapshot snapshot = Compile(SnapshotCompilerTests.RandomGraph(8, 50));
        float[] reference = OfflineRender.Render(Compile(SnapshotCompilerTests.RandomGraph(8, 50)), Frames * 20, _ => Frames)[0];
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, SpinBeforePark = TimeSpan.Zero, VerifyExecution = true });
        executor.Prepare(snapshot);
        var output = new float[Frames * 20];
        for (int b = 0; b < 20; b++)
        {
            Thread.Sleep(2);
            executor.Process(snapshot, Frames, b * Frames);
            snapshot.GetOutput(0, Frames).CopyTo(output.AsSpan(b * Frames));
        }

        Assert.Equal(0, executor.Violations);
        Assert.Equal(reference, output);
    }

    [Fact]
    public void TinyGraph_MeasuredSlowerInParallel_RunsSerially_WithTheSameOutput()
    {
        GraphSnapshot snapshot = Compile(SnapshotCompilerTests.RandomGraph(6, 6));
        float[] reference = OfflineRender.Render(Compile(SnapshotCompilerTests.RandomGraph(6, 6)), Frames * 3000, _ => Frames)[0];
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 });
        float[] output = OfflineRender.Render(snapshot, Frames * 3000, _ => Frames, executor)[0];
        Assert.True(executor.IsRunningSerially(snapshot), "Six trivial jobs cannot gain from a second thread; the measured choice should be serial.");
        Assert.Equal(reference, output);
    }

    [Fact]
    public void UnpreparedSnapshot_RunsOnTheCallingThread()
    {
        GraphSnapshot snapshot = Compile(SnapshotCompilerTests.RandomGraph(4, 30));
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 });
        executor.Process(snapshot, Frames, 0);
        float[] expected = OfflineRender.Render(Compile(SnapshotCompilerTests.RandomGraph(4, 30)), Frames, _ => Frames)[0];
        Assert.Equal(expected, snapshot.GetOutput(0, Frames).ToArray());
    }

    [Fact]
    public void ChainWithNothingToRunInParallel_RunsSerially_AndTheWorkerNeverWakes()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("r", "ramp");
        graph.Add("s1", "scale");
        graph.Add("s2", "scale");
        graph.Connect("r", "s1");
        graph.Connect("s1", "s2");
        graph.Connect("s2", "out");
        GraphSnapshot snapshot = Compile(graph);
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 });
        float[] output = OfflineRender.Render(snapshot, Frames * 200, _ => Frames, executor)[0];
        Assert.True(executor.IsRunningSerially(snapshot));
        Assert.Equal(0, executor.WorkerBusyTicks(1));
        Assert.Equal(OfflineRender.Render(Compile(graph), Frames * 200, _ => Frames)[0], output);
    }

    [Fact]
    public void SerialAndParallelBlocks_CountEveryBlock_ByHowItRan()
    {
        // Verified execution always runs the scheduler: every block is a parallel one.
        GraphSnapshot wide = Compile(SnapshotCompilerTests.RandomGraph(3, 40));
        using (var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, VerifyExecution = true }))
        {
            OfflineRender.Render(wide, Frames * 50, _ => Frames, executor);
            Assert.Equal((0L, 50L), (executor.SerialBlocks, executor.ParallelBlocks));
        }

        // One job: nothing can run beside it, every block runs on the calling thread.
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("r", "ramp");
        graph.Connect("r", "out");
        using (var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 }))
        {
            OfflineRender.Render(Compile(graph), Frames * 30, _ => Frames, executor);
            Assert.Equal((30L, 0L), (executor.SerialBlocks, executor.ParallelBlocks));
        }

        // The measured choice (or a graph too small to gain, run serially throughout): every block is counted once, and
        // at least the serial window of the choice's start-up is serial.
        using (var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 }))
        {
            OfflineRender.Render(Compile(SnapshotCompilerTests.RandomGraph(3, 40)), Frames * 300, _ => Frames, executor);
            Assert.Equal(300, executor.SerialBlocks + executor.ParallelBlocks);
            Assert.InRange(executor.SerialBlocks, 16, 300);
        }
    }

    [Fact]
    public void OneJobGraph_RunsOnTheCallingThread_EvenWhereTheChoiceIsNotMeasured_AndProfiled()
    {
        // One job (a fused voice bank, say): a parallel block could only wake the worker. liveengine bench turns the
        // measured choice off; the worker must still stay parked, and a profiler still sees the job.
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("r", "ramp");
        graph.Connect("r", "out");
        GraphSnapshot snapshot = Compile(graph);
        Assert.Single(snapshot.Jobs);
        var profiler = new ExecutionProfiler(2);
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false, Profiler = profiler });
        float[] output = OfflineRender.Render(snapshot, Frames * 200, _ => Frames, executor)[0];
        Assert.True(executor.IsRunningSerially(snapshot));
        Assert.Equal(0, executor.WorkerBusyTicks(1));
        Assert.Equal(200, profiler.Blocks);

        // Worker 0 still records what it allocated (at the end of each block): nothing, once warm (the tiered JIT
        // done: its promotions count on the calling thread). The first block after the pause counts what this test
        // allocated above, so the count starts after it.
        long position = 200L * Frames;
        for (int b = 0; b < 2000; b++, position += Frames)
        {
            executor.Process(snapshot, Frames, position);
        }

        Thread.Sleep(300);
        executor.Process(snapshot, Frames, position);
        position += Frames;
        long before = executor.WorkerAllocatedBytes(0);
        for (int b = 0; b < 10_000; b++, position += Frames)
        {
            executor.Process(snapshot, Frames, position);
        }

        Assert.Equal(0, executor.WorkerAllocatedBytes(0) - before);
        Assert.Contains(profiler.Events(0), e => e.Kind == TraceEventKind.Job && e.Job == 0);
        Assert.Equal(OfflineRender.Render(Compile(graph), Frames * 200, _ => Frames)[0], output);
    }

    [Fact]
    public void AWorkerThatNeverEntersABlock_HasItsSourcesRunByTheOthers_AndJoinsOnceItComes()
    {
        // Each worker pushes the sources dealt to it as it enters a block; one held out (preempted, parked, stuck in
        // its host's set-up) must not hold its share back. Sixteen costly sources: eight are dealt to worker 1.
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        for (int i = 0; i < 16; i++)
        {
            graph.Add($"r{i}", "ramp", new Dictionary<string, double> { ["scale"] = (i + 1) * 1e-4 });
            graph.Add($"b{i}", "busy");
            graph.Add($"s{i}", "add2");
            graph.Connect($"r{i}", $"s{i}", toPort: "a");
            graph.Connect($"b{i}", $"s{i}", toPort: "b");
            graph.Connect($"s{i}", "out");
        }

        using var held = new ManualResetEventSlim(false);
        using var executor = new ParallelExecutor(new ParallelExecutorOptions
        {
            Threads = 2,
            AdaptiveSerial = false,
            VerifyExecution = true,
            WorkerStarted = _ => held.Wait(),
        });
        GraphSnapshot snapshot = Compile(graph);
        executor.Prepare(snapshot);
        var state = (ParallelRunState)snapshot.ExecutionState!;
        Assert.True(state.SeedStarts[2] - state.SeedStarts[1] >= 8, "worker 1 should have been dealt half the sources");
        float[] reference = OfflineRender.Render(Compile(graph), Frames * 400, _ => Frames)[0];
        var output = new float[Frames * 400];
        for (int b = 0; b < 200; b++)
        {
            executor.Process(snapshot, Frames, (long)b * Frames);
            snapshot.GetOutput(0, Frames).CopyTo(output.AsSpan(b * Frames));
        }

        Assert.Equal(0, executor.WorkerBusyTicks(1));
        held.Set();
        for (int b = 200; b < 400; b++)
        {
            executor.Process(snapshot, Frames, (long)b * Frames);
            snapshot.GetOutput(0, Frames).CopyTo(output.AsSpan(b * Frames));
        }

        Assert.Equal(0, executor.Violations);
        Assert.Equal(reference, output);
        Assert.True(JoinsWithin(executor, snapshot, 400), "the released worker should have joined the blocks");
        Assert.Equal(0, executor.Violations);
    }

    /// <summary>Renders more blocks (a millisecond apart, so that a starting thread gets a CPU) until worker 1 has worked in one.</summary>
    private static bool JoinsWithin(ParallelExecutor executor, GraphSnapshot snapshot, long firstBlock)
    {
        for (long b = firstBlock; b < firstBlock + 5000 && executor.WorkerBusyTicks(1) == 0; b++)
        {
            executor.Process(snapshot, Frames, b * Frames);
            Thread.Sleep(1);
        }

        return executor.WorkerBusyTicks(1) > 0;
    }

    [Fact]
    public void IdleWorkers_Park_AndUseAlmostNoCpu()
    {
        // Two busy sources side by side: worth a second thread, so the workers run blocks, then go idle.
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("a", "busy");
        graph.Add("b", "busy");
        graph.Connect("a", "out");
        graph.Connect("b", "out");
        GraphSnapshot snapshot = Compile(graph);
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 3, AdaptiveSerial = false });
        OfflineRender.Render(snapshot, Frames * 50, _ => Frames, executor);
        Assert.False(executor.IsRunningSerially(snapshot));
        Assert.True(executor.WorkerBusyTicks(1) + executor.WorkerBusyTicks(2) > 0, "the workers should have run blocks");

        // A spinning worker would burn 0.2 s or more here (20 % each or worse). Only the workers' own threads are
        // counted: the whole process also pays for the runtime's background compilation and collection, which CI
        // once saw at 108 ms in this second.
        Thread.Sleep(100);
        TimeSpan before = WorkersCpu();
        Thread.Sleep(1_000);
        TimeSpan used = WorkersCpu() - before;
        Assert.True(used.TotalSeconds < 0.1, $"the idle workers used {used.TotalMilliseconds:0} ms of CPU in 1 s");
    }

    /// <summary>CPU time of this process's scheduler workers (threads named "liveengine worker N"; Linux names them by their first 15 bytes).</summary>
    private static TimeSpan WorkersCpu()
    {
        TimeSpan sum = TimeSpan.Zero;
        int workers = 0;
        foreach (System.Diagnostics.ProcessThread thread in System.Diagnostics.Process.GetCurrentProcess().Threads)
        {
            string comm = $"/proc/self/task/{thread.Id}/comm";
            if (File.Exists(comm) && File.ReadAllText(comm).StartsWith("liveengine work", StringComparison.Ordinal))
            {
                sum += thread.TotalProcessorTime;
                workers++;
            }
        }

        Assert.Equal(2, workers);
        return sum;
    }

    private static GraphSnapshot Compile(GraphDescription graph) =>
        GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Frames });

    private static float[] Render(GraphDescription graph, int blocks, ParallelExecutor? executor)
    {
        GraphSnapshot snapshot = Compile(graph);
        executor?.Prepare(snapshot);
        var output = new float[blocks * Frames];
        for (int b = 0; b < blocks; b++)
        {
            if (executor is null)
            {
                SingleThreadExecutor.Process(snapshot, Frames, (long)b * Frames);
            }
            else
            {
                executor.Process(snapshot, Frames, (long)b * Frames);
            }

            snapshot.GetOutput(0, Frames).CopyTo(output.AsSpan(b * Frames));
        }

        return output;
    }
}
