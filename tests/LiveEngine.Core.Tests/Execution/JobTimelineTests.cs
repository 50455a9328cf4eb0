using LiveEngine.Execution;
using LiveEngine.Live;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Execution;

[Collection(LiveEngine.Tests.Scheduling.TimingSensitive.Name)]
public sealed class JobTimelineTests(ITestOutputHelper output)
{
    private const int Frames = 64;

    private static LiveSession NewSession(IGraphExecutor? executor, int nodes = 40, int sampleRate = 48_000, int maxBlockFrames = Frames) =>
        new(TestNodes.CreateRegistry(), Snapshots.SnapshotCompilerTests.RandomGraph(7, nodes), new LiveSessionOptions { MaxBlockFrames = maxBlockFrames, OutputChannels = 1, SampleRate = sampleRate }, executor);

    [Fact]
    public void ParallelBlocks_RecordEveryJobOnce_OnAWorkerThatRanIt_InsideItsBlock_WithACriticalPathPerBlock()
    {
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        LiveSession session = NewSession(executor);
        var timeline = new JobTimeline(2);
        session.Renderer.Timeline = timeline;
        for (int b = 0; b < 20; b++)
        {
            session.Renderer.Render(Frames);
        }

        TimelineReading reading = timeline.Read(8);
        GraphSnapshot snapshot = session.Renderer.Current;
        Assert.Equal(2, reading.Workers);
        Assert.Equal(8, reading.Blocks.Count);
        foreach (TimelineBlock block in reading.Blocks)
        {
            Assert.False(block.Serial);
            Assert.Equal(Frames * 1e9 / 48_000, block.DeadlineNs, 6);
            TimelineJob[] jobs = [.. reading.Jobs.Where(j => j.Block == block.Block)];
            Assert.Equal(snapshot.Jobs.Length, jobs.Length);
            Assert.Equal(Enumerable.Range(0, snapshot.Jobs.Length).Select(snapshot.DescribeJob).Order(), jobs.Select(j => j.Label).Order());
            Assert.All(jobs, j =>
            {
                Assert.InRange(j.Worker, 0, 1);
                Assert.InRange(j.StartNs, block.StartNs, j.EndNs);
                Assert.InRange(j.EndNs, j.StartNs, block.EndNs);
            });

            // The critical path runs from a job without predecessors to one without successors, through successors.
            int[] critical = [.. jobs.Where(j => j.Critical).Select(j => IndexOf(snapshot, j.Label))];
            Assert.NotEmpty(critical);
            int[] path = [.. critical.OrderBy(j => Array.IndexOf(snapshot.TopologicalOrder, j))];
            Assert.Equal(0, snapshot.DependencyCounts[path[0]]);
            Assert.Equal(snapshot.SuccessorStarts[path[^1]], snapshot.SuccessorStarts[path[^1] + 1]);
            for (int k = 1; k < path.Length; k++)
            {
                Assert.Contains(path[k], snapshot.Successors[snapshot.SuccessorStarts[path[k - 1]]..snapshot.SuccessorStarts[path[k - 1] + 1]]);
            }
        }
    }

    [Fact]
    public void SerialExecutor_RecordsEveryJobOnWorkerZero_InTopologicalOrder()
    {
        LiveSession session = NewSession(null);
        var timeline = new JobTimeline(1);
        session.Renderer.Timeline = timeline;
        for (int b = 0; b < 5; b++)
        {
            session.Renderer.Render(Frames);
        }

        TimelineReading reading = timeline.Read(3);
        GraphSnapshot snapshot = session.Renderer.Current;
        Assert.Equal(3, reading.Blocks.Count);
        Assert.All(reading.Blocks, b => Assert.True(b.Serial));
        foreach (TimelineBlock block in reading.Blocks)
        {
            string[] labels = [.. reading.Jobs.Where(j => j.Block == block.Block).OrderBy(j => j.StartNs).Select(j => j.Label)];
            Assert.Equal(snapshot.TopologicalOrder.Select(snapshot.DescribeJob), labels);
        }

        Assert.All(reading.Jobs, j => Assert.Equal(0, j.Worker));
    }

