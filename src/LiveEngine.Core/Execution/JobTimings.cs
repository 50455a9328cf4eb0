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

    /// <summary>Mean nanoseconds per block of job <paramref name="job"/>.</summary>
    public double MeanNs(int job) => Blocks == 0 ? 0 : _ticks[job] * (1e9 / Stopwatch.Frequency) / Blocks;

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

    /// <summary>The span: the costliest path through the job DAG with measured costs, in nanoseconds per block.</summary>
    public double SpanNs(Snapshots.GraphSnapshot snapshot)
    {
        var longest = new double[snapshot.Jobs.Length];
        double span = 0;
        for (int k = snapshot.TopologicalOrder.Length - 1; k >= 0; k--)
        {
            int j = snapshot.TopologicalOrder[k];
            double after = 0;
            for (int s = snapshot.SuccessorStarts[j]; s < snapshot.SuccessorStarts[j + 1]; s++)
            {
                after = Math.Max(after, longest[snapshot.Successors[s]]);
            }

            longest[j] = MeanNs(j) + after;
            span = Math.Max(span, longest[j]);
        }

        return span;
    }
}
