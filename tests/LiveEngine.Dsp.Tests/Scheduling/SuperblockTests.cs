using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Scheduling;

public sealed class SuperblockTests
{
    private const int Block = 64;

    public static TheoryData<string> Workloads() => ["voices-1024", "voices-256", "chains-16x16", "random-layered", "session"];

    [Theory]
    [MemberData(nameof(Workloads))]
    public void SuperblockRender_IsBitIdentical_ToOneThread_AndToBlockByBlock(string name)
    {
        const int Blocks = 150;
        float[][] reference = RenderBlockByBlock(Compile(name), SingleThreadExecutor.Instance, Blocks);
        foreach (int threads in new[] { 2, 3 })
        {
            using var blockByBlock = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads, AdaptiveSerial = false, VerifyExecution = true });
            AssertSame(reference, RenderBlockByBlock(Compile(name), blockByBlock, Blocks), $"{name}, {threads} threads block by block");
            foreach (int superblock in new[] { 1, 5, 16, 64 })
            {
                using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads, AdaptiveSerial = false, SuperblockBlocks = superblock });
                GraphSnapshot snapshot = Compile(name);
                float[][] output = RenderInRuns(snapshot, executor, Blocks, runBlocks: 37);
                AssertSame(reference, output, $"{name}, {threads} threads, superblocks of {superblock}");
                if (threads == 2 && name.StartsWith("voices-", StringComparison.Ordinal))
                {
                    Assert.True(executor.RunsInSuperblocks(snapshot), $"{name} on {threads} threads should render in superblocks");
                    Assert.Equal(Blocks, executor.SuperblockCounts.Blocks);
                }
            }
        }
    }

    [Fact]
    public void VoiceBanks_SplitBetweenTwoWorkers_OnlyTheirPartialMixCrosses()
    {
        GraphSnapshot snapshot = Compile("voices-1024");
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        executor.PrepareBlockRuns(snapshot);
        SuperblockPlan plan = ((ParallelRunState)snapshot.ExecutionState!).Runs!;
        int[] banksPerWorker = new int[2];
        for (int j = 0; j < snapshot.Jobs.Length; j++)
        {
            if (snapshot.Jobs[j].Kind == JobKind.Bank)
            {
                banksPerWorker[plan.Owners[j]]++;
            }
        }

        Assert.True(banksPerWorker[0] == banksPerWorker[1], $"banks per worker: {banksPerWorker[0]} and {banksPerWorker[1]}");

        // One stereo partial sum (or a bank's stereo output) per bank of worker 1 at most: never the banks' lanes.
        Assert.InRange(plan.Rings, 1, 2 * banksPerWorker[1]);
    }

    [Fact]
    public void ParameterEvents_BetweenRuns_LandOnTheirSample_AsOnOneThread()
    {
        // (block, frame in it, node, parameter, value): on the banked lanes, at block boundaries and inside a block.
        (int Block, int Frame, string Node, string Parameter, float Value)[] events =
        [
            (10, 0, "v3.gain", "level", 0.2f),
            (27, 17, "v200.osc", "freqHz", 1234.5f),
            (27, 40, "v100.lpf", "cutoffHz", 300f),
            (90, 0, "v255.pan", "pan", -1f),
        ];
        const int Blocks = 120;
        float[][] reference = RenderWithEvents(Compile("voices-256"), SingleThreadExecutor.Instance, Blocks, events);
        float[][] silentEvents = RenderWithEvents(Compile("voices-256"), SingleThreadExecutor.Instance, Blocks, []);
        Assert.False(reference[0].AsSpan().SequenceEqual(silentEvents[0]), "the events should change the output, or this test proves nothing");
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false, SuperblockBlocks = 16 });
        GraphSnapshot snapshot = Compile("voices-256");
        AssertSame(reference, RenderWithEvents(snapshot, executor, Blocks, events), "superblocks with parameter events");
        Assert.True(executor.RunsInSuperblocks(snapshot));
    }

    [Fact]
    public void AGraphWithFeedback_RendersBlockByBlock_WithTheSameBits()
    {
        GraphDescription graph = StandardWorkloads.Create("voices-256");
        graph.Add("fb", "feedback", new Dictionary<string, double> { ["delayMs"] = 3 }, channels: 2);
        graph.Add("wet", "gain", channels: 2);
        graph.Chain("v0.pan", "fb", "wet", "out");
        graph.Chain("wet", "fb");
        float[][] reference = RenderBlockByBlock(Compile(graph), SingleThreadExecutor.Instance, 60);
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        GraphSnapshot snapshot = Compile(graph);
        AssertSame(reference, RenderInRuns(snapshot, executor, 60, runBlocks: 60), "feedback");
        Assert.False(executor.RunsInSuperblocks(snapshot));
        Assert.Equal(0, executor.SuperblockCounts.Blocks);
    }

    [Fact]
    public void AWorkerThatNeverRuns_HoldsUpNothing_WorkerZeroRendersItsShare_WithTheSameBits()
    {
        const int Blocks = 100;
        float[][] reference = RenderBlockByBlock(Compile("voices-256"), SingleThreadExecutor.Instance, Blocks);
        using var release = new ManualResetEventSlim();

        // Worker 1 is held before its first block (as a worker the OS does not run would be) until the render is over.
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false, WorkerStarted = _ => release.Wait() });
        GraphSnapshot snapshot = Compile("voices-256");
        float[][] output = RenderInRuns(snapshot, executor, Blocks, runBlocks: 16);
        release.Set();
        AssertSame(reference, output, "worker 1 held");
        Assert.True(executor.RunsInSuperblocks(snapshot));
        Assert.Equal(Blocks, executor.TakeOvers);
    }

    [Fact]
    public void SuperblockRuns_AllocateNothing_OnAnyThread()
    {
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        GraphSnapshot snapshot = Compile("voices-256");
        executor.PrepareBlockRuns(snapshot);
        float[][] destination = [new float[64 * Block], new float[64 * Block]];
        long position = 0;
        void Run()
        {
            for (int i = 0; i < 8; i++)
            {
                executor.ProcessBlocks(snapshot, 64, Block, position, destination, 0);
                position += 64 * Block;
            }
        }

        Run();
        long workerBefore = executor.WorkerAllocatedBytes(1);
        SteadyAllocation.AssertNone("superblock runs", Run);
        Assert.Equal(workerBefore, executor.WorkerAllocatedBytes(1));
        Assert.True(executor.SuperblockCounts.Runs > 0);
    }

    private static GraphSnapshot Compile(string name) => Compile(StandardWorkloads.Create(name));

    private static GraphSnapshot Compile(GraphDescription graph) =>
        GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block });

    private static float[][] RenderBlockByBlock(GraphSnapshot snapshot, IGraphExecutor executor, int blocks) =>
        OfflineRender.Render(snapshot, blocks * Block, _ => Block, executor);

    /// <summary>The first block alone, then runs of <paramref name="runBlocks"/>, as the WAV renderer calls.</summary>
    private static float[][] RenderInRuns(GraphSnapshot snapshot, IGraphExecutor executor, int blocks, int runBlocks)
    {
        executor.PrepareBlockRuns(snapshot);
        float[][] output = [.. Enumerable.Range(0, snapshot.OutputChannels).Select(_ => new float[blocks * Block])];
        executor.ProcessBlocks(snapshot, 1, Block, 0, output, 0);
        for (int done = 1; done < blocks; done += runBlocks)
        {
            int run = Math.Min(runBlocks, blocks - done);
            executor.ProcessBlocks(snapshot, run, Block, done * (long)Block, output, done * Block);
        }

        return output;
    }

    /// <summary>Runs of whole blocks between events; a block with an event inside is split at the event's frame, as the live renderer splits it.</summary>
    private static float[][] RenderWithEvents(GraphSnapshot snapshot, IGraphExecutor executor, int blocks, (int Block, int Frame, string Node, string Parameter, float Value)[] events)
    {
        executor.PrepareBlockRuns(snapshot);
        float[][] output = [.. Enumerable.Range(0, snapshot.OutputChannels).Select(_ => new float[blocks * Block])];
        long position = 0;
        long end = blocks * (long)Block;
        int next = 0;
        while (position < end)
        {
            while (next < events.Length && (events[next].Block * (long)Block) + events[next].Frame == position)
            {
                (_, _, string node, string parameter, float value) = events[next++];
                int index = snapshot.IndexOfNode(node);
                int p = snapshot.NodeTypes[index].Parameters.ToList().FindIndex(d => d.Name == parameter);
                Assert.True(p >= 0, $"{node} has no parameter {parameter}");
                snapshot.GetParameters(index)[p] = value;
            }

            long stop = next < events.Length ? (events[next].Block * (long)Block) + events[next].Frame : end;
            if (position % Block != 0 || stop - position < Block)
            {
                // A part of a block, up to the event or to the block's end.
                int part = (int)Math.Min(stop - position, Block - (position % Block));
                executor.ProcessBlocks(snapshot, 1, part, position, output, (int)position);
                position += part;
                continue;
            }

            int run = (int)((stop - position) / Block);
            executor.ProcessBlocks(snapshot, run, Block, position, output, (int)position);
            position += run * (long)Block;
        }

        return output;
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
