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

        // Sources: the policy's order of claiming. Highest rank first for critical-path-first, else index order.
        int[] sources = [.. Enumerable.Range(0, jobs).Where(j => snapshot.DependencyCounts[j] == 0)];
        Seeds = byRank ? [.. sources.OrderByDescending(j => ranks[j]).ThenBy(j => j)] : sources;

        // Successors in ascending priority: the last one to become ready while scanning is kept as the
        // continuation and the others go to the deque in ascending order, so the owner pops the best next.
        SuccessorStarts = snapshot.SuccessorStarts;
        SuccessorOrder = new int[snapshot.Successors.Length];
        for (int j = 0; j < jobs; j++)
        {
            int start = SuccessorStarts[j];
            int count = SuccessorStarts[j + 1] - start;
            IEnumerable<int> successors = new ArraySegment<int>(snapshot.Successors, start, count);
            successors = byRank ? successors.OrderBy(s => ranks[s]).ThenByDescending(s => s) : successors;
            int k = start;
            foreach (int s in successors)
            {
                SuccessorOrder[k++] = s;
            }
        }

        int levels = jobs == 0 ? 0 : snapshot.Levels.Max() + 1;
        LevelStarts = new int[levels + 1];
        JobsByLevel = [.. Enumerable.Range(0, jobs).OrderBy(j => snapshot.Levels[j]).ThenByDescending(j => ranks[j])];
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

        var predecessorLists = new List<int>[jobs];
        for (int j = 0; j < jobs; j++)
        {
            predecessorLists[j] = [];
        }

        for (int j = 0; j < jobs; j++)
        {
            for (int k = SuccessorStarts[j]; k < SuccessorStarts[j + 1]; k++)
            {
                predecessorLists[snapshot.Successors[k]].Add(j);
            }
        }

        PredecessorStarts = new int[jobs + 1];
        for (int j = 0; j < jobs; j++)
        {
            PredecessorStarts[j + 1] = PredecessorStarts[j] + predecessorLists[j].Count;
        }

        Predecessors = [.. predecessorLists.SelectMany(p => p)];
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
}
