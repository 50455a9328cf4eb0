using System.Buffers;
using LiveEngine.Snapshots;

namespace LiveEngine.Scheduling;

/// <summary>
/// What a <see cref="ParallelExecutor"/> needs to run one snapshot, built off the audio thread by
/// <see cref="ParallelExecutor.Prepare"/> and attached to the snapshot: dependency counters, one deque per
/// worker, the policy's orders, and the verification record. Audio side only once prepared.
/// </summary>
internal sealed class ParallelRunState
{
    public ParallelRunState(ParallelExecutor owner, GraphSnapshot snapshot, int workers, SchedulingPolicy policy)
    {
        Owner = owner;
        int jobs = snapshot.Jobs.Length;
        Pending = new int[jobs];
        Guarded = new bool[jobs];
        for (int j = 0; j < jobs; j++)
        {
            JobInfo job = snapshot.Jobs[j];
            Guarded[j] = job.Kind != JobKind.Mix && (snapshot.NodeTypes[job.NodeIndex].Flags & Nodes.NodeTypeFlags.Untrusted) != 0;
        }

        DependencyCounts = snapshot.DependencyCounts;
        Deques = new WorkStealingDeque[workers];
        for (int w = 0; w < workers; w++)
        {
            Deques[w] = new WorkStealingDeque(Math.Max(1, jobs));
        }

        double[] ranks = snapshot.Ranks;
        bool byRank = policy == SchedulingPolicy.CriticalPathFirst;

        // Sorted in place with struct comparers, no LINQ: a commit prepares two snapshots of ~1,400 jobs, and
        // ordering each job's successors through OrderBy was most of what a commit allocated in the engine.
        // Sources: the policy's order of claiming. Highest rank first for critical-path-first, else index order.
        int sourceCount = 0;
        for (int j = 0; j < jobs; j++)
        {
            if (snapshot.DependencyCounts[j] == 0)
            {
                sourceCount++;
            }
        }

        Seeds = new int[sourceCount];
        for (int j = 0, k = 0; j < jobs; j++)
        {
            if (snapshot.DependencyCounts[j] == 0)
            {
                Seeds[k++] = j;
            }
        }

        if (byRank)
        {
            Seeds.AsSpan().Sort(new HighestRankFirst(ranks));
        }

        // Successors in ascending priority: the last one to become ready while scanning is kept as the
        // continuation and the others go to the deque in ascending order, so the owner pops the best next.
        SuccessorStarts = snapshot.SuccessorStarts;
        SuccessorOrder = (int[])snapshot.Successors.Clone();
        if (byRank)
        {
            for (int j = 0; j < jobs; j++)
            {
                SuccessorOrder.AsSpan(SuccessorStarts[j], SuccessorStarts[j + 1] - SuccessorStarts[j]).Sort(new LowestRankFirst(ranks));
            }
        }

        int levels = jobs == 0 ? 0 : snapshot.Levels.Max() + 1;
        LevelStarts = new int[levels + 1];
        JobsByLevel = new int[jobs];
        for (int j = 0; j < jobs; j++)
        {
            JobsByLevel[j] = j;
        }

        JobsByLevel.AsSpan().Sort(new ByLevelThenHighestRank(snapshot.Levels, ranks));
        foreach (int level in snapshot.Levels)
        {
            LevelStarts[level + 1]++;
        }

        for (int l = 0; l < levels; l++)
        {
            LevelStarts[l + 1] += LevelStarts[l];
        }

        LevelCursors = new int[levels * CounterStride];
        LevelCompleted = new int[levels * CounterStride];

        // Predecessors (CSR), each job's in ascending order: counted, summed, then filled by ascending predecessor.
        PredecessorStarts = new int[jobs + 1];
        for (int k = 0; k < snapshot.Successors.Length; k++)
        {
            PredecessorStarts[snapshot.Successors[k] + 1]++;
        }

        for (int j = 0; j < jobs; j++)
        {
            PredecessorStarts[j + 1] += PredecessorStarts[j];
        }

        Predecessors = new int[PredecessorStarts[jobs]];
        int[] cursor = ArrayPool<int>.Shared.Rent(Math.Max(1, jobs));
        Array.Copy(PredecessorStarts, cursor, jobs);
        for (int j = 0; j < jobs; j++)
        {
            for (int k = SuccessorStarts[j]; k < SuccessorStarts[j + 1]; k++)
            {
                Predecessors[cursor[snapshot.Successors[k]]++] = j;
            }
        }

        ArrayPool<int>.Shared.Return(cursor);
        DoneInBlock = new long[jobs];

        // The most a second thread could save per block is the work off the critical path. Where no two jobs can
        // run at once (one job per level: nothing, or a chain) or that work is below what waking a worker costs,
        // measuring both modes would only wake the workers for nothing: such a snapshot always runs serially.
        int widest = 0;
        for (int l = 0; l < levels; l++)
        {
            widest = Math.Max(widest, LevelStarts[l + 1] - LevelStarts[l]);
        }

        double totalNsPerFrame = snapshot.Jobs.Sum(j => j.CostNsPerFrame);
        double criticalNsPerFrame = jobs == 0 ? 0 : ranks.Max();
        SerialOnly = widest <= 1 || (totalNsPerFrame - criticalNsPerFrame) * snapshot.MaxBlockFrames < ParallelWorthNs;
    }

