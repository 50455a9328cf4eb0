using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveEngine.Snapshots;

namespace LiveEngine.Scheduling;

/// <summary>
/// What a profile says in a few lines: the costliest nodes, each worker's utilisation, the critical path,
/// deadline misses, and the block time against the bound max(W/P, span). Control thread only.
/// </summary>
public sealed record ProfileSummary(
    IReadOnlyList<(string Node, double CostNs)> TopNodes,
    IReadOnlyList<double> WorkerUtilisation,
    IReadOnlyList<string> CriticalPath,
    double WorkNs,
    double SpanNs,
    double MeanBlockNs,
    long Blocks,
    long DeadlineMisses)
{
    public double BoundNs(int workers) => Math.Max(WorkNs / workers, SpanNs);

    public static ProfileSummary Create(ExecutionProfiler profiler, GraphSnapshot snapshot, int top = 10)
    {
        ArgumentNullException.ThrowIfNull(profiler);
        ArgumentNullException.ThrowIfNull(snapshot);
        ReadOnlySpan<double> costs = profiler.JobCosts;
        var byNode = new double[snapshot.Nodes.Length];
        double work = 0;
        for (int j = 0; j < costs.Length; j++)
        {
            byNode[snapshot.Jobs[j].NodeIndex] += costs[j];
            work += costs[j];
        }

        // The costliest path through the DAG with the measured costs, walked from its first job.
        double[] costArray = costs.ToArray();
        var next = new int[costArray.Length];
        double[] levels = LiveEngine.Snapshots.CriticalPath.BottomLevels(snapshot.TopologicalOrder, snapshot.SuccessorStarts, snapshot.Successors, j => costArray[j], next);
        int head = -1;
        double span = 0;
        for (int j = 0; j < levels.Length; j++)
        {
            if (levels[j] > span)
            {
                span = levels[j];
                head = j;
            }
        }

        var path = new List<string>();
        for (int j = head; j >= 0; j = next[j])
        {
            path.Add(snapshot.DescribeJob(j));
        }

        // Utilisation over the recorded window: busy time per worker / wall time of the blocks recorded.
        TraceEvent[] blocks = [.. profiler.Events(0).Where(e => e.Kind == TraceEventKind.Block)];
        double blockTicks = blocks.Sum(b => (double)(b.End - b.Start));
        long windowStart = blocks.Length == 0 ? long.MinValue : blocks.Min(b => b.Start);
        var utilisation = new double[profiler.Workers];
        for (int w = 0; w < profiler.Workers; w++)
        {
            double busy = profiler.Events(w).Where(e => e.Kind != TraceEventKind.Block && e.Start >= windowStart).Sum(e => (double)(e.End - e.Start));
            utilisation[w] = blockTicks <= 0 ? 0 : busy / blockTicks;
        }

        double meanBlockNs = blocks.Length == 0 ? 0 : blockTicks / blocks.Length * (1e9 / Stopwatch.Frequency);
        (string, double)[] topNodes = [.. Enumerable.Range(0, byNode.Length).OrderByDescending(n => byNode[n]).Take(top).Select(n => (snapshot.NodeIds[n], byNode[n]))];
        return new ProfileSummary(topNodes, utilisation, path, work, span, meanBlockNs, profiler.Blocks, profiler.DeadlineMisses);
    }

    public string Format()
    {
        var text = new StringBuilder();
        int workers = WorkerUtilisation.Count;
        text.AppendLine(CultureInfo.InvariantCulture, $"profile over {Blocks} blocks: mean block {MeanBlockNs / 1000:0.0} µs, W {WorkNs / 1000:0.0} µs, span {SpanNs / 1000:0.0} µs, bound max(W/{workers}, span) {BoundNs(workers) / 1000:0.0} µs → efficiency {(MeanBlockNs > 0 ? BoundNs(workers) / MeanBlockNs : 0):P0}; deadline misses {DeadlineMisses}");
        text.AppendLine("  worker utilisation: " + string.Join("  ", WorkerUtilisation.Select((u, w) => string.Create(CultureInfo.InvariantCulture, $"w{w} {u:P0}"))));
        text.AppendLine("  top nodes by cost (µs per block):");
        foreach ((string node, double cost) in TopNodes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {cost / 1000,9:0.00}  {node}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  critical path ({CriticalPath.Count} jobs): {string.Join(" → ", CriticalPath.Take(12))}{(CriticalPath.Count > 12 ? " → …" : "")}");
        return text.ToString();
    }
}
