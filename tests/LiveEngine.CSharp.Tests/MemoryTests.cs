using System.Diagnostics;
using System.Globalization;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.CSharp.Tests;

[Collection(MeasurementCollection.Name)]
public sealed class MemoryTests(ITestOutputHelper output)
{
    /// <summary>The stated bound (docs/csharp.md): managed heap growth over 1,000 submissions after a full collection.</summary>
    private const long HeapBoundBytes = 24L << 20;

    /// <summary>A looser bound on the process's working set (JIT code, Roslyn's caches and the runtime's own heaps count here).</summary>
    private const long WorkingSetBoundBytes = 128L << 20;

    private static string Dc(int generation) => $$"""
        [Node("dc", Inputs = new string[0])]
        [Param("level", 0, 1, 0.25f)]
        class Dc : UserNode
        {
            protected override void Render(in ProcessContext context) => context.Output(0).Fill(context.Parameters[0] * {{generation % 7 + 1}} / 8f);
        }
        """;

    [Fact]
    public void AThousandSubmissions_StayWithinTheMemoryBound_AndUnloadEveryReplacedGeneration()
    {
        using var f = new SessionFixture();
        f.Workspace.SwapAt = Quantization.Now;
        f.EvalOk(Dc(0) + """

            Graph().Add("d", "dc", ("level", 0.5)).Chain("d", "out").Commit(Now);
            """);
        for (int i = 0; i < 20; i++)
        {
            f.EvalOk(string.Create(CultureInfo.InvariantCulture, $"Set(\"d\", \"level\", {i / 40.0});"));
        }

        f.EvalOk(Dc(1));
        f.Render(512);
        (long heapBefore, long workingSetBefore) = Settle(f);

        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 1_000; i++)
        {
            string code = (i % 50) switch
            {
                0 => Dc(i + 2),
                5 or 15 or 25 or 35 or 45 => string.Create(CultureInfo.InvariantCulture, $"var v{i} = {i};"),
                _ => string.Create(CultureInfo.InvariantCulture, $"Set(\"d\", \"level\", {(i % 40) / 40.0});"),
            };
            f.EvalOk(code);
            if (i % 50 == 0)
            {
                f.Render(256);
            }
        }

        watch.Stop();
        f.Render(256);
        (long heapAfter, long workingSetAfter) = Settle(f);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"1,000 submissions in {watch.Elapsed.TotalSeconds:0.0} s; heap {heapBefore / 1e6:0.0} -> {heapAfter / 1e6:0.0} MB; working set {workingSetBefore / 1e6:0} -> {workingSetAfter / 1e6:0} MB; chained {f.Workspace.ChainedSubmissions}"));

        Assert.Equal(0, f.Workspace.PendingUnloads);
        Assert.Equal(1, f.Workspace.LoadedGenerations);
        Assert.Equal(100, f.Workspace.ChainedSubmissions);
        Assert.InRange(heapAfter - heapBefore, long.MinValue, HeapBoundBytes);
        Assert.InRange(workingSetAfter - workingSetBefore, long.MinValue, WorkingSetBoundBytes);
    }

    private static (long Heap, long WorkingSet) Settle(SessionFixture f)
    {
        for (int i = 0; i < 20 && f.Workspace.PendingUnloads > 0; i++)
        {
            f.Session.Maintain();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
