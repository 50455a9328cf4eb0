using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Snapshots;
using LiveEngine.Tests.Snapshots;

namespace LiveEngine.Tests.Execution;

public sealed class SingleThreadExecutorTests
{
    [Fact]
    public void Render_IsIdenticalForAnyBlockSplit()
    {
        GraphDescription graph = SnapshotCompilerTests.RandomGraph(11, 150);
        float[] reference = Render(graph, 512, _ => 512);
        Assert.Contains(reference, x => x != 0);
        var random = new Random(5);
        int[] splits = [.. Enumerable.Range(0, 10_000).Select(_ => 1 + random.Next(512))];
        foreach (Func<int, int> split in new Func<int, int>[] { _ => 1, _ => 31, _ => 64, b => splits[b] })
        {
            Assert.Equal(reference, Render(graph, 512, split));
        }
    }

    [Fact]
    public void Process_AllocatesNothingPerBlock()
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(SnapshotCompilerTests.RandomGraph(3, 300), TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64 });
        SingleThreadExecutor.Process(snapshot, 64, 0);
        var timings = new JobTimings(snapshot.Jobs.Length);
        SingleThreadExecutor.ProcessMeasured(snapshot, 64, 64, timings);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int b = 2; b < 10_002; b++)
        {
            SingleThreadExecutor.Process(snapshot, 64, b * 64L);
        }

        for (int b = 0; b < 100; b++)
        {
            SingleThreadExecutor.ProcessMeasured(snapshot, 64, b * 64L, timings);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ThrowingNode_IsSilencedAndReported_RestPlaysOn()
    {
        var graph = new GraphDescription();
        graph.Add("ok", "const", new Dictionary<string, double> { ["value"] = 0.5 });
        graph.Add("bad", "thrower", new Dictionary<string, double> { ["afterBlocks"] = 2 });
        graph.Add("src", "const", new Dictionary<string, double> { ["value"] = 0.25 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("ok", "out");
        graph.Connect("src", "bad");
        graph.Connect("bad", "out");
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 16 });
        float[] output = OfflineRender.Render(snapshot, 80, _ => 16)[0];

        Assert.All(output.AsSpan(0, 32).ToArray(), x => Assert.Equal(0.75f, x));
        Assert.All(output.AsSpan(32).ToArray(), x => Assert.Equal(0.5f, x));
        int bad = snapshot.IndexOfNode("bad");
        Assert.Equal(1, snapshot.NodeFaulted[bad]);
        Assert.Equal("test node failure", snapshot.NodeExceptions[bad]!.Message);
        Assert.Equal(0, snapshot.NodeFaulted[snapshot.IndexOfNode("ok")]);
    }

    [Fact]
    public void JobTimings_SpanIsAtMostWork()
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(SnapshotCompilerTests.RandomGraph(9, 100), TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64 });
        var timings = new JobTimings(snapshot.Jobs.Length);
        for (int b = 0; b < 50; b++)
        {
            SingleThreadExecutor.ProcessMeasured(snapshot, 64, b * 64L, timings);
        }

        double work = timings.WorkNs();
        double span = timings.SpanNs(snapshot);
        Assert.True(span > 0 && work > 0);
        Assert.True(span <= work * (1 + 1e-9), $"span {span} ns must not exceed work {work} ns");
    }

    private static float[] Render(GraphDescription graph, int maxBlock, Func<int, int> split)
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = maxBlock });
        return OfflineRender.Render(snapshot, 6000, split)[0];
    }
}
