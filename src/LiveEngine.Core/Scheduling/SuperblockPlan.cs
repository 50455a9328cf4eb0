using LiveEngine.Buffers;
using LiveEngine.Snapshots;

namespace LiveEngine.Scheduling;

/// <summary>
/// How a <see cref="ParallelExecutor"/> renders a run of consecutive blocks of one snapshot (an offline render, with
/// nothing changed between the blocks) with one synchronisation per run instead of one per block: a superblock. Each
/// job belongs to one worker for the whole run; each worker renders its jobs block after block, in topological order,
/// in a copy of the snapshot's buffers of its own, and waits only where a job reads a value that a job of another
/// worker makes, which that worker publishes in a ring of one slot per block of the run. Every node still processes
/// its blocks in order with the same inputs, so the bits are those of one thread. Built by
/// <see cref="ParallelExecutor.PrepareBlockRuns"/> off the audio path; read-only once built, but for
/// <see cref="BlocksDone"/> (worker 0).
/// </summary>
/// <remarks>
/// Why a copy of the buffers per worker: the compiler reuses a buffer for a later job once every job that used it is
/// an ancestor of that job, which holds within a block but not across blocks: a worker one block ahead would overwrite
/// a buffer that a job of the other worker still reads. In its own copy, a worker's jobs meet only each other's
/// values, in the serial order's sequence, where every reuse is safe. A value read across workers is copied into the
/// ring by its maker after it runs and into the reader's copy, at the same offset, before the reader runs: in the
/// serial order nothing else lives at that offset between the two.
/// </remarks>
internal sealed unsafe class SuperblockPlan
{
    /// <summary>Longs between two published progress counters: 128 bytes, a line and its adjacent-line prefetch.</summary>
    public const int ProducedStride = 16;

    /// <summary>The most a worker's share may exceed an even split of the estimated cost before runs are refused: the other workers would wait.</summary>
    public const double MaxShareOverEven = 1.5;

    /// <summary>The most bytes of rings (all slots of every value that crosses parts): a run is cut shorter where they would be more.</summary>
    public const int RingBudgetBytes = 128 * 1024;

    private readonly AlignedBufferArena _extra;

    private SuperblockPlan(GraphSnapshot snapshot, int workers, int blocksPerRun, AlignedBufferArena extra)
    {
        Snapshot = snapshot;
        Workers = workers;
        BlocksPerRun = blocksPerRun;
        _extra = extra;
        StrideFrames = snapshot.Arena.StrideFrames;
        RegionBases = new nint[workers + 1];
        RegionBases[0] = (nint)snapshot.Arena.BasePointer;
        RegionBases[workers] = RegionBases[0];
        long regionFloats = (long)snapshot.Arena.BufferCount * StrideFrames;
        for (int w = 1; w < workers; w++)
        {
            RegionBases[w] = (nint)(extra.BasePointer + ((w - 1) * regionFloats));
        }

        RingBase = extra.BasePointer + ((workers - 1) * regionFloats);
        RingStride = blocksPerRun * StrideFrames;
    }

    /// <summary>The snapshot it was built for: its buffers' layout and its arena are worker 0's.</summary>
    public GraphSnapshot Snapshot { get; }

    public int Workers { get; }

    /// <summary>The most blocks in one run: the ring's slots per value.</summary>
    public int BlocksPerRun { get; }

    public int StrideFrames { get; }

    /// <summary>Each part's copy of the snapshot's buffers (worker 0's parts share the snapshot's arena), as addresses.</summary>
    public nint[] RegionBases { get; }

    /// <summary>Slot k of ring r is at <c>RingBase + r * RingStride + k * StrideFrames</c>.</summary>
    public float* RingBase { get; }

    public int RingStride { get; }

    /// <summary>
    /// The part of worker 0 that it renders after its first part for every block of the run: the jobs that read, directly
    /// or not, a value of another worker (the end of a mix tree). Worker 0 renders its own sources for the whole run
    /// first, so it never waits for the others block by block, only once their values are all due.
    /// </summary>
    public int LatePart => Workers;

    /// <summary>
    /// Part p's jobs, in topological order, are <c>WorkerJobs[WorkerJobStarts[p]..WorkerJobStarts[p + 1]]</c>: part w
    /// (0 … Workers − 1) is worker w's share, part <see cref="LatePart"/> worker 0's second one.
    /// </summary>
    public int[] WorkerJobStarts { get; private set; } = [];

    public int[] WorkerJobs { get; private set; } = [];

