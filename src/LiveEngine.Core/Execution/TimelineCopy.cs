using LiveEngine.Snapshots;

namespace LiveEngine.Execution;

/// <summary>
/// A reusable copy of a <see cref="JobTimeline"/>'s last blocks: the block spans and their snapshots, every job of
/// them with its worker, and whether it lies on its block's critical path (the costliest chain through the job
/// graph with the times measured in that block). <see cref="Read"/> allocates nothing once its arrays have grown to
/// the graph's size, so an engine can answer a page's 30-60 reads a second without garbage. One control thread at a
/// time; entries the workers overwrote while it copied are left out.
/// </summary>
public sealed class TimelineCopy
{
    private readonly JobTimeline _timeline;
    private readonly BlockSpan[] _blocks;
    private readonly GraphSnapshot?[] _snapshots;
    private int _blockCount;

    private int[] _workers = new int[256];
    private JobSpan[] _jobs = new JobSpan[256];
    private bool[] _critical = new bool[256];
    private int _jobCount;

    // Critical-path scratch, sized for the largest snapshot seen.
    private double[] _cost = new double[64];
    private double[] _levels = new double[64];
    private int[] _next = new int[64];
    private bool[] _onPath = new bool[64];

    public TimelineCopy(JobTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        _timeline = timeline;
        _blocks = new BlockSpan[timeline.MaxReadBlocks];
        _snapshots = new GraphSnapshot?[timeline.MaxReadBlocks];
    }

    public int Workers => _timeline.Workers;

    /// <summary>Blocks copied by the last <see cref="Read"/>, oldest first.</summary>
    public int BlockCount => _blockCount;

    /// <summary>Jobs copied by the last <see cref="Read"/>, in no particular order.</summary>
    public int JobCount => _jobCount;

    public BlockSpan Block(int index) => _blocks[index];

    /// <summary>The snapshot block <paramref name="index"/> ran.</summary>
    public GraphSnapshot BlockSnapshot(int index) => _snapshots[index]!;

    public JobSpan Job(int index) => _jobs[index];

    public int JobWorker(int index) => _workers[index];

    public bool JobCritical(int index) => _critical[index];

    /// <summary>The index (in this copy) of job <paramref name="index"/>'s block.</summary>
    public int JobBlock(int index) => (int)(_jobs[index].Block - _blocks[0].Block);

    /// <summary>Nanoseconds from the first block's start to <paramref name="ticks"/>.</summary>
    public double Ns(long ticks) => JobTimeline.ToNs(ticks - _blocks[0].Start);

    /// <summary>Copies the last <paramref name="blocks"/> blocks (at most <see cref="JobTimeline.MaxReadBlocks"/>) and marks each one's critical path.</summary>
    public void Read(int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        _blockCount = _timeline.CopyBlocks(Math.Min(blocks, _blocks.Length), _blocks, _snapshots);
        _jobCount = 0;
        if (_blockCount == 0)
        {
            return;
        }

        long lowest = _blocks[0].Block;
        long highest = _blocks[_blockCount - 1].Block;
        for (int w = 0; w < _timeline.Workers; w++)
        {
            while (true)
            {
                int copied = _timeline.CopyJobs(w, lowest, highest, _jobs.AsSpan(_jobCount));
                if (copied >= 0)
                {
                    _workers.AsSpan(_jobCount, copied).Fill(w);
                    _jobCount += copied;
                    break;
                }

                Grow(_jobCount + _timeline.JobsPerWorker);
            }
        }

        for (int b = 0; b < _blockCount; b++)
        {
            MarkCriticalPath(b);
        }
    }

    /// <summary>What the copy holds, as a <see cref="TimelineReading"/> (allocates: for the front and for tests).</summary>
    public TimelineReading ToReading()
    {
        var blocks = new TimelineBlock[_blockCount];
        for (int b = 0; b < _blockCount; b++)
        {
            BlockSpan span = _blocks[b];
            blocks[b] = new TimelineBlock(span.Block, Ns(span.Start), Ns(span.End), span.Frames, span.Frames * 1e9 / _snapshots[b]!.SampleRate, span.Serial);
        }

        var jobs = new List<TimelineJob>(_jobCount);
        for (int j = 0; j < _jobCount; j++)
        {
            GraphSnapshot snapshot = _snapshots[JobBlock(j)]!;
            JobSpan span = _jobs[j];
            JobInfo job = snapshot.Jobs[span.Job];
            string? bank = job.Kind == JobKind.Bank ? snapshot.Banks[job.BankIndex].Name : null;
            int lanes = job.Kind == JobKind.Bank ? snapshot.Banks[job.BankIndex].LaneCount : 0;
            string id = snapshot.NodeIds[job.NodeIndex];
            jobs.Add(new TimelineJob(_workers[j], span.Block, TimelineReading.Label(job.Kind, id, span.Job, bank, lanes), TimelineReading.CostKey(job.Kind, id, span.Job, bank, lanes), Ns(span.Start), Ns(span.End), _critical[j]));
        }

        return TimelineReading.FromJobs(Workers, blocks, jobs);
    }

    private void MarkCriticalPath(int block)
    {
        GraphSnapshot snapshot = _snapshots[block]!;
        int n = snapshot.Jobs.Length;
        if (_cost.Length < n)
        {
            int size = Math.Max(n, _cost.Length * 2);
            _cost = new double[size];
            _levels = new double[size];
            _next = new int[size];
            _onPath = new bool[size];
        }

        Span<double> cost = _cost.AsSpan(0, n);
        cost.Clear();
        long number = _blocks[block].Block;
        for (int j = 0; j < _jobCount; j++)
        {
            if (_jobs[j].Block == number && (uint)_jobs[j].Job < (uint)n)
            {
                cost[_jobs[j].Job] += _jobs[j].End - _jobs[j].Start;
            }
        }

        // Bottom levels, then the path from the highest (the last job in topological order of those with the largest).
        int[] order = snapshot.TopologicalOrder;
        LiveEngine.Snapshots.CriticalPath.BottomLevels(order, snapshot.SuccessorStarts, snapshot.Successors, cost, _levels, _next);
        int head = -1;
        double span = 0;
        for (int k = order.Length - 1; k >= 0; k--)
        {
            int j = order[k];
            if (_levels[j] > span)
            {
                span = _levels[j];
                head = j;
            }
        }

        Span<bool> onPath = _onPath.AsSpan(0, n);
        onPath.Clear();
        for (int j = head; j >= 0; j = _next[j])
        {
            onPath[j] = true;
        }

        for (int j = 0; j < _jobCount; j++)
        {
            if (_jobs[j].Block == number)
            {
                _critical[j] = (uint)_jobs[j].Job < (uint)n && onPath[_jobs[j].Job];
            }
        }
    }

    private void Grow(int size)
    {
        Array.Resize(ref _jobs, Math.Max(size, _jobs.Length * 2));
        Array.Resize(ref _workers, _jobs.Length);
        Array.Resize(ref _critical, _jobs.Length);
    }
}