    /// <summary>
    /// Work off the critical path, per block, below which a snapshot never runs in parallel: about what waking a
    /// parked worker and handing it a job costs (futex wake, cache misses on the shared counters).
    /// </summary>
    public const double ParallelWorthNs = 5_000;

    /// <summary>Ints between counters of different levels: 16 ints = one cache line, so levels do not share lines.</summary>
    public const int CounterStride = 16;

    public ParallelExecutor Owner { get; }

    public int[] Pending { get; }

    /// <summary>Jobs of untrusted node types, which the watchdog may take over.</summary>
    public bool[] Guarded { get; }

    /// <summary>The snapshot's per-job predecessor counts (a job with one predecessor needs no counter).</summary>
    public int[] DependencyCounts { get; }

    public WorkStealingDeque[] Deques { get; }

    public int[] Seeds { get; }

    public int[] SuccessorStarts { get; }

    public int[] SuccessorOrder { get; }

    public int[] LevelStarts { get; }

    public int[] JobsByLevel { get; }

    public int[] LevelCursors { get; }

    public int[] LevelCompleted { get; }

    public int[] PredecessorStarts { get; }

    public int[] Predecessors { get; }

    /// <summary>For verification: the block number in which each job last ran.</summary>
    public long[] DoneInBlock { get; }

    /// <summary>True when the snapshot cannot gain from a second thread (see the constructor): it always runs serially.</summary>
    public bool SerialOnly { get; }

    /// <summary>The measured choice between parallel and serial blocks (a mutable struct: use by reference).</summary>
    public AdaptiveChoice Adaptive;

    /// <summary>Higher critical-path rank first, then lower job index.</summary>
    private readonly struct HighestRankFirst(double[] ranks) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int byRank = ranks[b].CompareTo(ranks[a]);
            return byRank != 0 ? byRank : a.CompareTo(b);
        }
    }

    /// <summary>Lower critical-path rank first, then higher job index.</summary>
    private readonly struct LowestRankFirst(double[] ranks) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int byRank = ranks[a].CompareTo(ranks[b]);
            return byRank != 0 ? byRank : b.CompareTo(a);
        }
    }

    /// <summary>Lower level first, then higher rank, then lower job index.</summary>
    private readonly struct ByLevelThenHighestRank(int[] levels, double[] ranks) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int byLevel = levels[a].CompareTo(levels[b]);
            if (byLevel != 0)
            {
                return byLevel;
            }

            int byRank = ranks[b].CompareTo(ranks[a]);
            return byRank != 0 ? byRank : a.CompareTo(b);
        }
    }
}
