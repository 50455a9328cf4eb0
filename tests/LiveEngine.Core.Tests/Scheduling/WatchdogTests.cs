using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Scheduling;

[Collection(TimingSensitive.Name)]
public sealed class WatchdogTests
{
    [Fact]
    public void StuckNodeOnAWorker_IsSilencedAndReported_BlockCompletes_MusicPlaysOn()
    {
        var graph = new GraphDescription();
        graph.Add("tone", "const", new Dictionary<string, double> { ["value"] = 0.5 });
        graph.Add("src", "const", new Dictionary<string, double> { ["value"] = 0.25 });
        graph.Add("hang", "stuck");
        graph.Add("busy", "busy");
        graph.Add("out", "out", channels: 1);
        graph.Connect("tone", "out");
        graph.Connect("src", "hang");
        graph.Connect("hang", "out");
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 16 });

        TestNodes.StuckNode.ExemptThreadId = Environment.CurrentManagedThreadId;
        TestNodes.StuckNode.Hold = true;
        try
        {
            using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, WatchdogTimeout = TimeSpan.FromMilliseconds(20), AdaptiveSerial = false });
            executor.Prepare(snapshot);

            // Worker 0 (this thread) is exempt, so the node hangs only when worker 1 picks it up; "busy" ranks
            // first and keeps worker 0 away meanwhile. Render until it has happened; each block must complete.
            int block = 0;
            for (; block < 2_000 && executor.Stalls == 0; block++)
            {
                executor.Process(snapshot, 16, block * 16L);
            }

            Assert.Equal(1, executor.Stalls);
            int hang = snapshot.IndexOfNode("hang");
            Assert.Equal(hang, snapshot.Jobs[executor.LastStalledJob].NodeIndex);
            Assert.Equal(1, snapshot.NodeFaulted[hang]);
            Assert.IsType<TimeoutException>(snapshot.NodeExceptions[hang]);

            // The rest plays on with the stuck part silent, worker 1 still spinning in the old job.
            for (int b = 0; b < 50; b++, block++)
            {
                executor.Process(snapshot, 16, block * 16L);
                Assert.All(snapshot.GetOutput(0, 16).ToArray(), x => Assert.Equal(0.5f, x));
            }

            // Let the stuck call return: the worker rejoins, and the node, slow but not hung, plays again.
            TestNodes.StuckNode.Hold = false;
            var rejoin = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref snapshot.NodeFaulted[hang]) != 0 && rejoin.Elapsed < TimeSpan.FromSeconds(10))
            {
                // The worker returns when the OS runs it again: 20 ms were not always enough under load.
                Thread.Sleep(5);
            }

            Assert.Equal(0, snapshot.NodeFaulted[hang]);
            for (int b = 0; b < 200; b++, block++)
            {
                executor.Process(snapshot, 16, block * 16L);
                Assert.All(snapshot.GetOutput(0, 16).ToArray(), x => Assert.Equal(0.75f, x));
            }

            Assert.Equal(1, executor.Stalls);
        }
        finally
        {
            TestNodes.StuckNode.Hold = false;
        }
    }

    [Fact]
    public async Task Dispose_WhileWorkerZeroNeverFinishesItsBlock_StillReturns_TheOtherWorkerLeavesTheBlock()
    {
        // What JACK does to an overrunning client at close: its real-time thread (worker 0 here) is stopped inside a
        // block. Eight stuck nodes hold any thread but worker 1, so worker 0 holds in one of them while worker 1 runs
        // the rest and then waits for that one. Dispose must not wait for the block.
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        for (int i = 0; i < 8; i++)
        {
            graph.Add($"src{i}", "const", new Dictionary<string, double> { ["value"] = 0.125 });
            graph.Add($"hang{i}", "stuck");
            graph.Connect($"src{i}", $"hang{i}");
            graph.Connect($"hang{i}", "out");
        }

        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 16 });
        int workerOne = -1;
        var executor = new ParallelExecutor(new ParallelExecutorOptions
        {
            Threads = 2,
            AdaptiveSerial = false,
            WatchdogTimeout = TimeSpan.FromSeconds(30),
            WorkerStarted = worker => Volatile.Write(ref workerOne, Environment.CurrentManagedThreadId),
        });
        Task? held = null;
        try
        {
            executor.Prepare(snapshot);
            SpinWait.SpinUntil(() => Volatile.Read(ref workerOne) >= 0, TimeSpan.FromSeconds(10));
            Assert.True(workerOne >= 0, "worker 1 never started");
            TestNodes.StuckNode.ExemptThreadId = workerOne;
            TestNodes.StuckNode.Hold = true;

            // Until worker 0 holds in a block (worker 1 may, rarely, run all eight first: then the block completes).
            for (int block = 0; block < 100 && held is null; block++)
            {
                long start = block * 16L;
                Task render = Task.Factory.StartNew(() => executor.Process(snapshot, 16, start), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                if (await Task.WhenAny(render, Task.Delay(500)) != render)
                {
                    held = render;
                }
            }

            Assert.NotNull(held);
            Task dispose = Task.Run(executor.Dispose);
            Assert.True(await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(20))) == dispose, "Dispose waited for a block that worker 0 will never finish");
        }
        finally
        {
            TestNodes.StuckNode.Hold = false;
            if (held is not null)
            {
                await Task.WhenAny(held, Task.Delay(TimeSpan.FromSeconds(20)));
            }

            executor.Dispose();
        }
    }
}