    [Fact]
    public void NodeCosts_AreTheMeasuredJobTimes_MeanAndLargestPerBlock()
    {
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        LiveSession session = NewSession(executor);
        var timeline = new JobTimeline(2);
        session.Renderer.Timeline = timeline;
        for (int b = 0; b < 12; b++)
        {
            session.Renderer.Render(Frames);
        }

        TimelineReading reading = timeline.Read(10);
        Assert.Equal(session.Renderer.Current.Nodes.Length - 1, reading.NodeCosts.Count(c => !c.Node.StartsWith("mix→", StringComparison.Ordinal)));
        foreach (MeasuredNodeCost cost in reading.NodeCosts)
        {
            double[] perBlock = [.. reading.Jobs.Where(j => j.Node == cost.Node).GroupBy(j => j.Block).Select(g => g.Sum(j => j.EndNs - j.StartNs))];
            Assert.Equal(perBlock.Length, cost.Blocks);
            Assert.Equal(perBlock.Average(), cost.MeanNs, 3);
            Assert.Equal(perBlock.Max(), cost.MaxNs, 3);
        }

        Assert.True(reading.NodeCosts.Zip(reading.NodeCosts.Skip(1)).All(p => p.First.MeanNs >= p.Second.MeanNs), "the table is sorted by mean cost, costliest first");
    }

    [Fact]
    public void ABlockLongerThanItsFrames_IsMarkedLate()
    {
        // One frame at 192 kHz is 5.2 µs; a thousand jobs, each timed by two clock reads, take longer.
        LiveSession session = NewSession(null, nodes: 1000, sampleRate: 192_000);
        var timeline = new JobTimeline(1);
        session.Renderer.Timeline = timeline;
        for (int b = 0; b < 4; b++)
        {
            session.Renderer.Render(1);
        }

        TimelineReading reading = timeline.Read(4);
        Assert.Equal(4, reading.Blocks.Count);
        Assert.All(reading.Blocks, b => Assert.True(b.Late, $"a block of {(b.EndNs - b.StartNs) / 1000:0.0} µs against {b.DeadlineNs / 1000:0.0} µs"));
        Assert.Equal(4, reading.LateBlocks);
    }

    [Fact]
    public void TimelineCopy_ReadsTheSameAsRead_AndAllocatesNothingOnceGrown()
    {
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        LiveSession session = NewSession(executor, nodes: 80);
        var timeline = new JobTimeline(2);
        session.Renderer.Timeline = timeline;
        var copy = new TimelineCopy(timeline);
        for (int b = 0; b < 70; b++)
        {
            session.Renderer.Render(Frames);
            copy.Read(timeline.MaxReadBlocks);
        }

        SteadyAllocation.AssertNone("200 timed blocks, each copied out", () =>
        {
            for (int b = 0; b < 200; b++)
            {
                session.Renderer.Render(Frames);
                copy.Read(timeline.MaxReadBlocks);
            }
        });
        Assert.Equal(timeline.MaxReadBlocks, copy.BlockCount);
        Assert.Equal(timeline.MaxReadBlocks * session.Renderer.Current.Jobs.Length, copy.JobCount);

        // Nothing renders now: the copy and a fresh read agree job for job.
        TimelineReading fromCopy = copy.ToReading();
        TimelineReading read = timeline.Read(timeline.MaxReadBlocks);
        Assert.Equal(read.Blocks, fromCopy.Blocks);
        Assert.Equal(read.Jobs, fromCopy.Jobs);
        Assert.Equal(read.NodeCosts, fromCopy.NodeCosts);
    }