    /// <summary>The worker of each job.</summary>
    public int[] Owners { get; private set; } = [];

    /// <summary>The part of each job: its worker's, or <see cref="LatePart"/>.</summary>
    public int[] Parts { get; private set; } = [];

    /// <summary>Job j's inputs made by another worker: <c>[CrossInStarts[j]..CrossInStarts[j + 1]]</c> of the three arrays below.</summary>
    public int[] CrossInStarts { get; private set; } = [];

    /// <summary>Where the value goes in the reader's buffers (floats from its region's base).</summary>
    public int[] CrossInOffsets { get; private set; } = [];

    public int[] CrossInRings { get; private set; } = [];

    /// <summary>The maker's progress counter, as an index into <see cref="Produced"/>.</summary>
    public int[] CrossInCounters { get; private set; } = [];

    /// <summary>Job j's outputs that another worker reads: <c>[CopyOutStarts[j]..CopyOutStarts[j + 1]]</c> of the two arrays below.</summary>
    public int[] CopyOutStarts { get; private set; } = [];

    public int[] CopyOutOffsets { get; private set; } = [];

    public int[] CopyOutRings { get; private set; } = [];

    /// <summary>The graph's output channels that job j makes: <c>[HostOutStarts[j]..HostOutStarts[j + 1]]</c> of the two arrays below.</summary>
    public int[] HostOutStarts { get; private set; } = [];

    public int[] HostOutOffsets { get; private set; } = [];

    public int[] HostOutChannels { get; private set; } = [];

    /// <summary>Output channels that nothing makes (silence): worker 0 clears them.</summary>
    public int[] SilentChannels { get; private set; } = [];

    /// <summary>Per job that another worker reads, the index of its progress counter in <see cref="Produced"/>; else -1.</summary>
    public int[] CounterOfJob { get; private set; } = [];

    /// <summary>
    /// Progress of each job that another worker reads: the blocks it has completed since the plan was built (release
    /// stores by its worker, after the ring slot is written), each on lines of its own.
    /// </summary>
    public long[] Produced { get; private set; } = [];

    /// <summary>The part that makes each cross-part input (same index as <see cref="CrossInOffsets"/>).</summary>
    public int[] CrossInWorkers { get; private set; } = [];

    /// <summary>
    /// Per worker share, whether any worker may render its blocks: it reads no value of another worker's (so it never
    /// waits inside a block). Worker 0 renders the blocks of such a share that its worker has not started in time.
    /// </summary>
    public bool[] Helpable { get; private set; } = [];

    /// <summary>
    /// Per worker (at <c>w * ProducedStride</c>), the last block of its share claimed for rendering, counted as
    /// <see cref="BlocksDone"/> is, plus one: by its worker, or by worker 0 taking it over (compare-and-swap).
    /// </summary>
    public long[] Claims { get; private set; } = [];

    /// <summary>Per worker (at <c>w * ProducedStride</c>), the blocks of its share rendered, counted as <see cref="BlocksDone"/> is (release stores).</summary>
    public long[] ShareDone { get; private set; } = [];

    /// <summary>Blocks rendered in runs since the plan was built: the base the counters count from. Worker 0.</summary>
    public long BlocksDone { get; set; }

    /// <summary>Estimated cost per frame of each worker's share (for tests and the docs).</summary>
    public double[] WorkerCosts { get; private set; } = [];

    /// <summary>Values that cross from one worker to another each block.</summary>
    public int Rings { get; private set; }

    /// <summary>
    /// The plan for <paramref name="snapshot"/> on <paramref name="workers"/> workers, the sources dealt as
    /// <paramref name="seeds"/>/<paramref name="seedWorkers"/> say; null where runs are not safe or would not pay: a
    /// feedback edge (a node's write job at one block feeds its read job at the next), a live or untrusted node, a job
    /// that reads a buffer no earlier job wrote in the block, or a share of the work far from even.
    /// </summary>
    public static SuperblockPlan? TryCreate(GraphSnapshot snapshot, int workers, int blocksPerRun, int[] seeds, int[] seedWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocksPerRun, 1);
        int jobs = snapshot.Jobs.Length;
        if (workers < 2 || jobs < 2 || !snapshot.IsDeferrable)
        {
            return null;
        }

        foreach (JobInfo job in snapshot.Jobs)
        {
            if (job.Kind == JobKind.FeedbackWrite || (job.Kind != JobKind.Mix && snapshot.NodeUntrusted[job.NodeIndex]))
            {
                return null;
            }
        }

