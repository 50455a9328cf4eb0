using System.Globalization;

namespace LiveEngine.Admission;

/// <summary>
/// The predicted cost of one block of a snapshot in one domain: the work W (single-thread sum of its jobs), the
/// span (costliest path), the scheduler's bound max(W/P, span) for P workers, and the costliest nodes.
/// </summary>
/// <param name="BlockFrames">Frames per block the prediction is for.</param>
/// <param name="Threads">Workers P.</param>
/// <param name="WorkNs">W, in nanoseconds per block.</param>
/// <param name="SpanNs">The span, in nanoseconds per block.</param>
/// <param name="DeadlineNs">One block's duration at the sample rate, in nanoseconds.</param>
/// <param name="Costliest">The costliest nodes (a voice bank counts as the nodes it runs), with their nanoseconds per block, costliest first.</param>
/// <param name="MeasuredShare">The share of W whose cost comes from measurements (the rest from type estimates).</param>
/// <param name="Jobs">The jobs the prediction covers.</param>
/// <param name="Scheduler">The scheduler's measured costs for <paramref name="Threads"/> workers (null: none measured, or one worker).</param>
/// <param name="SerialWhenFaster">Whether the executor runs blocks on one worker when that is faster (an adaptive <see cref="Scheduling.ParallelExecutor"/>): the block then takes the lesser of W and the parallel prediction.</param>
public sealed record CostPrediction(int BlockFrames, int Threads, double WorkNs, double SpanNs, double DeadlineNs, IReadOnlyList<(string Node, double Ns)> Costliest, double MeasuredShare, int Jobs = 0, SchedulerCosts? Scheduler = null, bool SerialWhenFaster = false)
{
    /// <summary>An empty domain: nothing to run.</summary>
    public static CostPrediction None(int blockFrames, int threads, double deadlineNs) => new(blockFrames, threads, 0, 0, deadlineNs, [], 1);

    /// <summary>
    /// The predicted block time: with one worker, W; with P, the scheduler's bound max(W/P, span) plus its measured
    /// costs (<see cref="SchedulerCosts.BlockTimeNs"/>), or the bound alone where none were measured; W if less and the
    /// executor runs serially when that is faster (<see cref="SerialWhenFaster"/>).
    /// </summary>
    public double BlockNs => Threads <= 1 ? WorkNs : SerialWhenFaster ? Math.Min(WorkNs, ParallelNs) : ParallelNs;

    private double ParallelNs => Scheduler is { } scheduler ? scheduler.BlockTimeNs(WorkNs, SpanNs, Jobs) : Math.Max(WorkNs / Threads, SpanNs);

    /// <summary><see cref="BlockNs"/> as a share of the deadline.</summary>
    public double DeadlineShare => DeadlineNs <= 0 ? 0 : BlockNs / DeadlineNs;

    /// <summary>"412 µs, 31 % of the 1333 µs deadline (64 frames, 1 thread)".</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{BlockNs / 1000:0.0} µs, {DeadlineShare * 100:0} % of the {DeadlineNs / 1000:0} µs deadline ({BlockFrames} frames, {Threads} thread{(Threads == 1 ? "" : "s")}; W {WorkNs / 1000:0.0} µs, span {SpanNs / 1000:0.0} µs{DescribeScheduler()})");

    private string DescribeScheduler() => Threads <= 1 || Scheduler is not { } s ? "" : string.Create(
        CultureInfo.InvariantCulture,
        $"; scheduling {s.BlockNs / 1000:0.0} µs a block + {s.JobNs:0} ns × {Jobs} jobs, work {s.ContentionShare * 100:+0;-0} % spread{(SerialWhenFaster && WorkNs < ParallelNs ? "; serial: faster" : "")}");

    /// <summary>The costliest <paramref name="count"/> nodes as "a 120 µs, b 80 µs".</summary>
    public string DescribeCostliest(int count = 5) => string.Join(
        ", ",
        Costliest.Take(count).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Node} {c.Ns / 1000:0.0} µs")));
}
