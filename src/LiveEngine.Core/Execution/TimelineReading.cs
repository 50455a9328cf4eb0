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

    /// <summary>
    /// A reading from its blocks and jobs (as a <see cref="TimelineCopy"/> or the engine protocol gives them): the jobs
    /// sorted by start, and the cost table summed from them, each node's mean and largest time per block that ran it.
    /// </summary>
    public static TimelineReading FromJobs(int workers, IReadOnlyList<TimelineBlock> blocks, List<TimelineJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(jobs);
        var perBlock = new Dictionary<(long Block, string Node), double>();
        foreach (TimelineJob job in jobs)
        {
            perBlock[(job.Block, job.Node)] = perBlock.GetValueOrDefault((job.Block, job.Node)) + (job.EndNs - job.StartNs);
        }

        var totals = new Dictionary<string, (double Sum, double Max, int Blocks)>(StringComparer.Ordinal);
        foreach (((long _, string node), double ns) in perBlock)
        {
            (double sum, double max, int count) = totals.GetValueOrDefault(node);
            totals[node] = (sum + ns, Math.Max(max, ns), count + 1);
        }

        MeasuredNodeCost[] table = [.. totals.Select(t => new MeasuredNodeCost(t.Key, t.Value.Sum / t.Value.Blocks, t.Value.Max, t.Value.Blocks)).OrderByDescending(c => c.MeanNs).ThenBy(c => c.Node, StringComparer.Ordinal)];
        jobs.Sort((a, c) => a.StartNs.CompareTo(c.StartNs));
        return new TimelineReading(workers, blocks, jobs, table);
    }

    /// <summary>A job's name on its bar, as <see cref="GraphSnapshot.DescribeJob"/> gives it.</summary>
    public static string Label(JobKind kind, string nodeId, int job, string? bankName, int lanes) => kind switch
    {
        JobKind.Mix => $"mix→{nodeId}#{job}",
        JobKind.FeedbackWrite => $"{nodeId}(write)",
        JobKind.Bank => $"bank[{bankName} ×{lanes}]@{nodeId}",
        _ => nodeId,
    };

    /// <summary>The node a job's time counts for in the cost table: the node itself, or its mix step or bank by name.</summary>
    public static string CostKey(JobKind kind, string nodeId, int job, string? bankName, int lanes) => kind switch
    {
        JobKind.Node or JobKind.FeedbackWrite => nodeId,
        JobKind.Mix => "mix→" + nodeId,
        _ => Label(kind, nodeId, job, bankName, lanes),
    };
}
