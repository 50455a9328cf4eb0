using System.Diagnostics;
using LiveEngine.Execution;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Admission;

/// <summary>
/// Measured costs of the kinds of job a snapshot holds, learned from per-job timings of snapshots that ran
/// (<see cref="JobTimings"/>: a bench pass, the profiler, the trial measurement of <see cref="CostPredictor"/>): a node
/// job costs so many nanoseconds per frame and channel of its node type, a voice bank so many per frame and lane
/// of its kind and length, a mix add so many per frame and channel. A type that no measurement covers falls back
/// on its descriptor's <see cref="NodeTypeDescriptor.CostNsPerFrame"/>, which for C# user node types is the cost
/// their admission measured. Control side; calls are serialised by a lock (learning and reading are rare).
/// </summary>
public sealed class JobCostTable
{
    private readonly object _gate = new();

    // Node jobs by descriptor identity, so a type redefined under the same name is measured again.
    private readonly Dictionary<NodeTypeDescriptor, double> _nodeNsPerChannelFrame = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<NodeTypeDescriptor, double> _feedbackWriteNsPerChannelFrame = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(string Kind, int NodesPerLane), double> _bankNsPerLaneFrame = [];
    private double _mixNsPerChannelFrame = double.NaN;
    private readonly Dictionary<int, SchedulerCosts> _schedulerByThreads = [];

    /// <summary>The block size the costs were learned at (frames); 0 before the first measurement.</summary>
    public int LearnedBlockFrames { get; private set; }

    /// <summary>
    /// The measured scheduling costs for <paramref name="threads"/> workers (<see cref="CostPredictor.MeasureScheduler"/>);
    /// false for one worker (no scheduler runs) and before a measurement.
    /// </summary>
    public bool TryGetSchedulerCosts(int threads, out SchedulerCosts costs)
    {
        lock (_gate)
        {
            return _schedulerByThreads.TryGetValue(threads, out costs);
        }
    }

    /// <summary>Whether a prediction for <paramref name="threads"/> workers has what it needs about the scheduler: one worker, or costs measured for that many.</summary>
    public bool KnowsScheduler(int threads) => threads <= 1 || TryGetSchedulerCosts(threads, out _);

    /// <summary>Keeps <paramref name="costs"/> for their worker count, replacing an earlier measurement.</summary>
    public void LearnScheduler(SchedulerCosts costs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(costs.Threads, 2);
        lock (_gate)
        {
            _schedulerByThreads[costs.Threads] = costs;
        }
    }

    /// <summary>Whether every job of <paramref name="snapshot"/> has a measured cost here.</summary>
    public bool Covers(GraphSnapshot snapshot) => CoversBelow(snapshot, int.MaxValue);

    /// <summary>
    /// Whether every job of <paramref name="snapshot"/> has a measured cost here, leaving out the node's own jobs (not its
    /// mixes) of nodes at index <paramref name="nodeCount"/> and above: for a transition graph, whose own nodes (old
    /// instances, crossfades) follow those of the graph it leads to, whether that graph's kinds of job are all measured.
    /// </summary>
    internal bool CoversBelow(GraphSnapshot snapshot, int nodeCount)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            for (int j = 0; j < snapshot.Jobs.Length; j++)
            {
                JobInfo job = snapshot.Jobs[j];
                if (job.NodeIndex >= nodeCount && job.Kind is JobKind.Node or JobKind.FeedbackWrite)
                {
                    continue;
                }

                if (!TryNsPerUnitFrameLocked(snapshot, j, out _, out _))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Learns the costs of <paramref name="snapshot"/>'s jobs from <paramref name="timings"/>, measured at
    /// <paramref name="blockFrames"/> frames per block: per kind, the total time over the total units (so one job
    /// that was preempted counts less than it would alone), times <paramref name="scale"/> (the ratio of a plain block's
    /// time to the sum of its jobs' timed costs). A kind measured again is replaced.
    /// </summary>
    public void Learn(GraphSnapshot snapshot, JobTimings timings, int blockFrames, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockFrames, 1);
        var sums = new Dictionary<object, (double Ns, double Units)>();
        for (int j = 0; j < snapshot.Jobs.Length; j++)
        {
            object key = KeyOf(snapshot, j, out double units);
            (double ns, double sumUnits) = sums.GetValueOrDefault(key);
            sums[key] = (ns + (timings.MeanNs(j) * scale), sumUnits + units);
        }

        lock (_gate)
        {
            foreach ((object key, (double ns, double units)) in sums)
            {
                double perUnitFrame = units <= 0 ? 0 : ns / units / blockFrames;
                switch (key)
                {
                    case NodeTypeDescriptor type:
                        _nodeNsPerChannelFrame[type] = perUnitFrame;
                        break;
                    case FeedbackWriteKey write:
                        _feedbackWriteNsPerChannelFrame[write.Type] = perUnitFrame;
                        break;
                    case ValueTuple<string, int> bank:
                        _bankNsPerLaneFrame[bank] = perUnitFrame;
                        break;
                    default:
                        _mixNsPerChannelFrame = perUnitFrame;
                        break;
                }
            }

            LearnedBlockFrames = blockFrames;
        }
    }

