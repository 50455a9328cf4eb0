using System.Diagnostics;

namespace LiveEngine.Execution;

/// <summary>
/// Measured cost of every job of one snapshot, accumulated over blocks on the audio path (preallocated,
/// written by the thread that runs the job). Gives the work W and the span of the critical path.
/// </summary>
public sealed class JobTimings
{
    private readonly long[] _ticks;

    public JobTimings(int jobCount)
    {
        _ticks = new long[jobCount];
    }

    /// <summary>Blocks recorded.</summary>
    public long Blocks { get; internal set; }

    internal void Add(int job, long ticks) => _ticks[job] += ticks;

    /// <summary>
    /// What one <see cref="Stopwatch.GetTimestamp"/> costs, in ticks, measured once per process. Each job's
    /// measured time includes one clock read; it is subtracted so that thousands of small jobs do not add up
    /// to a phantom cost.
    /// </summary>
    public static double ClockReadTicks { get; } = MeasureClockRead();

    /// <summary>Mean nanoseconds per block of job <paramref name="job"/>, the clock read subtracted.</summary>
    public double MeanNs(int job) => Blocks == 0 ? 0 : Math.Max(0, (_ticks[job] / (double)Blocks) - ClockReadTicks) * (1e9 / Stopwatch.Frequency);

    /// <summary>W: the mean single-thread cost of one block, summed over all jobs, in nanoseconds.</summary>
    public double WorkNs()
    {
        double sum = 0;
        for (int j = 0; j < _ticks.Length; j++)
        {
            sum += MeanNs(j);
        }

        return sum;
    }

    private static double MeasureClockRead()
    {
        // The median of several runs of 10,000 back-to-back reads: robust to a preemption in one run.
        var runs = new double[9];
        for (int r = 0; r < runs.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            long last = start;
            for (int i = 0; i < 10_000; i++)
            {
                last = Stopwatch.GetTimestamp();
            }

            runs[r] = (last - start) / 10_000.0;
        }

        Array.Sort(runs);
        return runs[runs.Length / 2];
    }

    /// <summary>The span: the costliest path through the job DAG with measured costs, in nanoseconds per block.</summary>
    public double SpanNs(Snapshots.GraphSnapshot snapshot) => Snapshots.CriticalPath.Span(snapshot, MeanNs);
}
