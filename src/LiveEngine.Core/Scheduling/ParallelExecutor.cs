using System.Diagnostics;
using System.Runtime.CompilerServices;
using LiveEngine.Execution;
using LiveEngine.Snapshots;

namespace LiveEngine.Scheduling;

/// <summary>Tuning of a <see cref="ParallelExecutor"/>.</summary>
public sealed record ParallelExecutorOptions
{
    /// <summary>Workers including the calling thread (worker 0).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    public SchedulingPolicy Policy { get; init; } = SchedulingPolicy.CriticalPathFirst;

    /// <summary>How long an idle worker spins for the next block before it parks (futex).</summary>
    public TimeSpan SpinBeforePark { get; init; } = TimeSpan.FromMicroseconds(200);

    /// <summary>Check in every block that each job ran exactly once, after all its predecessors (tests, debugging).</summary>
    public bool VerifyExecution { get; init; }

    /// <summary>
    /// How long worker 0 waits without any job finishing before it declares a job of an untrusted node type
    /// (<see cref="Nodes.NodeTypeFlags.Untrusted"/>) running on another worker stuck: that job's node is silenced
    /// and faulted, the block completes without it, and the stall is counted.
    /// If the call returns after all (a slow or preempted node, not an endless loop), the node plays again.
    /// </summary>
    public TimeSpan WatchdogTimeout { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Let measurements decide, per snapshot, whether its blocks run in parallel or on worker 0 alone: the
    /// executor times blocks both ways now and then and keeps the faster (both give the same bits). Off when
    /// verifying, so that tests always exercise the scheduler.
    /// </summary>
    public bool AdaptiveSerial { get; init; } = true;

    /// <summary>Records timelines and per-job costs when set; its worker count must equal <see cref="Threads"/>.</summary>
    public ExecutionProfiler? Profiler { get; init; }

    /// <summary>
    /// CPUs to pin the dedicated workers to: worker w (1 … Threads − 1) runs only on <c>CpuPerWorker[w % Count]</c>
    /// (entry 0 is for the calling thread, which the host pins itself: it is the host's audio thread). Null leaves
    /// placement to the OS. A refused pin is reported in <see cref="ParallelExecutor.Placement"/> and the worker
    /// runs unpinned.
    /// </summary>
    public IReadOnlyList<int>? CpuPerWorker { get; init; }

    /// <summary>
    /// Called on each dedicated worker thread (1 … Threads − 1) as it starts, before its first block: a host gives it
    /// real-time scheduling here, as its audio thread has. What it throws is ignored (the worker runs regardless).
    /// </summary>
    public Action<int>? WorkerStarted { get; init; }

    /// <summary>
    /// The most blocks per superblock in <see cref="ParallelExecutor.ProcessBlocks"/> (an offline render, the snapshot
    /// prepared with <see cref="ParallelExecutor.PrepareBlockRuns"/>): each worker renders its own jobs for up to this many
    /// blocks between two synchronisations (see <see cref="SuperblockPlan"/>; fewer where many values cross workers, or
    /// where a window of the measured choice ends). 0 renders every block on its own, as <see cref="ParallelExecutor.Process"/>
    /// does. The bits are the same either way.
    /// </summary>
    public int SuperblockBlocks { get; init; } = 64;
}

/// <summary>
/// Runs a snapshot's jobs on a fixed pool of workers within each block: the calling (audio) thread is worker 0,
/// the others are dedicated threads. Per-worker Chase–Lev deques, dependency counters reset per block, the
/// policy's priorities, bounded spinning then futex parking between blocks. On the audio path: allocates
/// nothing, takes no lock, never throws.
/// </summary>
/// <remarks>
/// Design (after supernova's dsp_thread_queue and Tracktion's graph player): a finished job decrements its
/// successors' counters (Interlocked, a full fence, so its outputs are visible to whichever worker runs the
/// successor); the worker keeps the best successor that became ready and pushes the rest; idle workers claim
/// sources from a shared rank-ordered list, then steal. A block is open while the epoch is odd. Worker 0 opens
/// it, works, waits for the last job, closes it, then waits until no worker is inside, so the next block's
/// reset never races a late thief.
/// </remarks>
public sealed unsafe class ParallelExecutor : IGraphExecutor, IDisposable
{
    private const int EpochIndex = 16;
    private const long Idle = -1;
    private const long Abandoned = -2;

    private readonly ParallelExecutorOptions _options;
    private readonly ExecutionProfiler? _profiler;

    // Prepare and Release (control side): the last state built, and retired states whose arrays serve again.
    private const int MaxRecycled = 4;
    private readonly Lock _prepareGate = new();
    private readonly List<ParallelRunState> _recycled = [];
    private ParallelRunState? _lastPrepared;
    private readonly Thread[] _threads;
    private readonly long _spinTicks;

    // The epoch word sits alone in pinned memory because futexes wait on its address.
    private readonly int[] _control = GC.AllocateArray<int>(48, pinned: true);
    private readonly int* _epoch;

    // Hot shared counters, each on its own cache line. Jobs completed are counted per worker (each written only
    // by its owner, no atomic), so finishing a job touches no line that other workers write.
    private readonly PaddedIndex[] _completed;

    // Jobs completed by all workers together once the open block is done: the counts above are never reset (a reset
    // by worker 0 would move every worker's line to its core each block).
    private long _completedTarget;

    // Per worker: the last block whose seeds someone has pushed (the worker itself as it enters, or an idle worker
    // that found them unclaimed), each on its own line.
    private readonly PaddedIndex[] _seedClaims;
    private PaddedIndex _active;
    private PaddedIndex _parked;

    // The current block: written by worker 0 before it opens the block, read by workers after they see it open.
    private GraphSnapshot? _snapshot;
    private ParallelRunState? _state;
    private int _frames;
    private long _sampleTime;
    private long _block;
    private long _arrivalRound;

    // The block's timeline (the snapshot's, while the renderer has one) and its number there: written by worker 0
    // before it opens the block, read by every worker that runs a job of it.
    private JobTimeline? _timeline;
    private long _timelineBlock;
    private volatile bool _stopping;
    private long _violations;
    private readonly PaddedIndex[] _workerAllocatedBytes;

    // Stopwatch ticks each worker spent inside blocks (running, stealing, waiting for inputs), written by that
    // worker only: its load, for the REPL's :stats.
    private readonly PaddedIndex[] _workerBusyTicks;
    private readonly string?[] _placement;

    // Blocks the calling thread ran alone and blocks run by the workers together: written by the thread that calls
    // Process only (a release store each, so that another thread reads a count it can trust).
    private long _serialBlocks;
    private long _parallelBlocks;

    // The open superblock, if the open block is one (else null): written by worker 0 before it opens it, read by the
    // workers after they see it open, like the fields above.
    private SuperblockPlan? _runPlan;
    private int _runBlocks;

