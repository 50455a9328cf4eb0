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
            Thread.Sleep(20);
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
}
