namespace LiveEngine.Snapshots;

/// <summary>
/// Longest paths through a job DAG: the bottom level of each job (its cost plus the costliest path after it),
/// which is both the critical-path rank the scheduler orders by and, at its maximum, the span. One routine for
/// the compiler's estimated costs and the measured costs of benchmarks and profiles. Control side.
/// </summary>
public static class CriticalPath
{
    /// <summary>
    /// Bottom levels of all jobs in <paramref name="order"/> (a topological order) with successors in CSR form.
    /// If <paramref name="next"/> is given, it receives for each job the successor that continues its costliest
    /// path (-1 at the end), so the critical path can be walked from the job with the largest level.
    /// </summary>
    public static double[] BottomLevels(int[] order, int[] successorStarts, int[] successors, Func<int, double> cost, int[]? next = null)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(cost);
        var costs = new double[order.Length];
        for (int j = 0; j < costs.Length; j++)
        {
            costs[j] = cost(j);
        }

        var levels = new double[order.Length];
        Fill(order, successorStarts, successors, costs, levels, next);
        return levels;
    }

    /// <summary>
    /// As <see cref="BottomLevels(int[], int[], int[], Func{int, double}, int[])"/> with each job's cost in <paramref name="cost"/>,
    /// into <paramref name="levels"/> (one per job): the compiler's ranks, without a delegate or an array of its own.
    /// </summary>
    public static void BottomLevels(int[] order, int[] successorStarts, int[] successors, ReadOnlySpan<double> cost, Span<double> levels)
    {
        ArgumentNullException.ThrowIfNull(order);
        Fill(order, successorStarts, successors, cost, levels, next: default);
    }

    /// <summary>As the overload above, and each job's successor on its costliest path into <paramref name="next"/> (-1 at the end). Allocates nothing.</summary>
    public static void BottomLevels(int[] order, int[] successorStarts, int[] successors, ReadOnlySpan<double> cost, Span<double> levels, Span<int> next)
    {
        ArgumentNullException.ThrowIfNull(order);
        Fill(order, successorStarts, successors, cost, levels, next);
    }

    /// <summary>Each job's cost plus its costliest successor's level, in reverse topological order; <paramref name="next"/> gets that successor (-1: none).</summary>
    private static void Fill(int[] order, int[] successorStarts, int[] successors, ReadOnlySpan<double> cost, Span<double> levels, Span<int> next)
    {
        for (int k = order.Length - 1; k >= 0; k--)
        {
            int j = order[k];
            double after = 0;
            int best = -1;
            for (int s = successorStarts[j]; s < successorStarts[j + 1]; s++)
            {
                double level = levels[successors[s]];
                if (best < 0 || level > after)
                {
                    after = level;
                    best = successors[s];
                }
            }

            levels[j] = cost[j] + after;
            if (!next.IsEmpty)
            {
                next[j] = best;
            }
        }
    }

    /// <summary>The span of <paramref name="snapshot"/> with per-job costs from <paramref name="cost"/>: its longest path.</summary>
    public static double Span(GraphSnapshot snapshot, Func<int, double> cost)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        double[] levels = BottomLevels(snapshot.TopologicalOrder, snapshot.SuccessorStarts, snapshot.Successors, cost);
        return levels.Length == 0 ? 0 : levels.Max();
    }
}