        // Owners: sources as dealt (their state stays in one core's cache), every other job with the worker that makes
        // most of its inputs (ties: the lower worker), so that a mix tree adds on the worker whose banks it sums.
        int[] owners = new int[jobs];
        Array.Fill(owners, -1);
        for (int k = 0; k < seeds.Length; k++)
        {
            owners[seeds[k]] = seedWorkers[k];
        }

        var predecessorsOf = new List<int>[jobs];
        for (int j = 0; j < jobs; j++)
        {
            for (int k = snapshot.SuccessorStarts[j]; k < snapshot.SuccessorStarts[j + 1]; k++)
            {
                (predecessorsOf[snapshot.Successors[k]] ??= []).Add(j);
            }
        }

        int[] votes = new int[workers];
        foreach (int j in snapshot.TopologicalOrder)
        {
            if (owners[j] >= 0)
            {
                continue;
            }

            Array.Clear(votes);
            foreach (int p in predecessorsOf[j] ?? [])
            {
                votes[owners[p]]++;
            }

            int best = 0;
            for (int w = 1; w < workers; w++)
            {
                best = votes[w] > votes[best] ? w : best;
            }

            owners[j] = best;
        }

        double[] costs = new double[workers];
        double total = 0;
        for (int j = 0; j < jobs; j++)
        {
            costs[owners[j]] += snapshot.Jobs[j].CostNsPerFrame;
            total += snapshot.Jobs[j].CostNsPerFrame;
        }

        if (total <= 0 || costs.Max() > total / workers * MaxShareOverEven)
        {
            return null;
        }

        // Worker 0's jobs that read another worker's value, or read such a job's value, form its late part.
        int[] parts = (int[])owners.Clone();
        foreach (int j in snapshot.TopologicalOrder)
        {
            if (owners[j] != 0)
            {
                continue;
            }

            foreach (int p in predecessorsOf[j] ?? [])
            {
                if (owners[p] != 0 || parts[p] == workers)
                {
                    parts[j] = workers;
                }
            }
        }

        // Which job made the value each input reads: the last to write its buffer before it, in the serial order.
        int stride = snapshot.Arena.StrideFrames;
        int[] lastWriter = new int[snapshot.Arena.BufferCount];
        Array.Fill(lastWriter, -1);
        int[] channelOffsets = snapshot.ChannelOffsets;
        var rings = new Dictionary<(int Job, int Offset), int>();
        var crossIn = new List<(int Offset, int Ring, int Maker)>[jobs];
        var copyOut = new List<(int Offset, int Ring)>[jobs];
        foreach (int j in snapshot.TopologicalOrder)
        {
            JobInfo job = snapshot.Jobs[j];
            for (int i = 0; i < job.InputCount; i++)
            {
                int offset = channelOffsets[job.InputStart + i];
                if (offset == 0)
                {
                    continue;
                }

                int maker = lastWriter[offset / stride];
                if (maker < 0)
                {
                    return null;
                }

                if (parts[maker] == parts[j])
                {
                    continue;
                }

                if (!rings.TryGetValue((maker, offset), out int ring))
                {
                    ring = rings.Count;
                    rings.Add((maker, offset), ring);
                    (copyOut[maker] ??= []).Add((offset, ring));
                }

                List<(int Offset, int Ring, int Maker)> reads = crossIn[j] ??= [];
                if (!reads.Exists(r => r.Ring == ring))
                {
                    reads.Add((offset, ring, maker));
                }
            }

            for (int o = 0; o < job.OutputCount; o++)
            {
                int offset = channelOffsets[job.OutputStart + o];
                if (offset == 0)
                {
                    return null;
                }

                lastWriter[offset / stride] = j;
            }
        }

        var hostOut = new List<(int Offset, int Channel)>[jobs];
        var silent = new List<int>();
        for (int c = 0; c < snapshot.OutputOffsets.Length; c++)
        {
            int offset = snapshot.OutputOffsets[c];
            if (offset == 0)
            {
                silent.Add(c);
                continue;
            }

            int maker = lastWriter[offset / stride];
            if (maker < 0)
            {
                return null;
            }

            (hostOut[maker] ??= []).Add((offset, c));
        }

        // Fewer blocks per run where many values cross, so that the rings stay a small part of a core's L2 cache.
        blocksPerRun = Math.Clamp(RingBudgetBytes / Math.Max(1, rings.Count * stride * sizeof(float)), 1, blocksPerRun);
        long regionFloats = (long)snapshot.Arena.BufferCount * stride;
        long extraBuffers = ((workers - 1) * (long)snapshot.Arena.BufferCount) + ((long)rings.Count * blocksPerRun) + 1;
        if (extraBuffers * stride > Array.MaxLength / 2 || regionFloats > int.MaxValue)
        {
            return null;
        }