    [Fact]
    public void TimingSwitchedOff_RecordsNothingMore()
    {
        LiveSession session = NewSession(null);
        var timeline = new JobTimeline(1);
        session.Renderer.Timeline = timeline;
        session.Renderer.Render(Frames);
        session.Renderer.Timeline = null;
        session.Renderer.Render(Frames);
        session.Renderer.Render(Frames);
        Assert.Equal(1, timeline.BlocksRecorded);
        Assert.Single(timeline.Read(8).Blocks);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Output_IsBitIdentical_WithTimingSwitchedOnAndOffWhilePlaying(int threads)
    {
        using var timedExecutor = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads });
        using var plainExecutor = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads });
        LiveSession timed = NewSession(timedExecutor, nodes: 120);
        LiveSession plain = NewSession(plainExecutor, nodes: 120);
        var timeline = new JobTimeline(threads);
        for (int b = 0; b < 400; b++)
        {
            timed.Renderer.Timeline = (b / 25) % 2 == 0 ? timeline : null;

            // Odd block sizes, as a driver's may be.
            int frames = 1 + (b * 37 % Frames);
            timed.Renderer.Render(frames);
            plain.Renderer.Render(frames);
            Assert.True(timed.Renderer.Output(0, frames).SequenceEqual(plain.Renderer.Output(0, frames)), $"block {b} differs with timing {(timed.Renderer.Timeline is null ? "off" : "on")}");
        }

        Assert.True(timeline.BlocksRecorded >= 200);
    }

    [Fact]
    public void Render_WithTimingOn_AllocatesNothing_OnAnyWorker_WhileAControlThreadReads()
    {
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, AdaptiveSerial = false });
        LiveSession session = NewSession(executor, nodes: 60);
        var timeline = new JobTimeline(2);
        session.Renderer.Timeline = timeline;

        // Tiered compilation allocates on the calling thread while it installs optimised code: warm up past it.
        for (int b = 0; b < 300; b++)
        {
            session.Renderer.Render(Frames);
        }

        Thread.Sleep(300);
        for (int b = 0; b < 300; b++)
        {
            session.Renderer.Render(Frames);
        }

        using var stop = new CancellationTokenSource();
        long reads = 0;
        var reader = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                timeline.Read(8);
                reads++;
                Thread.Sleep(1);
            }
        });
        reader.Start();
        long worker1 = executor.WorkerAllocatedBytes(1);
        IReadOnlyList<long> windows = SteadyAllocation.Windows(() =>
        {
            for (int b = 0; b < 5_000; b++)
            {
                session.Renderer.Render(Frames);
            }
        });
        stop.Cancel();
        reader.Join();
        Assert.True(windows[^1] == 0, $"bytes allocated in each window of 5,000 timed blocks on two workers: {string.Join(", ", windows)}");
        Assert.Equal(0, executor.WorkerAllocatedBytes(1) - worker1);
        Assert.True(reads > 0, "the reader never ran");
        Assert.True(timeline.BlocksRecorded >= 5_600);

        // The cost of timing, for docs/performance.md (reported, not asserted: timings under load are noise).
        LiveSession serial = NewSession(null, nodes: 60);
        var serialTimeline = new JobTimeline(1);
        for (int round = 0; round < 3; round++)
        {
            foreach ((string name, LiveSession measured, JobTimeline on) in new[] { ("2 workers", session, timeline), ("serial", serial, serialTimeline) })
            {
                measured.Renderer.Timeline = on;
                TimeSpan timed = TimeBlocks(measured);
                measured.Renderer.Timeline = null;
                TimeSpan plain = TimeBlocks(measured);
                output.WriteLine($"{name}, {measured.Renderer.Current.Jobs.Length} jobs: 10,000 blocks of {Frames} frames, {timed.TotalMilliseconds:F1} ms timed, {plain.TotalMilliseconds:F1} ms not ({(timed - plain).TotalMicroseconds / 10_000 / measured.Renderer.Current.Jobs.Length * 1000:F0} ns a job)");
            }
        }
    }

    private static TimeSpan TimeBlocks(LiveSession session)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int b = 0; b < 10_000; b++)
        {
            session.Renderer.Render(Frames);
        }

        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    private static int IndexOf(GraphSnapshot snapshot, string label)
    {
        for (int j = 0; j < snapshot.Jobs.Length; j++)
        {
            if (snapshot.DescribeJob(j) == label)
            {
                return j;
            }
        }

        throw new InvalidOperationException($"no job '{label}'");
    }
}
