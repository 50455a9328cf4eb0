using System.Diagnostics;

namespace LiveEngine.Scheduling;

/// <summary>What one entry of a worker's timeline records.</summary>
public enum TraceEventKind : byte
{
    /// <summary>A job ran from Start to End.</summary>
    Job,

    /// <summary>The job was taken from another worker's deque.</summary>
    StolenJob,

    /// <summary>A whole block on worker 0, from opening to the last worker leaving.</summary>
    Block,
}

/// <summary>One timeline entry; times are <see cref="Stopwatch"/> ticks.</summary>
public readonly record struct TraceEvent(TraceEventKind Kind, int Job, long Block, long Start, long End);

/// <summary>
/// The engine's profiler: per-worker timelines (job start/end, steals) in preallocated rings, per-job cost as
/// an exponentially weighted moving average, and block times with deadline misses. Recorded on the audio path
/// without allocation or locks: each worker writes only its own ring and the jobs it runs. Read (traces,
/// summaries) by the control thread between renders, or accepting that the newest entries may be in flux.
/// </summary>
public sealed class ExecutionProfiler
{
    private readonly TraceEvent[][] _rings;
    private readonly long[] _written;
    private readonly double _alpha;
    private double[] _costNs;
    private long[] _lastRunBlock;

    /// <param name="workers">Worker count of the executor it will be attached to.</param>
    /// <param name="eventsPerWorker">Ring capacity per worker; older entries are overwritten.</param>
    /// <param name="ewmaAlpha">Weight of the newest measurement in the per-job cost average.</param>
    public ExecutionProfiler(int workers, int eventsPerWorker = 1 << 16, double ewmaAlpha = 0.05)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(eventsPerWorker, 16);
        _rings = new TraceEvent[workers][];
        for (int w = 0; w < workers; w++)
        {
            _rings[w] = new TraceEvent[eventsPerWorker];
        }

        _written = new long[workers * 16];
        _alpha = ewmaAlpha;
        _costNs = [];
        _lastRunBlock = [];
    }

    public int Workers => _rings.Length;

    /// <summary>Blocks recorded.</summary>
    public long Blocks { get; private set; }

    /// <summary>Blocks whose wall time exceeded their real-time duration.</summary>
    public long DeadlineMisses { get; private set; }

    /// <summary>Sizes the per-job arrays for a snapshot of <paramref name="jobs"/> jobs. Control thread only.</summary>
    public void Reset(int jobs)
    {
        _costNs = new double[jobs];
        _lastRunBlock = new long[jobs];
        Array.Clear(_written);
        Blocks = 0;
        DeadlineMisses = 0;
    }

    /// <summary>The moving-average cost of job <paramref name="job"/> in nanoseconds per block.</summary>
    public double JobCostNs(int job) => _costNs[job];

    /// <summary>Per-job costs (nanoseconds per block); the array is live, copy it to keep a snapshot.</summary>
    public ReadOnlySpan<double> JobCosts => _costNs;

    /// <summary>
    /// The measured cost of each node of <paramref name="snapshot"/> (its Node job), in nanoseconds per frame of a
    /// <paramref name="blockFrames"/>-frame block, by node id: what <see cref="Snapshots.CompileOptions.MeasuredNodeCostNsPerFrame"/>
    /// takes so the next snapshot's ranks follow real costs. Control thread only.
    /// </summary>
    public Dictionary<string, double> NodeCostsPerFrame(Snapshots.GraphSnapshot snapshot, int blockFrames)
    {
        var costs = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int j = 0; j < _costNs.Length && j < snapshot.Jobs.Length; j++)
        {
            Snapshots.JobInfo job = snapshot.Jobs[j];
            if (job.Kind == Snapshots.JobKind.Node && _lastRunBlock[j] != 0)
            {
                costs[snapshot.NodeIds[job.NodeIndex]] = _costNs[j] / blockFrames;
            }
        }

        return costs;
    }

    /// <summary>Entries of worker <paramref name="worker"/>, oldest first (at most the ring's capacity).</summary>
    public IEnumerable<TraceEvent> Events(int worker)
    {
        TraceEvent[] ring = _rings[worker];
        long written = Volatile.Read(ref _written[worker * 16]);
        long first = Math.Max(0, written - ring.Length);
        for (long i = first; i < written; i++)
        {
            yield return ring[i % ring.Length];
        }
    }

    internal void RecordJob(int worker, int job, long block, long start, long end, bool stolen)
    {
        Append(worker, new TraceEvent(stolen ? TraceEventKind.StolenJob : TraceEventKind.Job, job, block, start, end));
        double ns = (end - start) * (1e9 / Stopwatch.Frequency);
        double[] costs = _costNs;
        if ((uint)job < (uint)costs.Length)
        {
            // The first measurement seeds the average; after that, an EWMA that follows drifts in cost.
            costs[job] = _lastRunBlock[job] == 0 ? ns : costs[job] + (_alpha * (ns - costs[job]));
            _lastRunBlock[job] = block;
        }
    }

    internal void RecordBlock(long block, long start, long end, double deadlineTicks)
    {
        Append(0, new TraceEvent(TraceEventKind.Block, -1, block, start, end));
        Blocks++;
        if (end - start > deadlineTicks)
        {
            DeadlineMisses++;
        }
    }

    private void Append(int worker, in TraceEvent entry)
    {
        TraceEvent[] ring = _rings[worker];
        ref long written = ref _written[worker * 16];
        ring[written % ring.Length] = entry;

        // Release: the entry is complete before a reader sees the new count.
        Volatile.Write(ref written, written + 1);
    }
}