    // The run's first block as the plan counts (SuperblockPlan.BlocksDone when it opened): a worker that enters late
    // reads this, not the plan's count, which worker 0 moves on before it closes the run.
    private long _runBase;
    private float[][]? _runDestination;
    private int _runDestinationOffset;
    private long _runNumber;
    private long _runBlocksTotal;
    private readonly long _takeOverTicks = (long)(TakeOverAfter.TotalSeconds * Stopwatch.Frequency);
    private long _takeOvers;

    // Stopwatch ticks each worker spent in superblocks waiting for another worker: for a value it reads (any worker),
    // or for the others to finish the run (worker 0). Written by that worker only.
    private readonly PaddedIndex[] _workerWaitTicks;

    // Per worker: the job it is running, Idle, or Abandoned once the watchdog has given up on it.
    private readonly PaddedIndex[] _runningJob;
    private readonly long _watchdogTicks;
    private readonly TimeoutException _stallException;
    private long _stalls;

    public ParallelExecutor(ParallelExecutorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Threads, 256);
        if (options.Profiler is { } profiler && profiler.Workers != options.Threads)
        {
            throw new ArgumentException($"The profiler records {profiler.Workers} workers but the executor has {options.Threads}.", nameof(options));
        }

        _options = options;
        _profiler = options.Profiler;
        _spinTicks = (long)(options.SpinBeforePark.TotalSeconds * Stopwatch.Frequency);
        _epoch = (int*)Unsafe.AsPointer(ref _control[EpochIndex]);

        // Bind the futex syscall now (static initialisation and the first P/Invoke allocate), not on the audio path.
        Futex.Wake(_epoch, 1);
        _workerAllocatedBytes = new PaddedIndex[options.Threads];
        _workerBusyTicks = new PaddedIndex[options.Threads];
        _placement = new string?[options.Threads];
        _completed = new PaddedIndex[options.Threads];
        _seedClaims = new PaddedIndex[options.Threads];
        _runningJob = new PaddedIndex[options.Threads];
        _workerWaitTicks = new PaddedIndex[options.Threads];
        for (int w = 0; w < options.Threads; w++)
        {
            _runningJob[w].Value = Idle;
        }

        _watchdogTicks = (long)(options.WatchdogTimeout.TotalSeconds * Stopwatch.Frequency);

        // Preallocated so that the watchdog reports a stall without allocating on the audio thread.
        _stallException = new TimeoutException($"The node ran longer than the watchdog allows ({options.WatchdogTimeout.TotalMilliseconds:0} ms) and was silenced.");
        _threads = new Thread[options.Threads - 1];
        for (int w = 1; w < options.Threads; w++)
        {
            int worker = w;
            _threads[w - 1] = new Thread(() => WorkerMain(worker))
            {
                IsBackground = true,
                Name = $"liveengine worker {worker}",
                Priority = ThreadPriority.Highest,
            };
            _threads[w - 1].Start();
        }
    }

    public int Threads => _options.Threads;

    public SchedulingPolicy Policy => _options.Policy;

    /// <summary>Jobs the watchdog gave up on (each silenced its node); see <see cref="LastStalledJob"/>.</summary>
    public long Stalls => Interlocked.Read(ref _stalls);

    /// <summary>The job index of the most recent stall in its snapshot, or -1.</summary>
    public int LastStalledJob { get; private set; } = -1;

    /// <summary>Blocks in which verification found a job run twice, not at all, or before a predecessor.</summary>
    public long Violations => Interlocked.Read(ref _violations);

    /// <summary>
    /// Bytes allocated so far by worker <paramref name="worker"/>'s thread, as it recorded at the end of its last
    /// block (worker 0 is whichever thread calls <see cref="Process"/>). Tests assert it stays flat.
    /// </summary>
    public long WorkerAllocatedBytes(int worker) => Volatile.Read(ref _workerAllocatedBytes[worker].Value);

    /// <summary>Where each dedicated worker runs, in words, once it has started (see <see cref="ParallelExecutorOptions.CpuPerWorker"/>).</summary>
    public IReadOnlyList<string> Placement => [.. _placement.Skip(1).Where(p => p is not null).Select(p => p!)];

    /// <summary>
    /// Blocks rendered on the calling thread alone since the executor started: a snapshot that nothing can run beside,
    /// one measured faster serially (<see cref="ParallelExecutorOptions.AdaptiveSerial"/>, its probes included), or an
    /// unprepared one. With <see cref="ParallelBlocks"/>, what <c>liveengine render</c> reports after a render.
    /// </summary>
    public long SerialBlocks => Volatile.Read(ref _serialBlocks);

    /// <summary>Blocks the workers rendered together since the executor started.</summary>
    public long ParallelBlocks => Volatile.Read(ref _parallelBlocks);

    /// <summary>Of <see cref="ParallelBlocks"/>, those rendered in superblocks (<see cref="ProcessBlocks"/>), and in how many runs.</summary>
    public (long Blocks, long Runs) SuperblockCounts => (Volatile.Read(ref _runBlocksTotal), Volatile.Read(ref _runNumber));

    /// <summary>Blocks of another worker's share that worker 0 rendered in superblocks because that worker had not started them (<see cref="TakeOverAfter"/>).</summary>
    public long TakeOvers => Interlocked.Read(ref _takeOvers);

    /// <summary>
    /// Stopwatch ticks <paramref name="worker"/> has spent in superblocks waiting for another worker (part of
    /// <see cref="WorkerBusyTicks"/>): for a value that worker makes, or, worker 0, for the others to finish the run.
    /// </summary>
    public long WorkerWaitTicks(int worker) => Volatile.Read(ref _workerWaitTicks[worker].Value);

    /// <summary>Stopwatch ticks <paramref name="worker"/> has spent inside blocks since the executor started (worker 0 includes blocks run serially).</summary>
    public long WorkerBusyTicks(int worker) => Volatile.Read(ref _workerBusyTicks[worker].Value);

    /// <summary>
    /// Builds the run state for <paramref name="snapshot"/> and attaches it. Control thread only; allocates.
    /// Must happen before the snapshot is given to <see cref="Process"/>; an unprepared snapshot runs on
    /// worker 0 alone. It also resets the profiler, if there is one: profile one snapshot at a time (as
    /// <c>liveengine bench --trace</c> does), not a live session whose snapshots are prepared while others play.
    /// </summary>
    /// <remarks>
    /// A snapshot that shares the last prepared one's jobs (an edit of parameters only: the same jobs, order and
    /// levels) shares its run state: the snapshots of a live session render one at a time. Otherwise the state is
    /// built in the arrays of one whose snapshots have all been retired (<see cref="Release"/>), where they fit.
    /// </remarks>
    public void Prepare(GraphSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_prepareGate)
        {
            if (_lastPrepared is { } last && ReferenceEquals(last.Jobs, snapshot.Jobs))
            {
                last.Users++;
                snapshot.ExecutionState = last;
            }
            else
            {
                _lastPrepared = new ParallelRunState(this, snapshot, _options.Threads, _options.Policy, TakeRecycled(snapshot.Jobs.Length));
                snapshot.ExecutionState = _lastPrepared;
            }
        }

