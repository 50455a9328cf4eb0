using LiveEngine.Admission;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Admission;

/// <summary>
/// The prediction every commit of a live session makes: the same work, span and costliest nodes as summing per job
/// name would give, without allocating per job (it was ~180 KB per commit of the 1,200-node 'session').
/// </summary>
public sealed class CostPredictorTests
{
    private const int Block = 128;

    [Theory]
    [InlineData("session", 1)]
    [InlineData("session", 2)]
    [InlineData("voices-256", 2)]
    [InlineData("chains-16x16", 1)]
    public void Predict_GivesTheWorkSpanAndCostliestNodesOfPerNameSums(string workload, int threads)
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(StandardWorkloads.Create(workload), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block });
        var table = new JobCostTable();

        CostPrediction prediction = CostPredictor.Predict(snapshot, table, threads, Block);

        (double work, double span, (string, double)[] costliest) = Reference(snapshot, table);
        Assert.Equal(work, prediction.WorkNs, 6);
        Assert.Equal(span, prediction.SpanNs, 6);
        Assert.Equal(costliest.Select(c => c.Item1), prediction.Costliest.Select(c => c.Node));
        Assert.Equal(costliest.Select(c => c.Item2), prediction.Costliest.Select(c => c.Ns), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void Predict_OfTheSessionWorkload_AllocatesOnlyThePrediction()
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(StandardWorkloads.Create("session"), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block });
        var table = new JobCostTable();
        CostPredictor.Predict(snapshot, table, threads: 2, Block);

        long before = GC.GetAllocatedBytesForCurrentThread();
        CostPredictor.Predict(snapshot, table, threads: 2, Block);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        // The record, ten names and their array: well under 4 KB (per-name sums made ~180 KB).
        Assert.InRange(bytes, 1, 4096);
    }

    /// <summary>The prediction as summing per job name computes it (what the predictor did before it avoided allocating).</summary>
    private static (double Work, double Span, (string, double)[] Costliest) Reference(GraphSnapshot snapshot, JobCostTable table)
    {
        var jobNs = new double[snapshot.Jobs.Length];
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        var bankLanes = new Dictionary<string, int>(StringComparer.Ordinal);
        double work = 0;
        for (int j = 0; j < jobNs.Length; j++)
        {
            jobNs[j] = table.JobNs(snapshot, j, Block, out _);
            work += jobNs[j];
            JobInfo info = snapshot.Jobs[j];
            string name = info.Kind switch
            {
                JobKind.Bank => $"bank {snapshot.Banks[info.BankIndex].Name} → {snapshot.NodeIds[snapshot.Banks[info.BankIndex].ConsumerNode]}",
                JobKind.Mix => $"mix into {snapshot.NodeIds[info.NodeIndex]}",
                _ => snapshot.NodeIds[info.NodeIndex],
            };
            byName[name] = byName.GetValueOrDefault(name) + jobNs[j];
            if (info.Kind == JobKind.Bank)
            {
                bankLanes[name] = bankLanes.GetValueOrDefault(name) + snapshot.Banks[info.BankIndex].LaneCount;
            }
        }

        double span = CriticalPath.Span(snapshot, j => jobNs[j]);
        (string, double)[] costliest = [.. byName.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(10)
            .Select(p => (bankLanes.TryGetValue(p.Key, out int lanes) ? $"{p.Key} ({lanes} voices)" : p.Key, p.Value))];
        return (work, span, costliest);
    }
}
