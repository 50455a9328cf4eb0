using System.Diagnostics;
using LiveEngine.Snapshots;

namespace LiveEngine.Execution;

/// <summary>
/// Job timing that may be switched on and off while a session plays (<see cref="Live.LiveRenderer.Timeline"/>): each
/// worker writes the start and end of every job it runs into its own preallocated ring, and the render thread writes
/// each block's span and snapshot into another. Writing allocates nothing and takes no lock; a control thread reads
/// the last blocks (<see cref="Read"/>) while the workers go on writing, and drops what they overwrote meanwhile.
/// Both executors honour it: <see cref="SingleThreadExecutor"/> records every job on worker 0, and the parallel one
/// records its serial blocks the same way, so timing does not switch off its adaptive serial path.
/// </summary>
public sealed class JobTimeline
{
    // Counters are Stride longs apart (128 bytes): each worker's count on its own cache line, as false sharing
    // between workers that record every job would cost more than the recording.
    private const int Stride = 16;

    // Per worker: the ring and its count of entries written, each written only by its worker.
    private readonly JobSpan[][] _jobs;
    private readonly long[] _jobsWritten;

    // The render thread (worker 0) only; read by control threads.
    private readonly BlockSpan[] _blocks;
    private readonly GraphSnapshot?[] _blockSnapshots;
    private readonly long[] _blocksWritten = new long[2 * Stride];
    private long _nextBlock;

    /// <param name="workers">The most workers an executor that records into it may have.</param>
    /// <param name="blocks">Blocks kept (a power of two); <see cref="Read"/> reads at most half of them.</param>
    /// <param name="jobsPerWorker">Job entries kept per worker (a power of two): at least <paramref name="blocks"/> × the jobs of a block.</param>
    public JobTimeline(int workers, int blocks = 128, int jobsPerWorker = 1 << 15)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        if (blocks < 4 || !int.IsPow2(blocks) || jobsPerWorker < blocks || !int.IsPow2(jobsPerWorker))
        {
            throw new ArgumentOutOfRangeException(nameof(blocks), $"The rings hold a power of two entries: {blocks} blocks (at least 4) and {jobsPerWorker} jobs per worker (at least as many as blocks).");
        }

        _jobs = new JobSpan[workers][];
        for (int w = 0; w < workers; w++)
        {
            _jobs[w] = new JobSpan[jobsPerWorker];
        }