        _profiler?.Reset(snapshot.Jobs.Length);
    }

    /// <summary>
    /// A snapshot the renderer has retired (it will not be rendered again): once every snapshot that shares its run
    /// state is retired, the state's arrays serve the next <see cref="Prepare"/>. The snapshot loses its state (were it
    /// rendered after all, it would run on the calling thread alone). Control thread only.
    /// </summary>
    public void Release(GraphSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.ExecutionState is not ParallelRunState state || state.Owner != this)
        {
            return;
        }

        snapshot.ExecutionState = null;
        lock (_prepareGate)
        {
            if (--state.Users > 0)
            {
                return;
            }

            if (ReferenceEquals(state, _lastPrepared))
            {
                _lastPrepared = null;
            }

            // Its superblock plan holds a snapshot and copies of its buffers: let them go with it.
            state.Runs = null;

            if (_recycled.Count < MaxRecycled)
            {
                _recycled.Add(state);
            }
        }
    }

    /// <summary>
    /// As <see cref="Prepare"/>, and also plans the snapshot's superblocks for <see cref="ProcessBlocks"/> (an offline
    /// render), where they are safe and pay (<see cref="SuperblockPlan.TryCreate"/>): a copy of the snapshot's buffers
    /// per further worker and the rings between them. Control thread only; allocates.
    /// </summary>
    public void PrepareBlockRuns(GraphSnapshot snapshot)
    {
        Prepare(snapshot);
        if (_options.Threads > 1 && _options.SuperblockBlocks > 0 && snapshot.ExecutionState is ParallelRunState state && !state.NothingRunsInParallel)
        {
            state.Runs = SuperblockPlan.TryCreate(snapshot, _options.Threads, _options.SuperblockBlocks, state.Seeds, state.SeedWorkers);
        }
    }

    /// <summary>Whether <see cref="ProcessBlocks"/> renders <paramref name="snapshot"/> in superblocks (when the measured choice runs it in parallel).</summary>
    public bool RunsInSuperblocks(GraphSnapshot snapshot) => RunPlanFor(snapshot) is not null;

    private SuperblockPlan? RunPlanFor(GraphSnapshot snapshot) =>
        snapshot.ExecutionState is ParallelRunState { Runs: { } plan } state && state.Owner == this && ReferenceEquals(plan.Snapshot, snapshot)
        && _profiler is null && snapshot.Timeline is null && snapshot.Probe is null && snapshot.SkippedJobs is null
            ? plan
            : null;

    /// <summary>
    /// Renders <paramref name="blocks"/> blocks back to back, nothing changed between them, each block's output copied to
    /// <paramref name="destination"/> (see <see cref="IGraphExecutor.ProcessBlocks"/>). A snapshot prepared with
    /// <see cref="PrepareBlockRuns"/> renders in superblocks of up to <see cref="ParallelExecutorOptions.SuperblockBlocks"/>
    /// blocks, one synchronisation each, where the measured choice runs it in parallel; otherwise block by block.
    /// Audio (render) thread only; allocation-free, lock-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ProcessBlocks(GraphSnapshot snapshot, int blocks, int frames, long sampleTime, float[][] destination, int destinationOffset)
    {
        if (RunPlanFor(snapshot) is not { } plan || frames > snapshot.MaxBlockFrames)
        {
            IGraphExecutor.ProcessBlocksOneByOne(this, snapshot, blocks, frames, sampleTime, destination, destinationOffset);
            return;
        }

        var state = (ParallelRunState)snapshot.ExecutionState!;
        bool adaptive = AdaptsToSerial && !state.SerialOnly;
        if (!adaptive && AdaptsToSerial)
        {
            // Too little work off the critical path for a second worker: serially, as Process would.
            IGraphExecutor.ProcessBlocksOneByOne(this, snapshot, blocks, frames, sampleTime, destination, destinationOffset);
            return;
        }

        int done = 0;
        while (done < blocks)
        {
            int run = Math.Min(blocks - done, plan.BlocksPerRun);
            bool serial = false;
            if (adaptive)
            {
                serial = state.Adaptive.NextBlockSerial();
                run = state.Adaptive.StartRun(run);
            }

            long runTime = sampleTime + ((long)done * frames);
            long start = Stopwatch.GetTimestamp();
            if (serial)
            {
                for (int b = 0; b < run; b++)
                {
                    SingleThreadExecutor.Process(snapshot, frames, runTime + ((long)b * frames));
                    for (int c = 0; c < destination.Length; c++)
                    {
                        snapshot.GetOutput(c, frames).CopyTo(destination[c].AsSpan(destinationOffset + ((done + b) * frames), frames));
                    }
                }
            }
            else
            {
                ProcessRun(state, plan, snapshot, run, frames, runTime, destination, destinationOffset + (done * frames));
            }

            long end = Stopwatch.GetTimestamp();
            if (serial)
            {
                Volatile.Write(ref _workerBusyTicks[0].Value, _workerBusyTicks[0].Value + (end - start));
                Volatile.Write(ref _serialBlocks, _serialBlocks + run);
            }
            else
            {
                Volatile.Write(ref _parallelBlocks, _parallelBlocks + run);
                Volatile.Write(ref _runBlocksTotal, _runBlocksTotal + run);
            }

            if (adaptive)
            {
                double ticksPerFrame = (end - start) / ((double)run * frames);
                for (int b = 0; b < run; b++)
                {
                    state.Adaptive.Record(serial, ticksPerFrame);
                }
            }

            done += run;
        }
    }

    /// <summary>
    /// One superblock: opens it, renders worker 0's share, waits for every other worker's (rendering the blocks of one
    /// that has not started them after <see cref="TakeOverAfter"/>), closes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessRun(ParallelRunState state, SuperblockPlan plan, GraphSnapshot snapshot, int blocks, int frames, long sampleTime, float[][] destination, int destinationOffset)
    {
        WaitForWorkersToLeave();
        _snapshot = snapshot;
        _state = state;
        _timeline = null;
        _frames = frames;
        _sampleTime = sampleTime;
        _runPlan = plan;
        _runBase = plan.BlocksDone;
        _runBlocks = blocks;
        _runDestination = destination;
        _runDestinationOffset = destinationOffset;
        _runNumber++;
        foreach (int c in plan.SilentChannels)
        {
            destination[c].AsSpan(destinationOffset, blocks * frames).Clear();
        }

        // Open it (a full fence: everything above is visible to a worker that sees the odd epoch).
        Interlocked.Increment(ref *_epoch);
        if (Volatile.Read(ref _parked.Value) > 0)
        {
            Futex.Wake(_epoch, int.MaxValue);
        }

        long runStart = Stopwatch.GetTimestamp();
        long target = _runBase + blocks;
        for (int b = 0; b < blocks; b++)
        {
            RunShareBlock(0, plan, snapshot, b);
        }

        for (int b = 0; b < blocks; b++)
        {
            RunShareBlock(plan.LatePart, plan, snapshot, b);
        }

        for (int w = 1; w < plan.Workers; w++)
        {
            ref long shareDone = ref plan.ShareDone[w * SuperblockPlan.ProducedStride];
            if (Volatile.Read(ref shareDone) < target)
            {
                long waitStart = Stopwatch.GetTimestamp();
                var stall = new StallWatch(shareDone, waitStart);
                int idle = 0;
                while (Volatile.Read(ref shareDone) < target)
                {
                    if (plan.Helpable[w] && stall.Stalled(Volatile.Read(ref shareDone), _takeOverTicks) && TryTakeOver(w, plan, snapshot))
                    {
                        stall.TookOver(Volatile.Read(ref shareDone));
                    }
                    else
                    {
                        Backoff(ref idle);
                    }
                }

                _workerWaitTicks[0].Value += Stopwatch.GetTimestamp() - waitStart;
            }
        }

        Volatile.Write(ref _workerBusyTicks[0].Value, _workerBusyTicks[0].Value + (Stopwatch.GetTimestamp() - runStart));
        Volatile.Write(ref _workerAllocatedBytes[0].Value, GC.GetAllocatedBytesForCurrentThread());
        plan.BlocksDone = target;

        // Close it; workers still inside only leave (the next block or run waits for them).
        Interlocked.Increment(ref *_epoch);
    }

    /// <summary>
    /// How long worker 0, waiting for another worker's share, lets it go without finishing a block before it renders that
    /// share's next unclaimed blocks itself, one after another while the worker still finishes none
    /// (<see cref="SuperblockPlan.Helpable"/> shares only): a worker that the OS has not run (another process on its
    /// core, a wake-up from parking) no longer holds up the run for its time slice. A share that is progressing is left
    /// alone: its blocks follow one another, so taking one over would only move its state from one core's cache to the
    /// other and back.
    /// </summary>
    public static readonly TimeSpan TakeOverAfter = TimeSpan.FromMicroseconds(50);

    /// <summary>Whether a share's done count has stood still for a while (a worker waiting on it, on its stack).</summary>
    private struct StallWatch(long done, long since)
    {
        private long _done = done;
        private long _since = since;

        /// <summary>True once <paramref name="done"/> has not changed for <paramref name="ticks"/>.</summary>
        public bool Stalled(long done, long ticks)
        {
            long now = Stopwatch.GetTimestamp();
            if (done != _done)
            {
                _done = done;
                _since = now;
                return false;
            }

            return now - _since > ticks;
        }

        /// <summary>The waiting worker rendered a block of the share itself: that is no sign of its worker's progress.</summary>
        public void TookOver(long done) => _done = done;
    }

    /// <summary>
    /// Worker <paramref name="worker"/> (1 …) in the open superblock: claims each block of its share in turn (worker 0
    /// may have claimed and rendered it already: then it goes on to the next) and renders it once the block before is done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunShare(int worker, SuperblockPlan plan, GraphSnapshot snapshot)
    {
        long baseBlock = _runBase;
        int blocks = _runBlocks;
        ref long claim = ref plan.Claims[worker * SuperblockPlan.ProducedStride];
        ref long shareDone = ref plan.ShareDone[worker * SuperblockPlan.ProducedStride];
        for (int b = 0; b < blocks; b++)
        {
            long block = baseBlock + b + 1;
            long seen = Volatile.Read(ref claim);
            if (seen >= block || Interlocked.CompareExchange(ref claim, block, seen) != seen)
            {
                continue;
            }

            if (Volatile.Read(ref shareDone) < block - 1 && !WaitFor(worker, ref shareDone, block - 1))
            {
                return;
            }

            if (!RunShareBlock(worker, plan, snapshot, b))
            {
                return;
            }

            Volatile.Write(ref shareDone, block);
        }
    }

    /// <summary>
    /// Worker 0 claims the next block of <paramref name="worker"/>'s share that nobody has claimed in the open
    /// superblock and renders it (in that worker's buffers); false if there is none.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryTakeOver(int worker, SuperblockPlan plan, GraphSnapshot snapshot)
    {
        ref long claim = ref plan.Claims[worker * SuperblockPlan.ProducedStride];
        ref long shareDone = ref plan.ShareDone[worker * SuperblockPlan.ProducedStride];
        long seen = Volatile.Read(ref claim);
        long block = seen + 1;
        if (block > _runBase + _runBlocks || Interlocked.CompareExchange(ref claim, block, seen) != seen)
        {
            return false;
        }

        int idle = 0;
        while (Volatile.Read(ref shareDone) < block - 1)
        {
            Backoff(ref idle);
        }

        RunShareBlock(worker, plan, snapshot, (int)(block - 1 - _runBase));
        Volatile.Write(ref shareDone, block);
        Interlocked.Increment(ref _takeOvers);
        return true;
    }

    /// <summary>
    /// Block <paramref name="b"/> of the open superblock for part <paramref name="part"/> (<see cref="SuperblockPlan.Parts"/>):
    /// its jobs in topological order on its copy of the buffers; a value another part makes is awaited (that job's progress
    /// counter) and copied in from the ring before the job that reads it, and a value another part reads is copied to the
    /// ring after its maker runs. False if the executor is stopping.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool RunShareBlock(int part, SuperblockPlan plan, GraphSnapshot snapshot, int b)
    {
        int frames = _frames;
        long time = _sampleTime + ((long)b * frames);
        float[][] destination = _runDestination!;
        int destinationAt = _runDestinationOffset + (b * frames);
        long done = _runBase + b + 1;
        float* region = (float*)plan.RegionBases[part];
        long[] produced = plan.Produced;
        int[] jobs = plan.WorkerJobs;
        int[] crossInStarts = plan.CrossInStarts;
        int[] copyOutStarts = plan.CopyOutStarts;
        int[] hostOutStarts = plan.HostOutStarts;
        for (int i = plan.WorkerJobStarts[part], last = plan.WorkerJobStarts[part + 1]; i < last; i++)
        {
            int job = jobs[i];
            for (int k = crossInStarts[job], end = crossInStarts[job + 1]; k < end; k++)
            {
                ref long made = ref produced[plan.CrossInCounters[k]];
                if (Volatile.Read(ref made) < done && !WaitForValue(part, plan, snapshot, k, ref made, done))
                {
                    return false;
                }

                new ReadOnlySpan<float>(plan.Slot(plan.CrossInRings[k], b), frames).CopyTo(new Span<float>(region + plan.CrossInOffsets[k], frames));
            }

            JobRunner.RunIn(snapshot, job, frames, time, region);
            for (int k = copyOutStarts[job], end = copyOutStarts[job + 1]; k < end; k++)
            {
                new ReadOnlySpan<float>(region + plan.CopyOutOffsets[k], frames).CopyTo(new Span<float>(plan.Slot(plan.CopyOutRings[k], b), frames));
            }

            for (int k = hostOutStarts[job], end = hostOutStarts[job + 1]; k < end; k++)
            {
                new ReadOnlySpan<float>(region + plan.HostOutOffsets[k], frames).CopyTo(destination[plan.HostOutChannels[k]].AsSpan(destinationAt, frames));
            }

            int counter = plan.CounterOfJob[job];
            if (counter >= 0)
            {
                // Release: the ring slot written above is visible to a reader that sees the count.
                Volatile.Write(ref produced[counter], done);
            }
        }

        return true;
    }

    /// <summary>
    /// Waits until a value that another worker makes is there for block count <paramref name="needed"/>, counting the
    /// wait; worker 0 renders the maker's blocks itself once it has waited <see cref="TakeOverAfter"/> for a share that
    /// can be helped and that has not started the block. False if the executor is stopping.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WaitForValue(int part, SuperblockPlan plan, GraphSnapshot snapshot, int crossIn, ref long made, long needed)
    {
        long waitStart = Stopwatch.GetTimestamp();
        int maker = plan.CrossInWorkers[crossIn];
        int worker = plan.WorkerOfPart(part);
        bool helpable = worker == 0 && maker != 0 && maker != plan.LatePart && plan.Helpable[maker];
        ref long makerDone = ref plan.ShareDone[(helpable ? maker : 0) * SuperblockPlan.ProducedStride];
        var stall = new StallWatch(Volatile.Read(ref makerDone), waitStart);
        int idle = 0;
        while (Volatile.Read(ref made) < needed)
        {
            if (_stopping)
            {
                return false;
            }

            if (helpable && stall.Stalled(Volatile.Read(ref makerDone), _takeOverTicks) && TryTakeOver(maker, plan, snapshot))
            {
                stall.TookOver(Volatile.Read(ref makerDone));
                continue;
            }

            Backoff(ref idle);
        }

        _workerWaitTicks[worker].Value += Stopwatch.GetTimestamp() - waitStart;
        return true;
    }

    /// <summary>Waits until <paramref name="made"/> reaches <paramref name="needed"/>, counting the wait; false if the executor is stopping.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WaitFor(int worker, ref long made, long needed)
    {
        long waitStart = Stopwatch.GetTimestamp();
        int idle = 0;
        while (Volatile.Read(ref made) < needed)
        {
            if (_stopping)
            {
                return false;
            }

            Backoff(ref idle);
        }

        _workerWaitTicks[worker].Value += Stopwatch.GetTimestamp() - waitStart;
        return true;
    }

    /// <summary>A retired state, preferring one built for as many jobs (its arrays fit); null if none is kept.</summary>
    private ParallelRunState? TakeRecycled(int jobs)
    {
        if (_recycled.Count == 0)
        {
            return null;
        }

        int best = _recycled.Count - 1;
        for (int i = 0; i < _recycled.Count; i++)
        {
            if (_recycled[i].Jobs.Length == jobs)
            {
                best = i;
                break;
            }
        }

        ParallelRunState state = _recycled[best];
        _recycled.RemoveAt(best);
        return state;
    }

    /// <summary>Renders one block. Audio thread only (it becomes worker 0). Allocation-free, lock-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(GraphSnapshot snapshot, int frames, long sampleTime)
    {
        if ((_options.Threads == 1 && _profiler is null) || snapshot.ExecutionState is not ParallelRunState state || state.Owner != this)
        {
            SingleThreadExecutor.Process(snapshot, frames, sampleTime);
            Volatile.Write(ref _serialBlocks, _serialBlocks + 1);
            return;
        }

        bool adaptive = _options.AdaptiveSerial && _options.Threads > 1;
        if (!_options.VerifyExecution && (state.NothingRunsInParallel || (adaptive && state.SerialOnly)))
        {
            // No two jobs could run at once (one fused bank, a chain), or, where the choice is measured, too little
            // work off the critical path to pay for waking a worker: the workers stay parked. The first holds even
            // for a bench that measures the scheduler itself (AdaptiveSerial off): a parallel block of one job only
            // adds the wake-up and the hand-over (chains-16x16, one bank job: 3.4× slower on 2 threads than on 1).
            ProcessOnCallingThread(snapshot, frames, sampleTime);
            Volatile.Write(ref _serialBlocks, _serialBlocks + 1);
            return;
        }

        if (adaptive && !_options.VerifyExecution && _profiler is null)
        {
            ProcessAdaptive(state, snapshot, frames, sampleTime);
            return;
        }

        ProcessParallel(state, snapshot, frames, sampleTime);
        Volatile.Write(ref _parallelBlocks, _parallelBlocks + 1);
    }

    /// <summary>Whether this executor runs a snapshot's blocks serially when measurements say that is faster (<see cref="ParallelExecutorOptions.AdaptiveSerial"/>, in effect).</summary>
    public bool AdaptsToSerial => _options.AdaptiveSerial && !_options.VerifyExecution && _profiler is null && _options.Threads > 1;

    /// <summary>Whether the snapshot currently runs serially because measurements said parallelism does not pay.</summary>
    public bool IsRunningSerially(GraphSnapshot snapshot) =>
        snapshot.ExecutionState is ParallelRunState state
        && !_options.VerifyExecution
        && (state.NothingRunsInParallel || (_options.AdaptiveSerial && _options.Threads > 1 && (state.SerialOnly || state.Adaptive.Serial)));

    /// <summary>A block of a snapshot that never gains from other workers, on worker 0 alone; profiled when there is a profiler.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessOnCallingThread(GraphSnapshot snapshot, int frames, long sampleTime)
    {
        long start = Stopwatch.GetTimestamp();
        if (_profiler is null)
        {
            SingleThreadExecutor.Process(snapshot, frames, sampleTime);
        }
        else
        {
            ProcessOnCallingThreadProfiled(snapshot, frames, sampleTime, start);
        }

        long end = Stopwatch.GetTimestamp();
        Volatile.Write(ref _workerBusyTicks[0].Value, _workerBusyTicks[0].Value + (end - start));
        Volatile.Write(ref _workerAllocatedBytes[0].Value, GC.GetAllocatedBytesForCurrentThread());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ProcessOnCallingThreadProfiled(GraphSnapshot snapshot, int frames, long sampleTime, long blockStart)
    {
        // The block number is the workers' too (their seed claims): none may still be leaving a parallel block.
        WaitForWorkersToLeave();
        JobTimeline? timeline = snapshot.Timeline;
        long timelineBlock = timeline?.BeginBlock() ?? 0;
        _block++;
        long start = Stopwatch.GetTimestamp();
        foreach (int job in snapshot.TopologicalOrder)
        {
            JobRunner.Run(snapshot, job, frames, sampleTime);
            long end = Stopwatch.GetTimestamp();
            _profiler!.RecordJob(0, job, _block, start, end, stolen: false);
            timeline?.RecordJob(0, timelineBlock, job, start, end);
            start = end;
        }

        _profiler!.RecordBlock(_block, blockStart, start, frames * (double)Stopwatch.Frequency / snapshot.SampleRate);
        timeline?.EndBlock(timelineBlock, blockStart, start, frames, serial: true, snapshot);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessAdaptive(ParallelRunState state, GraphSnapshot snapshot, int frames, long sampleTime)
    {
        ref AdaptiveChoice choice = ref state.Adaptive;
        bool serial = choice.NextBlockSerial();
        long start = Stopwatch.GetTimestamp();
        if (serial)
        {
            SingleThreadExecutor.Process(snapshot, frames, sampleTime);
        }
        else
        {
            ProcessParallel(state, snapshot, frames, sampleTime);
        }

        long end = Stopwatch.GetTimestamp();
        if (serial)
        {
            Volatile.Write(ref _workerBusyTicks[0].Value, _workerBusyTicks[0].Value + (end - start));
            Volatile.Write(ref _serialBlocks, _serialBlocks + 1);
        }
        else
        {
            Volatile.Write(ref _parallelBlocks, _parallelBlocks + 1);
        }

        choice.Record(serial, (end - start) / (double)frames);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessParallel(ParallelRunState state, GraphSnapshot snapshot, int frames, long sampleTime)
    {
        Debug.Assert((Volatile.Read(ref *_epoch) & 1) == 0, "Process re-entered while a block is open: only one thread may drive an executor.");

        // Workers still leaving the last block (they have seen every job done) must be out before anything of this
        // one is written. Waiting here rather than when the last block closed lets them leave while the host uses
        // its output: a live host's next block comes a period later.
        WaitForWorkersToLeave();
        long blockStart = _profiler is null ? 0 : Stopwatch.GetTimestamp();

        // A timeline made for fewer workers than this executor has cannot hold this block: it records nothing here.
        JobTimeline? timeline = snapshot.Timeline is { } t && t.Workers >= _options.Threads ? t : null;
        long timelineStart = 0;
        if (timeline is not null)
        {
            _timelineBlock = timeline.BeginBlock();
            timelineStart = Stopwatch.GetTimestamp();
        }

        _timeline = timeline;
        int jobs = snapshot.Jobs.Length;

        // Nothing of the last block is reset: every deque is empty once all its jobs are done, the arrival counters
        // count on to this block's round, and the completion counts to this block's target. Worker 0 writes no line
        // that another worker's jobs use.
        if (_options.Policy == SchedulingPolicy.Wavefront)
        {
            Array.Clear(state.LevelCursors);
            Array.Clear(state.LevelCompleted);
        }

        _snapshot = snapshot;
        _state = state;
        _runPlan = null;
        _frames = frames;
        _sampleTime = sampleTime;
        _block++;
        _arrivalRound = ++state.BlocksRun;
        _completedTarget += jobs;

        // Worker 0's own sources: the others push theirs as they enter (a worker that comes late has its sources
        // taken by an idle one). Pushing them all from here made every worker fetch its deque's lines from worker 0.
        if (_options.Policy != SchedulingPolicy.Wavefront)
        {
            _seedClaims[0].Value = _block;
            PushSeeds(state, 0, 0);
        }

        // Open the block. Interlocked.Increment is a full fence: everything above is visible to a worker that
        // sees the odd epoch. Reading _parked after it pairs with a parking worker's increment-then-check.
        Interlocked.Increment(ref *_epoch);
        if (Volatile.Read(ref _parked.Value) > 0)
        {
            Futex.Wake(_epoch, int.MaxValue);
        }

        long runStart = Stopwatch.GetTimestamp();
        RunBlock(0, state, snapshot);
        Volatile.Write(ref _workerBusyTicks[0].Value, _workerBusyTicks[0].Value + (Stopwatch.GetTimestamp() - runStart));
        Volatile.Write(ref _workerAllocatedBytes[0].Value, GC.GetAllocatedBytesForCurrentThread());

        // Close the block: every job is done (and recorded: a job is counted after its records). Workers still
        // inside only leave; the next block waits for them before it writes anything.
        Interlocked.Increment(ref *_epoch);
        if (_options.VerifyExecution)
        {
            VerifyBlock(state, jobs);
        }

        _profiler?.RecordBlock(_block, blockStart, Stopwatch.GetTimestamp(), frames * (double)Stopwatch.Frequency / snapshot.SampleRate);
        timeline?.EndBlock(_timelineBlock, timelineStart, Stopwatch.GetTimestamp(), frames, serial: false, snapshot);
    }

    /// <summary>Waits until no worker is inside a block (one that saw the last block's jobs all done may still be leaving it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WaitForWorkersToLeave()
    {
        int idle = 0;
        while (Volatile.Read(ref _active.Value) != 0)
        {
            Backoff(ref idle);
        }
    }

    /// <summary>
    /// Pushes the seeds dealt to <paramref name="owner"/> into <paramref name="worker"/>'s deque (its own: only the
    /// deque's owner pushes), lowest priority first so that the best is popped first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PushSeeds(ParallelRunState state, int worker, int owner)
    {
        int[] seeds = state.SeedsByWorker;
        WorkStealingDeque deque = state.Deques[worker];
        for (int k = state.SeedStarts[owner + 1] - 1; k >= state.SeedStarts[owner]; k--)
        {
            deque.LocalPush(seeds[k]);
        }
    }

    /// <summary>Claims <paramref name="owner"/>'s seeds of the open block for <paramref name="worker"/>; false if someone already did.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryClaimSeeds(ParallelRunState state, int worker, int owner)
    {
        long block = _block;
        ref long claim = ref _seedClaims[owner].Value;
        long seen = Volatile.Read(ref claim);
        if (seen >= block || Interlocked.CompareExchange(ref claim, block, seen) != seen)
        {
            return false;
        }

        PushSeeds(state, worker, owner);
        return true;
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        Interlocked.Add(ref *_epoch, 2);
        Futex.Wake(_epoch, int.MaxValue);
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WorkerMain(int worker)
    {
        if (_options.CpuPerWorker is { Count: > 0 } cpus)
        {
            int cpu = cpus[worker % cpus.Count];
            _placement[worker] = CpuAffinity.TryPinCurrentThread(cpu, out string? refusal) ? $"worker {worker} on CPU {cpu}" : $"worker {worker} unpinned: {refusal}";
        }

        try
        {
            _options.WorkerStarted?.Invoke(worker);
        }
        catch (Exception)
        {
            // The host's set-up failed: the worker still runs, at normal priority.
        }

        // What the thread allocated starting up (its name, the host's set-up above) is not the audio path's: count
        // from here, so that a worker whose first block comes late does not report its start-up as a block's.
        Volatile.Write(ref _workerAllocatedBytes[worker].Value, GC.GetAllocatedBytesForCurrentThread());
        int seen = 0;
        while (true)
        {
            int epoch = WaitForBlock(seen);
            if (epoch < 0)
            {
                return;
            }

            seen = epoch;

            // Enter, then re-check that the block is still the one seen: if worker 0 closed it meanwhile,
            // leave without touching state that the next block's reset may be rewriting.
            Interlocked.Increment(ref _active.Value);
            bool abandoned = false;
            if (Volatile.Read(ref *_epoch) == epoch)
            {
                long runStart = Stopwatch.GetTimestamp();
                if (_runPlan is { } plan)
                {
                    RunShare(worker, plan, _snapshot!);
                }
                else
                {
                    abandoned = !RunBlock(worker, _state!, _snapshot!);
                }

                Volatile.Write(ref _workerBusyTicks[worker].Value, _workerBusyTicks[worker].Value + (Stopwatch.GetTimestamp() - runStart));
                Volatile.Write(ref _workerAllocatedBytes[worker].Value, GC.GetAllocatedBytesForCurrentThread());
            }

            // An abandoned worker was already counted out by the watchdog.
            if (!abandoned)
            {
                Interlocked.Decrement(ref _active.Value);
            }
        }
    }

    /// <summary>
    /// Spins, then parks, until a block other than <paramref name="seen"/> is open; -1 when stopping. The spin is
    /// only for a block that follows soon after the last one: once parked, a worker that wakes (its futex timeout,
    /// or a block it was too late for) parks again at once. Spinning anew after every timeout kept an idle worker
    /// busy 200 µs of every millisecond.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int WaitForBlock(int seen)
    {
        long spinUntil = Stopwatch.GetTimestamp() + _spinTicks;
        int spins = 0;
        bool spinning = true;
        while (true)
        {
            int epoch = Volatile.Read(ref *_epoch);
            if (_stopping)
            {
                return -1;
            }

            if ((epoch & 1) == 1 && epoch != seen)
            {
                return epoch;
            }

            if (spinning && (++spins < 64 || Stopwatch.GetTimestamp() < spinUntil))
            {
                Thread.SpinWait(8);
                continue;
            }

            spinning = false;

            // Park: announce it (full fence), then sleep only if the epoch is still the one just read.
            // The kernel compares the word atomically, so a block opened after the read is never slept through.
            Interlocked.Increment(ref _parked.Value);
            Futex.Wait(_epoch, epoch);
            Interlocked.Decrement(ref _parked.Value);
        }
    }

    /// <summary>Works on the open block until every job is done. False if the watchdog abandoned this worker.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool RunBlock(int worker, ParallelRunState state, GraphSnapshot snapshot)
    {
        if (_options.Policy == SchedulingPolicy.Wavefront)
        {
            RunWavefront(worker, state, snapshot);
            return true;
        }

        if (worker != 0)
        {
            TryClaimSeeds(state, worker, worker);
        }

        int job = -1;
        int idle = 0;
        long lastRemaining = -1;
        long lastProgress = 0;
        while (true)
        {
            bool stolen = false;
            if (job < 0)
            {
                job = FindWork(worker, state, snapshot, out stolen);
                if (job < 0)
                {
                    long remaining = Remaining();
                    if (remaining == 0)
                    {
                        return true;
                    }

                    // Disposing: leave a block that may never finish. A driver may stop worker 0 inside one (JACK's
                    // client close cancels a real-time thread that overran its period), and a helper waiting here for
                    // that thread's jobs would keep Dispose's Join, and the process, from ever returning.
                    if (_stopping && worker != 0)
                    {
                        return true;
                    }

                    Backoff(ref idle);
                    if (worker == 0 && (idle & 255) == 0)
                    {
                        job = Watchdog(state, snapshot, remaining, ref lastRemaining, ref lastProgress);
                    }

                    continue;
                }

                idle = 0;
            }

            if (worker == 0 || !state.Guarded[job])
            {
                Execute(worker, state, snapshot, job, stolen);
            }
            else
            {
                // Publish what this worker runs, so that the watchdog can take the job over if it never returns.
                Volatile.Write(ref _runningJob[worker].Value, job);
                Execute(worker, state, snapshot, job, stolen);
                if (Interlocked.CompareExchange(ref _runningJob[worker].Value, Idle, job) != job)
                {
                    // The watchdog completed this job in our place while it ran: touch nothing of the block.
                    // The node did return, so it was slow (or preempted), not hung: let it play again.
                    Volatile.Write(ref _runningJob[worker].Value, Idle);
                    int node = snapshot.Jobs[job].NodeIndex;
                    if (ReferenceEquals(Volatile.Read(ref snapshot.NodeExceptions[node]), _stallException))
                    {
                        Volatile.Write(ref snapshot.NodeFaulted[node], 0);
                    }

                    return false;
                }
            }

            job = Complete(worker, state, job);
        }
    }

    /// <summary>
    /// Worker 0, idle inside a block: if no job has finished for the watchdog timeout, take over the job that
    /// another worker has been running all that time: silence and fault its node, complete it here, and count
    /// that worker out of the block. Returns a job to continue with, or -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Watchdog(ParallelRunState state, GraphSnapshot snapshot, long remaining, ref long lastRemaining, ref long lastProgress)
    {
        long now = Stopwatch.GetTimestamp();
        if (remaining != lastRemaining)
        {
            lastRemaining = remaining;
            lastProgress = now;
            return -1;
        }

        if (now - lastProgress < _watchdogTicks)
        {
            return -1;
        }

        lastProgress = now;
        for (int w = 1; w < _runningJob.Length; w++)
        {
            long job = Volatile.Read(ref _runningJob[w].Value);
            if (job < 0 || Interlocked.CompareExchange(ref _runningJob[w].Value, Abandoned, job) != job)
            {
                continue;
            }

            int stuck = (int)job;
            int node = snapshot.Jobs[stuck].NodeIndex;
            snapshot.NodeExceptions[node] = _stallException;

            // Release: the exception is visible to a control thread that sees the flag.
            Volatile.Write(ref snapshot.NodeFaulted[node], 1);
            LastStalledJob = stuck;
            Interlocked.Increment(ref _stalls);
            Interlocked.Decrement(ref _active.Value);
            JobRunner.SilenceOutputs(snapshot, stuck, _frames);
            if (_options.VerifyExecution)
            {
                VerifyAfterRun(state, stuck);
            }

            return Complete(0, state, stuck);
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Execute(int worker, ParallelRunState state, GraphSnapshot snapshot, int job, bool stolen)
    {
        if (_profiler is not null || _timeline is not null)
        {
            ExecuteProfiled(worker, state, snapshot, job, stolen);
            return;
        }

        if (_options.VerifyExecution)
        {
            VerifyBeforeRun(state, job);
            JobRunner.Run(snapshot, job, _frames, _sampleTime);
            VerifyAfterRun(state, job);
            return;
        }

        JobRunner.Run(snapshot, job, _frames, _sampleTime);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExecuteProfiled(int worker, ParallelRunState state, GraphSnapshot snapshot, int job, bool stolen)
    {
        if (_options.VerifyExecution)
        {
            VerifyBeforeRun(state, job);
        }

        long start = Stopwatch.GetTimestamp();
        JobRunner.Run(snapshot, job, _frames, _sampleTime);
        long end = Stopwatch.GetTimestamp();
        _profiler?.RecordJob(worker, job, _block, start, end, stolen);
        _timeline?.RecordJob(worker, _timelineBlock, job, start, end);
        if (_options.VerifyExecution)
        {
            VerifyAfterRun(state, job);
        }
    }

    /// <summary>Releases the successors of a finished job; returns the one to continue with, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Complete(int worker, ParallelRunState state, int job)
    {
        int next = -1;
        int[] order = state.SuccessorOrder;
        int[] slots = state.ArrivalSlots;
        long[] arrivals = state.Arrivals;
        int[] dependencies = state.DependencyCounts;
        long round = _arrivalRound;
        for (int k = state.SuccessorStarts[job], end = state.SuccessorStarts[job + 1]; k < end; k++)
        {
            int successor = order[k];

            // A successor with this job as its only input is ready now, with no shared counter to touch.
            // Otherwise the increment is a full fence: this job's outputs are published before the successor
            // can be seen as ready by another worker. Its last input of this round makes it ready.
            int slot = slots[successor];
            if (slot < 0 || Interlocked.Increment(ref arrivals[slot]) == dependencies[successor] * round)
            {
                if (next >= 0)
                {
                    state.Deques[worker].LocalPush(next);
                }

                next = successor;
            }
        }

        CountCompleted(worker);
        return next;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FindWork(int worker, ParallelRunState state, GraphSnapshot snapshot, out bool stolen)
    {
        stolen = false;
        WorkStealingDeque[] deques = state.Deques;
        if (deques[worker].TryLocalPop(out int job))
        {
            return job;
        }

        int workers = deques.Length;
        if (_options.Policy == SchedulingPolicy.CriticalPathFirst)
        {
            // Try the victim whose oldest job ranks highest first (a racy hint; the steal itself is exact).
            int best = -1;
            double bestRank = double.NegativeInfinity;
            for (int v = 0; v < workers; v++)
            {
                int top = v == worker ? -1 : deques[v].PeekTop();
                if (top >= 0 && snapshot.Ranks[top] > bestRank)
                {
                    bestRank = snapshot.Ranks[top];
                    best = v;
                }
            }

            if (best >= 0 && deques[best].TrySteal(out job))
            {
                stolen = true;
                return job;
            }
        }

        for (int i = 1; i < workers; i++)
        {
            if (deques[(worker + i) % workers].TrySteal(out job))
            {
                stolen = true;
                return job;
            }
        }

        // A worker that has not entered the block yet (parked, preempted) has not pushed its sources: take them.
        for (int i = 1; i < workers; i++)
        {
            if (TryClaimSeeds(state, worker, (worker + i) % workers) && deques[worker].TryLocalPop(out job))
            {
                return job;
            }
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunWavefront(int worker, ParallelRunState state, GraphSnapshot snapshot)
    {
        int levels = state.LevelStarts.Length - 1;
        for (int level = 0; level < levels; level++)
        {
            int start = state.LevelStarts[level];
            int size = state.LevelStarts[level + 1] - start;
            ref int cursor = ref state.LevelCursors[level * ParallelRunState.CounterStride];
            ref int completed = ref state.LevelCompleted[level * ParallelRunState.CounterStride];
            while (true)
            {
                int claimed = Interlocked.Increment(ref cursor) - 1;
                if (claimed >= size)
                {
                    break;
                }

                int job = state.JobsByLevel[start + claimed];
                Execute(worker, state, snapshot, job, stolen: false);
                Interlocked.Increment(ref completed);
                CountCompleted(worker);
            }

            // The level barrier: every job of this level has finished before any of the next starts.
            int idle = 0;
            while (Volatile.Read(ref completed) < size)
            {
                Backoff(ref idle);
            }
        }
    }

    /// <summary>Counts a finished job for <paramref name="worker"/>. Owner only; the release store publishes the job's outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountCompleted(int worker)
    {
        ref long count = ref _completed[worker].Value;
        Volatile.Write(ref count, count + 1);
    }

    /// <summary>Jobs of the open block not yet finished: the block's target less the per-worker counts summed (acquire reads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Remaining()
    {
        long done = 0;
        for (int w = 0; w < _completed.Length; w++)
        {
            done += Volatile.Read(ref _completed[w].Value);
        }

        return _completedTarget - done;
    }

    /// <summary>
    /// Waiting inside a block: spin first (work usually appears within nanoseconds), then yield the core now and
    /// then, so that with more workers than cores the thread holding the work gets to run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backoff(ref int idle)
    {
        if (++idle < 64)
        {
            Thread.SpinWait(1);
        }
        else if ((idle & 15) == 0)
        {
            Thread.Yield();
        }
        else
        {
            Thread.SpinWait(4);
        }
    }

    private void VerifyBeforeRun(ParallelRunState state, int job)
    {
        long block = _block;
        for (int k = state.PredecessorStarts[job]; k < state.PredecessorStarts[job + 1]; k++)
        {
            if (Volatile.Read(ref state.DoneInBlock[state.Predecessors[k]]) != block)
            {
                Interlocked.Increment(ref _violations);
            }
        }
    }

    private void VerifyAfterRun(ParallelRunState state, int job)
    {
        if (Interlocked.Exchange(ref state.DoneInBlock[job], _block) == _block)
        {
            Interlocked.Increment(ref _violations);
        }
    }

    private void VerifyBlock(ParallelRunState state, int jobs)
    {
        for (int j = 0; j < jobs; j++)
        {
            if (state.DoneInBlock[j] != _block)
            {
                Interlocked.Increment(ref _violations);
            }
        }
    }
}