        var plan = new SuperblockPlan(snapshot, workers, blocksPerRun, new AlignedBufferArena((int)extraBuffers, snapshot.MaxBlockFrames))
        {
            Owners = owners,
            Parts = parts,
            WorkerCosts = costs,
            Rings = rings.Count,
        };
        plan.Fill(snapshot, crossIn, copyOut, hostOut, silent);
        return plan;
    }

    private void Fill(GraphSnapshot snapshot, List<(int Offset, int Ring, int Maker)>[] crossIn, List<(int Offset, int Ring)>[] copyOut, List<(int Offset, int Channel)>[] hostOut, List<int> silent)
    {
        int jobs = snapshot.Jobs.Length;
        WorkerJobStarts = new int[Workers + 2];
        foreach (int part in Parts)
        {
            WorkerJobStarts[part + 1]++;
        }

        for (int p = 0; p <= Workers; p++)
        {
            WorkerJobStarts[p + 1] += WorkerJobStarts[p];
        }

        WorkerJobs = new int[jobs];
        int[] fill = (int[])WorkerJobStarts.Clone();
        foreach (int j in snapshot.TopologicalOrder)
        {
            WorkerJobs[fill[Parts[j]]++] = j;
        }

        CounterOfJob = new int[jobs];
        Array.Fill(CounterOfJob, -1);
        int counters = 0;
        for (int j = 0; j < jobs; j++)
        {
            if (copyOut[j] is not null)
            {
                CounterOfJob[j] = counters++ * ProducedStride;
            }
        }

        Produced = GC.AllocateArray<long>((counters + 1) * ProducedStride, pinned: true);

        (CrossInStarts, List<(int Offset, int Ring, int Maker)> allIn) = Flatten(crossIn);
        CrossInOffsets = [.. allIn.Select(r => r.Offset)];
        CrossInRings = [.. allIn.Select(r => r.Ring)];
        CrossInCounters = [.. allIn.Select(r => CounterOfJob[r.Maker])];
        CrossInWorkers = [.. allIn.Select(r => Parts[r.Maker])];
        Helpable = new bool[Workers + 1];
        for (int w = 1; w < Workers; w++)
        {
            Helpable[w] = true;
            for (int i = WorkerJobStarts[w]; i < WorkerJobStarts[w + 1]; i++)
            {
                int job = WorkerJobs[i];
                Helpable[w] &= CrossInStarts[job] == CrossInStarts[job + 1];
            }
        }

        Claims = GC.AllocateArray<long>((Workers + 1) * ProducedStride, pinned: true);
        ShareDone = GC.AllocateArray<long>((Workers + 1) * ProducedStride, pinned: true);
        (CopyOutStarts, List<(int Offset, int Ring)> allOut) = Flatten(copyOut);
        CopyOutOffsets = [.. allOut.Select(r => r.Offset)];
        CopyOutRings = [.. allOut.Select(r => r.Ring)];
        (HostOutStarts, List<(int Offset, int Channel)> allHost) = Flatten(hostOut);
        HostOutOffsets = [.. allHost.Select(r => r.Offset)];
        HostOutChannels = [.. allHost.Select(r => r.Channel)];
        SilentChannels = [.. silent];
    }

    /// <summary>Per-job lists as CSR: starts (jobs + 1) and the entries in job order.</summary>
    private static (int[] Starts, List<T> All) Flatten<T>(List<T>?[] perJob)
    {
        int[] starts = new int[perJob.Length + 1];
        var all = new List<T>();
        for (int j = 0; j < perJob.Length; j++)
        {
            if (perJob[j] is { } entries)
            {
                all.AddRange(entries);
            }

            starts[j + 1] = all.Count;
        }

        return (starts, all);
    }

    /// <summary>The worker that renders part <paramref name="part"/>.</summary>
    public int WorkerOfPart(int part) => part == LatePart ? 0 : part;

    /// <summary>Slot <paramref name="block"/> of ring <paramref name="ring"/>.</summary>
    public float* Slot(int ring, int block) => RingBase + ((long)ring * RingStride) + ((long)block * StrideFrames);

    /// <summary>Keeps the workers' buffers and the rings alive as long as the plan.</summary>
    public AlignedBufferArena Extra => _extra;
}
