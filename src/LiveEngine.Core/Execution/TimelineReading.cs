using LiveEngine.Snapshots;

namespace LiveEngine.Execution;

/// <summary>
/// What a <see cref="JobTimeline"/> held of its last blocks: the blocks, every job as a bar on its worker's lane with
/// the critical path of its block marked, and the nodes' measured cost per block. Times are nanoseconds from the first
/// block's start. Built on a control thread.
/// </summary>
public sealed record TimelineReading(int Workers, IReadOnlyList<TimelineBlock> Blocks, IReadOnlyList<TimelineJob> Jobs, IReadOnlyList<MeasuredNodeCost> NodeCosts)
{
    /// <summary>Blocks that took longer than their deadline.</summary>
    public int LateBlocks => Blocks.Count(b => b.Late);

    internal static TimelineReading Create(int workers, List<BlockSpan> spans, List<GraphSnapshot> snapshots, List<(int Worker, JobSpan Span)> jobs)
    {
        long origin = spans[0].Start;
        var blockIndex = new Dictionary<long, int>(spans.Count);
        var blocks = new TimelineBlock[spans.Count];
        for (int b = 0; b < spans.Count; b++)
        {
            BlockSpan span = spans[b];
            blockIndex[span.Block] = b;
            blocks[b] = new TimelineBlock(span.Block, JobTimeline.ToNs(span.Start - origin), JobTimeline.ToNs(span.End - origin), span.Frames, span.Frames * 1e9 / snapshots[b].SampleRate, span.Serial);
        }

        // Each block's measured job times, then its critical path: the costliest chain through the job DAG with them.
        var costs = new double[spans.Count][];
        for (int b = 0; b < spans.Count; b++)
        {
            costs[b] = new double[snapshots[b].Jobs.Length];
        }

        foreach ((int _, JobSpan span) in jobs)
        {
            if (blockIndex.TryGetValue(span.Block, out int b) && (uint)span.Job < (uint)costs[b].Length)
            {
                costs[b][span.Job] += JobTimeline.ToNs(span.End - span.Start);
            }
        }

        var critical = new bool[spans.Count][];
        for (int b = 0; b < spans.Count; b++)
        {
            critical[b] = CriticalJobs(snapshots[b], costs[b]);
        }

        var bars = new List<TimelineJob>(jobs.Count);
        var perBlock = new Dictionary<string, double>[spans.Count];
        foreach ((int worker, JobSpan span) in jobs)
        {
            if (!blockIndex.TryGetValue(span.Block, out int b) || (uint)span.Job >= (uint)costs[b].Length)
            {
                continue;
            }

            GraphSnapshot snapshot = snapshots[b];
            string node = CostKey(snapshot, span.Job);
            bars.Add(new TimelineJob(worker, span.Block, snapshot.DescribeJob(span.Job), node, JobTimeline.ToNs(span.Start - origin), JobTimeline.ToNs(span.End - origin), critical[b][span.Job]));
            Dictionary<string, double> sums = perBlock[b] ??= new Dictionary<string, double>(StringComparer.Ordinal);
            sums[node] = sums.GetValueOrDefault(node) + JobTimeline.ToNs(span.End - span.Start);
        }

        var totals = new Dictionary<string, (double Sum, double Max, int Blocks)>(StringComparer.Ordinal);
        foreach (Dictionary<string, double>? sums in perBlock)
        {
            foreach ((string node, double ns) in sums ?? [])
            {
                (double sum, double max, int count) = totals.GetValueOrDefault(node);
                totals[node] = (sum + ns, Math.Max(max, ns), count + 1);
            }
        }

        MeasuredNodeCost[] table = [.. totals.Select(t => new MeasuredNodeCost(t.Key, t.Value.Sum / t.Value.Blocks, t.Value.Max, t.Value.Blocks)).OrderByDescending(c => c.MeanNs)];
        bars.Sort((a, c) => a.StartNs.CompareTo(c.StartNs));
        return new TimelineReading(workers, blocks, bars, table);
    }

    /// <summary>The node a job's time counts for in the cost table: the node itself, or its mix step or bank by name.</summary>
    private static string CostKey(GraphSnapshot snapshot, int job) => snapshot.Jobs[job].Kind switch
    {
        JobKind.Node or JobKind.FeedbackWrite => snapshot.NodeIds[snapshot.Jobs[job].NodeIndex],
        JobKind.Mix => "mix→" + snapshot.NodeIds[snapshot.Jobs[job].NodeIndex],
        _ => snapshot.DescribeJob(job),
    };

    private static bool[] CriticalJobs(GraphSnapshot snapshot, double[] cost)
    {
        var next = new int[cost.Length];
        double[] levels = CriticalPath.BottomLevels(snapshot.TopologicalOrder, snapshot.SuccessorStarts, snapshot.Successors, j => cost[j], next);
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

        var onPath = new bool[cost.Length];
        for (int j = head; j >= 0; j = next[j])
        {
            onPath[j] = true;
        }

        return onPath;
    }
}
