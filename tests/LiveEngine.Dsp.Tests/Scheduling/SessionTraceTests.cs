using System.Text.Json;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Scheduling;

public sealed class SessionTraceTests
{
    [Fact]
    public void SessionTrace_IsValidTraceEventJson_WithOneCompleteEventPerJobRun()
    {
        const int Blocks = 20;
        GraphSnapshot snapshot = GraphCompiler.Compile(StandardWorkloads.Session(), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 128 });

        // Warm first (as `liveengine bench --trace` does): a cold first block includes JIT time, which would seed
        // the profiler's cost averages with compile time instead of work.
        using (var warm = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 }))
        {
            warm.Prepare(snapshot);
            for (int b = 0; b < 300; b++)
            {
                warm.Process(snapshot, 128, b * 128L);
            }
        }

        var profiler = new ExecutionProfiler(2);
        using (var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, Profiler = profiler }))
        {
            executor.Prepare(snapshot);
            for (int b = 0; b < Blocks; b++)
            {
                executor.Process(snapshot, 128, (300 + b) * 128L);
            }
        }

        var stream = new MemoryStream();
        ChromeTraceWriter.Write(profiler, snapshot, stream);
        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        JsonElement events = document.RootElement.GetProperty("traceEvents");
        Assert.Equal(JsonValueKind.Array, events.ValueKind);

        int jobEvents = 0;
        int blockEvents = 0;
        var lastEndByThread = new Dictionary<int, double>();
        var threadNames = new HashSet<int>();
        foreach (JsonElement e in events.EnumerateArray())
        {
            string phase = e.GetProperty("ph").GetString()!;
            int tid = e.GetProperty("tid").GetInt32();
            Assert.Equal(1, e.GetProperty("pid").GetInt32());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
            if (phase == "M")
            {
                Assert.Equal("thread_name", e.GetProperty("name").GetString());
                threadNames.Add(tid);
                continue;
            }

            Assert.Equal("X", phase);
            double ts = e.GetProperty("ts").GetDouble();
            double dur = e.GetProperty("dur").GetDouble();
            Assert.True(ts >= 0 && dur >= 0, "timestamps and durations are non-negative microseconds");
            Assert.Contains(tid, threadNames);

            // Events of one thread do not overlap: a worker runs one job at a time (3 decimals of rounding allowed).
            if (lastEndByThread.TryGetValue(tid, out double lastEnd))
            {
                Assert.True(ts >= lastEnd - 0.002, $"events overlap on thread {tid}");
            }

            lastEndByThread[tid] = ts + dur;
            if (tid == ChromeTraceWriter.BlockTrackId)
            {
                blockEvents++;
            }
            else
            {
                jobEvents++;
                Assert.True(e.GetProperty("args").GetProperty("job").GetInt32() < snapshot.Jobs.Length);
            }
        }

        Assert.Equal(Blocks, blockEvents);
        Assert.Equal(Blocks * snapshot.Jobs.Length, jobEvents);
        ProfileSummary summary = ProfileSummary.Create(profiler, snapshot);
        // Ten nodes, costliest first, none above the whole. Which nodes they are is a timing (the reverb, usually; a
        // preempted oscillator on a loaded machine), so the test does not say.
        Assert.Equal(10, summary.TopNodes.Count);
        Assert.All(summary.TopNodes, n => Assert.True(snapshot.IndexOfNode(n.Node) >= 0 && n.CostNs <= summary.WorkNs));
        Assert.True(summary.TopNodes.Zip(summary.TopNodes.Skip(1)).All(p => p.First.CostNs >= p.Second.CostNs), "top nodes are sorted by cost");
        Assert.True(summary.SpanNs <= summary.WorkNs);
        Assert.Contains("critical path", summary.Format());
    }
}
