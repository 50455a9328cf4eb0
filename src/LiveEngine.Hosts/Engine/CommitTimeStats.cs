using System.Diagnostics;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// How long the engine takes to commit: from a Commit request's frame to its snapshot queued for the audio side
/// (decoding the graph, validating, compiling, preparing, queueing), not the wait for the commit's bar. The engine's
/// server records every commit; <see cref="EngineStats"/> reports the count and percentiles of the most recent
/// <see cref="Capacity"/>. Control threads only (a lock; commits are rare).
/// </summary>
public sealed class CommitTimeStats
{
    /// <summary>Commits kept for the percentiles.</summary>
    public const int Capacity = 4096;

    private readonly object _gate = new();
    private readonly double[] _recentUs = new double[Capacity];
    private long _count;

    /// <summary>Commits recorded since the engine started.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Records a commit that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) and is done now.</summary>
    public void RecordSince(long startTimestamp)
    {
        double us = Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds;
        lock (_gate)
        {
            _recentUs[_count % Capacity] = us;
            _count++;
        }
    }

    /// <summary>The <paramref name="quantile"/> (0..1, nearest rank) of the recent commits' times in µs; 0 before the first.</summary>
    public double PercentileUs(double quantile)
    {
        lock (_gate)
        {
            int n = (int)Math.Min(_count, Capacity);
            if (n == 0)
            {
                return 0;
            }

            double[] sorted = _recentUs[..n];
            Array.Sort(sorted);
            int rank = (int)Math.Ceiling(quantile * n) - 1;
            return sorted[Math.Clamp(rank, 0, n - 1)];
        }
    }
}
