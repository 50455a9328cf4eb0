using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Scheduling;

public sealed class WorkloadThreadCountTests
{
    private const int Block = 128;
    private const int Frames = Block * 150;

    public static TheoryData<string, SchedulingPolicy> Cases()
    {
        var data = new TheoryData<string, SchedulingPolicy>();
        foreach (string name in new[] { "voices-256", "chains-16x16", "random-layered", "session" })
        {
            data.Add(name, SchedulingPolicy.CriticalPathFirst);
        }

        data.Add("random-layered", SchedulingPolicy.PlainStealing);
        data.Add("random-layered", SchedulingPolicy.Wavefront);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StandardWorkload_IsBitIdenticalOnAnyThreadCount(string name, SchedulingPolicy policy)
    {
        float[][] reference = Render(name, SingleThreadExecutor.Instance);
        foreach (int threads in new[] { 2, 3, 4, 8, 16 })
        {
            using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads, Policy = policy, VerifyExecution = true });
            float[][] output = Render(name, executor);
            Assert.Equal(0, executor.Violations);
            for (int c = 0; c < reference.Length; c++)
            {
                Assert.True(reference[c].AsSpan().SequenceEqual(output[c]), $"{name}: channel {c} differs between 1 and {threads} threads ({policy})");
            }
        }
    }

    private static float[][] Render(string name, IGraphExecutor executor)
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(StandardWorkloads.Create(name), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block });
        return OfflineRender.Render(snapshot, Frames, _ => Block, executor);
    }
}
