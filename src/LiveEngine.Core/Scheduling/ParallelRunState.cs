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
    /// <summary>
    /// Builds the run state of <paramref name="snapshot"/>, in the arrays of <paramref name="recycled"/> (a state whose
    /// snapshots have all been retired) where they have the right lengths: a commit of the 1,200-node 'session'
    /// otherwise made ~64 KB per snapshot here.
    /// </summary>
    public ParallelRunState(ParallelExecutor owner, GraphSnapshot snapshot, int workers, SchedulingPolicy policy, ParallelRunState? recycled = null)
    {
        Owner = owner;
        Jobs = snapshot.Jobs;
        Users = 1;
        int jobs = snapshot.Jobs.Length;
        // An arrival counter, on a cache line of its own, for each job with more than one input job.
        ArrivalSlots = Reuse(recycled?.ArrivalSlots, jobs);
        int slots = 0;
        for (int j = 0; j < jobs; j++)
        {
            ArrivalSlots[j] = snapshot.DependencyCounts[j] > 1 ? slots++ * ArrivalStride : -1;
        }

        Arrivals = Reuse(recycled?.Arrivals, slots * ArrivalStride);
        Guarded = Reuse(recycled?.Guarded, jobs);
        for (int j = 0; j < jobs; j++)
        {
            JobInfo job = snapshot.Jobs[j];
            Guarded[j] = job.Kind != JobKind.Mix && (snapshot.NodeTypes[job.NodeIndex].Flags & Nodes.NodeTypeFlags.Untrusted) != 0;
        }

        DependencyCounts = snapshot.DependencyCounts;
        // A deque is empty between blocks: one of the same capacity serves again.
        Deques = recycled?.Deques is { } deques && deques.Length == workers && deques[0].Capacity == (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, jobs))
            ? deques
            : new WorkStealingDeque[workers];
        for (int w = 0; w < workers; w++)
        {
            Deques[w] ??= new WorkStealingDeque(Math.Max(1, jobs));
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

        Seeds = Reuse(recycled?.Seeds, sourceCount);
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

        SeedWorkers = Reuse(recycled?.SeedWorkers, sourceCount);
        DealSeeds(snapshot, workers, Seeds, SeedWorkers);

        // Each worker's seeds, in the policy's order: the worker pushes its own as it enters a block.
        SeedStarts = Reuse(recycled?.SeedStarts, workers + 1);
        foreach (int w in SeedWorkers)
        {
            SeedStarts[w + 1]++;
        }

        for (int w = 0; w < workers; w++)
        {
            SeedStarts[w + 1] += SeedStarts[w];
        }

        SeedsByWorker = Reuse(recycled?.SeedsByWorker, sourceCount);
        int[] fill = ArrayPool<int>.Shared.Rent(workers);
        Array.Copy(SeedStarts, fill, workers);
        for (int k = 0; k < sourceCount; k++)
        {
            SeedsByWorker[fill[SeedWorkers[k]]++] = Seeds[k];
        }

        ArrayPool<int>.Shared.Return(fill);

        // Successors in ascending priority: the last one to become ready while scanning is kept as the
        // continuation and the others go to the deque in ascending order, so the owner pops the best next.
        SuccessorStarts = snapshot.SuccessorStarts;
        SuccessorOrder = Reuse(recycled?.SuccessorOrder, snapshot.Successors.Length);
        snapshot.Successors.CopyTo(SuccessorOrder, 0);
        if (byRank)
        {
            for (int j = 0; j < jobs; j++)
            {
                SuccessorOrder.AsSpan(SuccessorStarts[j], SuccessorStarts[j + 1] - SuccessorStarts[j]).Sort(new LowestRankFirst(ranks));
            }
        }

        int levels = jobs == 0 ? 0 : snapshot.Levels.Max() + 1;
        LevelStarts = Reuse(recycled?.LevelStarts, levels + 1);
        foreach (int level in snapshot.Levels)
        {
            LevelStarts[level + 1]++;
        }

        for (int l = 0; l < levels; l++)
        {
            LevelStarts[l + 1] += LevelStarts[l];
        }

        // The jobs by level and the level counters serve the wavefront policy alone: for the others (the engine's
        // critical-path-first) they stay empty. Sorting every job by level and rank was the largest part of building
        // the state for 'session' (~1,400 jobs) at each commit.
        if (policy == SchedulingPolicy.Wavefront)
        {
            JobsByLevel = Reuse(recycled?.JobsByLevel, jobs);
            BucketByLevelThenHighestRank(snapshot.Levels, ranks, LevelStarts, JobsByLevel);
            LevelCursors = Reuse(recycled?.LevelCursors, levels * CounterStride);
            LevelCompleted = Reuse(recycled?.LevelCompleted, levels * CounterStride);
        }
        else
        {
            JobsByLevel = [];
            LevelCursors = [];
            LevelCompleted = [];
        }

        // Predecessors (CSR), each job's in ascending order: counted, summed, then filled by ascending predecessor.
        PredecessorStarts = Reuse(recycled?.PredecessorStarts, jobs + 1);
        for (int k = 0; k < snapshot.Successors.Length; k++)
        {
            PredecessorStarts[snapshot.Successors[k] + 1]++;
        }

        for (int j = 0; j < jobs; j++)
        {
            PredecessorStarts[j + 1] += PredecessorStarts[j];
        }

        Predecessors = Reuse(recycled?.Predecessors, PredecessorStarts[jobs]);
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
        DoneInBlock = Reuse(recycled?.DoneInBlock, jobs);

        // The most a second thread could save per block is the work off the critical path. Where no two jobs can
        // run at once (one job per level: nothing, or a chain) or that work is below what waking a worker costs,
        // measuring both modes would only wake the workers for nothing: such a snapshot always runs serially.
        int widest = 0;
        for (int l = 0; l < levels; l++)
        {
            widest = Math.Max(widest, LevelStarts[l + 1] - LevelStarts[l]);
        }

        double totalNsPerFrame = 0;
        foreach (JobInfo job in snapshot.Jobs)
        {
            totalNsPerFrame += job.CostNsPerFrame;
        }

        double criticalNsPerFrame = jobs == 0 ? 0 : ranks.Max();
        NothingRunsInParallel = widest <= 1;
        SerialOnly = NothingRunsInParallel || (totalNsPerFrame - criticalNsPerFrame) * snapshot.MaxBlockFrames < ParallelWorthNs;
    }

    /// <summary>
    /// Work off the critical path, per block, below which a snapshot never runs in parallel: about what waking a
    /// parked worker and handing it a job costs (futex wake, cache misses on the shared counters).
    /// </summary>
    public const double ParallelWorthNs = 5_000;

    /// <summary>Ints between counters of different levels: 16 ints = one cache line, so levels do not share lines.</summary>
    public const int CounterStride = 16;

    public ParallelExecutor Owner { get; }

    /// <summary>The jobs it was built for: a snapshot with the same array (an edit of parameters only) shares it.</summary>
    public JobInfo[] Jobs { get; }

    /// <summary>Snapshots prepared with this state and not yet retired (the owner's lock).</summary>
    public int Users { get; set; }

    /// <summary>
    /// Per job with more than one input job, how many of its inputs have finished since the state was built, at
    /// <c>Arrivals[ArrivalSlots[job]]</c>: it is ready in the state's n-th parallel block when the count reaches
    /// n × its input count. Counted on, never reset: a reset by worker 0 at every block moved every counter's line
    /// to worker 0's core, and counters packed side by side shared lines, so each arrival from another core waited
    /// for a cache line (about 0.5 µs per job on the 2-vCPU VM: 15 of 40 µs of a voices-1024 block on 2 threads).
    /// </summary>
    public long[] Arrivals { get; }

    /// <summary>Each job's index into <see cref="Arrivals"/>, or -1 for a job with at most one input job.</summary>
    public int[] ArrivalSlots { get; }

    /// <summary>Longs between two arrival counters: 128 bytes, so that no two share a line or an adjacent-line prefetch.</summary>
    public const int ArrivalStride = 16;

    /// <summary>Parallel blocks opened with this state (worker 0, before it opens each): the arrival counters' round.</summary>
    public long BlocksRun { get; set; }

    /// <summary>Jobs of untrusted node types, which the watchdog may take over.</summary>
    public bool[] Guarded { get; }

    /// <summary>The snapshot's per-job predecessor counts (a job with one predecessor needs no counter).</summary>
    public int[] DependencyCounts { get; }

    public WorkStealingDeque[] Deques { get; }

    public int[] Seeds { get; }

    /// <summary>
    /// The worker whose deque each seed (<see cref="Seeds"/>, same index) is dealt to before a block opens: the same
    /// every block, so a job that stays with its worker finds its state in that core's cache (see <see cref="DealSeeds"/>).
    /// </summary>
    public int[] SeedWorkers { get; }

    /// <summary>The seeds grouped by worker (worker w's at <c>SeedStarts[w]</c> … <c>SeedStarts[w + 1]</c>), each group in the policy's order.</summary>
    public int[] SeedsByWorker { get; }

    public int[] SeedStarts { get; }

    public int[] SuccessorStarts { get; }

    public int[] SuccessorOrder { get; }

    public int[] LevelStarts { get; }

    /// <summary>Every job, by level, then higher rank, then lower index: for <see cref="SchedulingPolicy.Wavefront"/> only, else empty.</summary>
    public int[] JobsByLevel { get; }

    /// <summary>Per level (<see cref="CounterStride"/> apart), jobs claimed in the block: wavefront only, else empty.</summary>
    public int[] LevelCursors { get; }

    /// <summary>Per level (<see cref="CounterStride"/> apart), jobs finished in the block: wavefront only, else empty.</summary>
    public int[] LevelCompleted { get; }

    public int[] PredecessorStarts { get; }

    public int[] Predecessors { get; }

    /// <summary>For verification: the block number in which each job last ran.</summary>
    public long[] DoneInBlock { get; }

    /// <summary>True when the snapshot cannot gain from a second thread (see the constructor): it always runs serially.</summary>
    public bool SerialOnly { get; }

    /// <summary>
    /// True when no two jobs can ever run at once (no jobs, one job, a chain): a parallel block would only wake the
    /// workers. Such a snapshot runs on worker 0 even where the serial/parallel choice is not measured
    /// (<see cref="ParallelExecutorOptions.AdaptiveSerial"/> off), unless execution is verified.
    /// </summary>
    public bool NothingRunsInParallel { get; }

    /// <summary>How <see cref="ParallelExecutor.ProcessBlocks"/> renders superblocks of the snapshot; null where it renders block by block.</summary>
    public SuperblockPlan? Runs { get; set; }

    /// <summary>The measured choice between parallel and serial blocks (a mutable struct: use by reference).</summary>
    public AdaptiveChoice Adaptive;

    /// <summary>Most sources in one run of the deal: neighbouring small nodes share cache lines (see <see cref="DealSeeds"/>).</summary>
    public const int DealRun = 16;

    /// <summary>
    /// Deals the sources to the workers in runs of consecutive job indices, round-robin: a run ends after
    /// <see cref="DealRun"/> sources or once its estimated cost reaches 1/<paramref name="workers"/> of all the
    /// sources' cost. Small sources (single nodes created one after another, whose objects share cache lines) stay
    /// together in runs of 16, as before; large ones (voice banks: tens of kilobytes of state each) are split into
    /// one contiguous run per worker, balanced by cost, so that each worker starts every block with its own share
    /// and the same banks, whose state stays in its core's cache, and whose partial sums (the mix tree over
    /// neighbouring banks) it mostly adds itself. Dealing 16 banks in one run put them all in worker 0's deque: the
    /// other worker stole every job, and which banks each core ran changed from block to block. Where jobs run
    /// never changes the bits; only stealing at the end of a block evens out what the estimate missed.
    /// </summary>
    private static void DealSeeds(GraphSnapshot snapshot, int workers, int[] seeds, int[] seedWorkers)
    {
        int jobs = snapshot.Jobs.Length;
        double total = 0;
        for (int j = 0; j < jobs; j++)
        {
            if (snapshot.DependencyCounts[j] == 0)
            {
                total += SeedCost(snapshot.Jobs[j]);
            }
        }

        // The run limit by cost, a little under 1/workers of the whole so that rounding never makes one run too many.
        double runLimit = total / workers * (1 - 1e-9);
        int[] workerOfJob = ArrayPool<int>.Shared.Rent(Math.Max(1, jobs));
        int worker = 0;
        int runCount = 0;
        double runCost = 0;
        for (int j = 0; j < jobs; j++)
        {
            if (snapshot.DependencyCounts[j] != 0)
            {
                continue;
            }

            workerOfJob[j] = worker;
            runCount++;
            runCost += SeedCost(snapshot.Jobs[j]);
            if (runCount >= DealRun || runCost >= runLimit)
            {
                worker = (worker + 1) % workers;
                runCount = 0;
                runCost = 0;
            }
        }

        for (int k = 0; k < seeds.Length; k++)
        {
            seedWorkers[k] = workerOfJob[seeds[k]];
        }

        ArrayPool<int>.Shared.Return(workerOfJob);
    }

    /// <summary>A source's estimated cost per frame for the deal; never zero, so that free nodes still count.</summary>
    private static double SeedCost(JobInfo job) => Math.Max(job.CostNsPerFrame, 1e-3);

    /// <summary><paramref name="old"/> cleared if it has <paramref name="length"/> elements, else a new array.</summary>
    private static T[] Reuse<T>(T[]? old, int length)
    {
        if (old is null || old.Length != length)
        {
            return new T[length];
        }

        Array.Clear(old);
        return old;
    }

    /// <summary>
    /// Fills <paramref name="jobsByLevel"/> with every job, by lower level first, then higher rank, then lower index: a
    /// counting sort by level (<paramref name="levelStarts"/>, already summed), then each level by rank.
    /// </summary>
    private static void BucketByLevelThenHighestRank(int[] levels, double[] ranks, int[] levelStarts, int[] jobsByLevel)
    {
        int levelCount = levelStarts.Length - 1;
        int[] fill = ArrayPool<int>.Shared.Rent(Math.Max(1, levelCount));
        Array.Copy(levelStarts, fill, levelCount);
        for (int j = 0; j < levels.Length; j++)
        {
            jobsByLevel[fill[levels[j]]++] = j;
        }

        ArrayPool<int>.Shared.Return(fill);
        for (int l = 0; l < levelCount; l++)
        {
            jobsByLevel.AsSpan(levelStarts[l], levelStarts[l + 1] - levelStarts[l]).Sort(new HighestRankFirst(ranks));
        }
    }

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
}
