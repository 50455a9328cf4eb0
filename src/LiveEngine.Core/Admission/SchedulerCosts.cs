namespace LiveEngine.Admission;

/// <summary>
/// What running a block on P workers costs beyond the scheduler's bound max(W/P, span), measured on this machine by
/// <see cref="CostPredictor.MeasureScheduler"/>: a fixed cost per block (opening it, waking or catching the workers,
/// closing it and waiting for them to leave), a cost per job (its dependency counters, deque pushes, pops and steals),
/// and the share by which the jobs themselves run slower or faster spread over P workers than one after another
/// (their inputs come from another core's cache, cores share memory bandwidth; below zero, each core's cache holds its
/// share better). The model: a block of W ns of work in J jobs with span S takes
/// max((W·(1 + <see cref="ContentionShare"/>) + J·<see cref="JobNs"/>) / P, S·(1 + <see cref="ContentionShare"/>)) + <see cref="BlockNs"/>
/// (a job on the critical path runs slower or faster spread over the workers too).
/// </summary>
/// <param name="Threads">Workers P these costs were measured for.</param>
/// <param name="BlockNs">The fixed cost of one block, in nanoseconds (a block of no job).</param>
/// <param name="JobNs">The scheduling cost of one job, in nanoseconds of one worker's time (a job that does nothing).</param>
/// <param name="ContentionShare">How much longer (or, below zero, shorter) the work takes spread over the workers, as a share of W.</param>
public readonly record struct SchedulerCosts(int Threads, double BlockNs, double JobNs, double ContentionShare)
{
    /// <summary>The block time of <paramref name="workNs"/> of work in <paramref name="jobs"/> jobs with span <paramref name="spanNs"/> on <see cref="Threads"/> workers.</summary>
    public double BlockTimeNs(double workNs, double spanNs, int jobs) =>
        Math.Max(((workNs * (1 + ContentionShare)) + (jobs * JobNs)) / Threads, spanNs * (1 + ContentionShare)) + BlockNs;
}