    /// <summary>
    /// The cost of job <paramref name="job"/> of <paramref name="snapshot"/> for one block of <paramref name="frames"/>
    /// frames, in nanoseconds, and whether it was measured (false: the node type's estimate).
    /// </summary>
    public double JobNs(GraphSnapshot snapshot, int job, int frames, out bool measured)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            measured = TryNsPerUnitFrameLocked(snapshot, job, out double perUnitFrame, out double units);
            if (measured)
            {
                return perUnitFrame * units * frames;
            }
        }

        return snapshot.Jobs[job].CostNsPerFrame * frames;
    }

    private bool TryNsPerUnitFrameLocked(GraphSnapshot snapshot, int job, out double perUnitFrame, out double units)
    {
        object key = KeyOf(snapshot, job, out units);
        switch (key)
        {
            case NodeTypeDescriptor type:
                return _nodeNsPerChannelFrame.TryGetValue(type, out perUnitFrame);
            case FeedbackWriteKey write:
                return _feedbackWriteNsPerChannelFrame.TryGetValue(write.Type, out perUnitFrame);
            case ValueTuple<string, int> bank:
                return _bankNsPerLaneFrame.TryGetValue(bank, out perUnitFrame);
            default:
                perUnitFrame = _mixNsPerChannelFrame;
                return !double.IsNaN(perUnitFrame);
        }
    }

    private static object KeyOf(GraphSnapshot snapshot, int job, out double units)
    {
        JobInfo info = snapshot.Jobs[job];
        switch (info.Kind)
        {
            case JobKind.Node:
                NodeTypeDescriptor type = snapshot.NodeTypes[info.NodeIndex];
                units = snapshot.NodeChannels[info.NodeIndex];
                if (type.CostModel is not null && type.CostNsPerFrame > 0)
                {
                    // A type whose cost follows its options (a convolution's response length): a node weighs its estimate
                    // over the plain one, so a cost measured on a short response predicts a long one.
                    units *= info.CostNsPerFrame / type.CostNsPerFrame;
                }

                return type;
            case JobKind.FeedbackWrite:
                units = snapshot.NodeChannels[info.NodeIndex];
                return new FeedbackWriteKey(snapshot.NodeTypes[info.NodeIndex]);
            case JobKind.Bank:
                BankInfo bank = snapshot.Banks[info.BankIndex];
                units = bank.LaneCount;
                return (bank.Name, bank.LaneNodes[0].Length);
            default:
                Debug.Assert(info.Kind == JobKind.Mix, "A new job kind needs its own cost key.");
                units = info.OutputCount;
                return MixKey.Instance;
        }
    }

    private sealed record FeedbackWriteKey(NodeTypeDescriptor Type);

    private sealed class MixKey
    {
        public static readonly MixKey Instance = new();
    }
}