        _jobsWritten = new long[(workers + 1) * Stride];
        _blocks = new BlockSpan[blocks];
        _blockSnapshots = new GraphSnapshot?[blocks];
    }

    /// <summary>The most workers it records.</summary>
    public int Workers => _jobs.Length;

    /// <summary>The most blocks one <see cref="Read"/> returns.</summary>
    public int MaxReadBlocks => _blocks.Length / 2;

    /// <summary>Blocks recorded so far. Any thread.</summary>
    public long BlocksRecorded => Volatile.Read(ref _blocksWritten[Stride]);

    /// <summary>Numbers a new block (from 1). Render thread only.</summary>
    internal long BeginBlock() => ++_nextBlock;

    /// <summary>Records one job that <paramref name="worker"/> ran in <paramref name="block"/>. That worker only; allocation-free.</summary>
    internal void RecordJob(int worker, long block, int job, long start, long end)
    {
        JobSpan[] ring = _jobs[worker];
        ref long written = ref _jobsWritten[(worker + 1) * Stride];
        ring[written & (ring.Length - 1)] = new JobSpan(block, job, start, end);

        // Release: the entry is complete before a reader sees the new count.
        Volatile.Write(ref written, written + 1);
    }

    /// <summary>
    /// Records a finished block, after every job of it was recorded (the parallel executor calls it once no worker is
    /// inside the block). Render thread only; allocation-free (a reference store, no copy of the snapshot).
    /// </summary>
    internal void EndBlock(long block, long start, long end, int frames, bool serial, GraphSnapshot snapshot)
    {
        ref long written = ref _blocksWritten[Stride];
        int slot = (int)(written & (_blocks.Length - 1));
        _blocks[slot] = new BlockSpan(block, start, end, frames, serial);
        _blockSnapshots[slot] = snapshot;

        // Release: the block and, before it, every job recorded for it are visible to a reader that sees the count.
        Volatile.Write(ref written, written + 1);
    }

    /// <summary>Job entries kept per worker.</summary>
    public int JobsPerWorker => _jobs[0].Length;

    /// <summary>
    /// The last <paramref name="blocks"/> blocks recorded (at most <see cref="MaxReadBlocks"/>), their jobs by worker,
    /// the critical path of each block from its measured job times, and each node's mean and largest time per block.
    /// Control thread; allocates (an engine answering a page reuses a <see cref="TimelineCopy"/> instead).
    /// </summary>
    public TimelineReading Read(int blocks)
    {
        var copy = new TimelineCopy(this);
        copy.Read(blocks);
        return copy.ToReading();
    }

    /// <summary>
    /// Copies the last <paramref name="count"/> complete blocks, oldest first, into <paramref name="blocks"/> and their
    /// snapshots into <paramref name="snapshots"/>; returns how many (fewer where the render thread overwrote some meanwhile).
    /// </summary>
    internal int CopyBlocks(int count, BlockSpan[] blocks, GraphSnapshot?[] snapshots)
    {
        // Acquire: the blocks below the count, and their jobs, are complete.
        long written = Volatile.Read(ref _blocksWritten[Stride]);
        long first = Math.Max(0, written - count);
        for (long b = first; b < written; b++)
        {
            int slot = (int)(b & (_blocks.Length - 1));
            blocks[b - first] = _blocks[slot];
            snapshots[b - first] = _blockSnapshots[slot];
        }

        // Seqlock-style: a block slot the render thread may have rewritten while it was copied is dropped.
        int drop = (int)Math.Clamp(Volatile.Read(ref _blocksWritten[Stride]) - _blocks.Length - first, 0, written - first);
        int kept = (int)(written - first) - drop;
        Array.Copy(blocks, drop, blocks, 0, kept);
        Array.Copy(snapshots, drop, snapshots, 0, kept);
        return kept;
    }

    /// <summary>
    /// Copies <paramref name="worker"/>'s jobs of blocks <paramref name="lowest"/>..<paramref name="highest"/> into
    /// <paramref name="destination"/>, newest first; returns how many, or -1 when they do not fit. Allocation-free.
    /// </summary>
    internal int CopyJobs(int worker, long lowest, long highest, Span<JobSpan> destination)
    {
        // A worker records its blocks in order, so its entries of the blocks wanted end where an older block begins.
        JobSpan[] ring = _jobs[worker];
        ref long written = ref _jobsWritten[(worker + 1) * Stride];
        long end = Volatile.Read(ref written);
        long oldest = Math.Max(0, end - ring.Length);
        int count = 0;
        long i = end - 1;
        for (; i >= oldest; i--)
        {
            JobSpan span = ring[i & (ring.Length - 1)];
            if (span.Block < lowest)
            {
                break;
            }

            if (span.Block > highest)
            {
                continue;
            }

            if (count == destination.Length)
            {
                return -1;
            }

            destination[count++] = span;
        }

        // Seqlock-style: entries the worker may have rewritten during the copy (the oldest ones copied) are dropped.
        long safeFrom = Volatile.Read(ref written) - ring.Length;
        long scannedFrom = i + 1;
        if (safeFrom > scannedFrom)
        {
            count = Math.Max(0, count - (int)(safeFrom - scannedFrom));
        }

        return count;
    }

    /// <summary>Nanoseconds in <paramref name="ticks"/> <see cref="Stopwatch"/> ticks.</summary>
    internal static double ToNs(long ticks) => ticks * (1e9 / Stopwatch.Frequency);
}
