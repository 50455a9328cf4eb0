using LiveEngine.Buffers;
using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// An immutable, compiled graph: flat job array, successor lists (CSR), dependency counts, a topological
/// order, critical-path ranks and levels, and buffer assignments in one aligned arena. Built by
/// <see cref="GraphCompiler"/> off the audio thread; executors only read it (apart from the node
/// instances' own state, the parameter values and the fault flags, which the audio side owns).
/// </summary>
public sealed class GraphSnapshot
{
    private readonly Dictionary<string, int> _nodeIndexById;

    internal GraphSnapshot(
        int sampleRate,
        int maxBlockFrames,
        string[] nodeIds,
        NodeTypeDescriptor[] nodeTypes,
        AudioNode[] nodes,
        int[] parameterStarts,
        float[] parameterValues,
        JobInfo[] jobs,
        int[] channelOffsets,
        int[] successorStarts,
        int[] successors,
        int[] dependencyCounts,
        int[] topologicalOrder,
        double[] ranks,
        int[] levels,
        AlignedBufferArena arena,
        int[] outputOffsets,
        int[] nodeChannels,
        IReadOnlyDictionary<string, string>[] nodeOptions,
        bool[] nodeReused,
        BankProcessor[] bankProcessors,
        BankInfo[] banks,
        Dictionary<string, int>? nodeIndexById = null,
        IReadOnlySet<string>? liveNodeIds = null)
    {
        BankProcessors = bankProcessors;
        Banks = banks;
        BankArray = banks;
        NodeChannels = nodeChannels;
        NodeChannelArray = nodeChannels;
        NodeOptions = nodeOptions;
        NodeOptionArray = nodeOptions;
        NodeReused = nodeReused;
        SampleRate = sampleRate;
        MaxBlockFrames = maxBlockFrames;
        NodeIds = nodeIds;
        NodeIdArray = nodeIds;
        NodeTypes = nodeTypes;
        NodeTypeArray = nodeTypes;
        Nodes = nodes;
        ParameterStarts = parameterStarts;
        ParameterValues = parameterValues;
        Jobs = jobs;
        ChannelOffsets = channelOffsets;
        SuccessorStarts = successorStarts;
        Successors = successors;
        DependencyCounts = dependencyCounts;
        TopologicalOrder = topologicalOrder;
        Ranks = ranks;
        Levels = levels;
        Arena = arena;
        OutputOffsets = outputOffsets;
        NodeFaulted = new int[nodes.Length];
        NodeExceptions = new Exception?[nodes.Length];
        NodeUntrusted = new bool[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            NodeUntrusted[i] = (nodeTypes[i].Flags & NodeTypeFlags.Untrusted) != 0;
        }

        NonFiniteOutputFault = NodeUntrusted.Contains(true) ? new NonFiniteOutputException() : null;
        bool[] nodeIsLive = AssignDomains(nodeTypes, nodeOptions, jobs, topologicalOrder, successorStarts, successors, honourPins: true, out bool[] jobIsLive, out bool anyLive, nodeIds, liveNodeIds);
        NodeIsLive = nodeIsLive;
        NodeIsLiveArray = nodeIsLive;
        JobIsLive = jobIsLive;
        IsDeferrable = !anyLive;

        // Shared with the previous snapshot when the node ids are the same (it is never changed).
        if (nodeIndexById is null)
        {
            nodeIndexById = new Dictionary<string, int>(nodeIds.Length, StringComparer.Ordinal);
            for (int i = 0; i < nodeIds.Length; i++)
            {
                nodeIndexById[nodeIds[i]] = i;
            }
        }

        _nodeIndexById = nodeIndexById;
        Hybrid = HybridPlan.TryCreate(this);
    }

    /// <summary>How render-ahead splits this snapshot into its deferred and live jobs; null when it has no live node or cannot be split.</summary>
    internal HybridPlan? Hybrid { get; }

    /// <summary>Whether render-ahead can split this snapshot: its deferred jobs rendered ahead, its live jobs one device block ahead.</summary>
    public bool IsSplit => Hybrid is not null;

    /// <summary>Jobs the executor passes over (<see cref="Execution.JobRunner.Run"/>): the live jobs while render-ahead renders the deferred ones. Render thread.</summary>
    internal bool[]? SkippedJobs { get; set; }

    /// <summary>The banks as the array <see cref="Banks"/> reads (never changed: a snapshot of the same structure shares it).</summary>
    internal BankInfo[] BankArray { get; }

    /// <summary>What the snapshot was compiled from, for a later compile of the same structure; null if not recorded.</summary>
    internal SnapshotStructure? Structure { get; init; }

    /// <summary>
    /// In a live session, the banks of the snapshot this one replaced that it did not use: a transition graph, whose
    /// crossfades split lanes, keeps the banks of the graph before it for the graph after it. Control thread only.
    /// </summary>
    internal FormedBank[] SpareBanks { get; init; } = [];

    /// <summary>The node table as the arrays <see cref="NodeIds"/>, <see cref="NodeTypes"/>, <see cref="NodeChannels"/> and <see cref="NodeOptions"/> read (never changed), for the compiler's loops over every node.</summary>
    internal string[] NodeIdArray { get; }

    /// <inheritdoc cref="NodeIdArray"/>
    internal NodeTypeDescriptor[] NodeTypeArray { get; }

    /// <inheritdoc cref="NodeIdArray"/>
    internal int[] NodeChannelArray { get; }

    /// <inheritdoc cref="NodeIdArray"/>
    internal IReadOnlyDictionary<string, string>[] NodeOptionArray { get; }

    /// <summary>Node index by id; never changed once made, so a later snapshot with the same ids shares it.</summary>
    internal Dictionary<string, int> NodeIndexById => _nodeIndexById;

    public int SampleRate { get; }

    public int MaxBlockFrames { get; }

    /// <summary>Node identities, by node index.</summary>
    public IReadOnlyList<string> NodeIds { get; }

    public IReadOnlyList<NodeTypeDescriptor> NodeTypes { get; }

    /// <summary>Each node's channel count.</summary>
    public IReadOnlyList<int> NodeChannels { get; }

    /// <summary>Each node's options, as compiled.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> NodeOptions { get; }

    /// <summary>True for a node whose instance was carried over unchanged from the previous snapshot.</summary>
    public IReadOnlyList<bool> NodeReused { get; }

    /// <summary>
    /// Prepared node instances, by node index. The audio side owns their state. An instance carried over from
    /// the previous snapshot is shared with it: only one of the two may be rendered at a time.
    /// </summary>
    public AudioNode[] Nodes { get; }

    /// <summary>Index of each node's first parameter in <see cref="ParameterValues"/>; one extra entry ends the last node.</summary>
    public int[] ParameterStarts { get; }

    /// <summary>Current parameter values of all nodes, node after node.</summary>
    public float[] ParameterValues { get; }

    public JobInfo[] Jobs { get; }

    /// <summary>Arena offsets (in floats) of every job's input channels and output channels.</summary>
    public int[] ChannelOffsets { get; }

    /// <summary>Successors of job j are <c>Successors[SuccessorStarts[j]..SuccessorStarts[j + 1]]</c>.</summary>
    public int[] SuccessorStarts { get; }

    public int[] Successors { get; }

    /// <summary>Number of distinct predecessor jobs of each job: a block's dependency counters start here.</summary>
    public int[] DependencyCounts { get; }

    /// <summary>Jobs in an order in which every job follows all its predecessors; deterministic for a description.</summary>
    public int[] TopologicalOrder { get; }

    /// <summary>Critical-path rank (bottom level) of each job: its cost plus the costliest path after it.</summary>
    public double[] Ranks { get; }

    /// <summary>Longest distance in jobs from a source, for level-synchronous (wavefront) execution.</summary>
    public int[] Levels { get; }

    public AlignedBufferArena Arena { get; }

    /// <summary>Arena offsets of the graph output's channels; empty when the graph has no output node.</summary>
    public int[] OutputOffsets { get; }

    /// <summary>The voice banks' processors, by bank index (<see cref="JobInfo.BankIndex"/>). Audio side only.</summary>
    public BankProcessor[] BankProcessors { get; }

    /// <summary>The voice banks, by bank index: their lanes' nodes and their jobs.</summary>
    public IReadOnlyList<BankInfo> Banks { get; }

    /// <summary>Nonzero for a node whose Process threw: it is silenced from then on. Audio side writes, control side reads.</summary>
    public int[] NodeFaulted { get; }

    /// <summary>The exception that silenced each faulted node, for the control plane to report.</summary>
    public Exception?[] NodeExceptions { get; }

    /// <summary>True for a node of an untrusted type (user code): its outputs are scanned for NaN and infinity after every block.</summary>
    internal bool[] NodeUntrusted { get; }

    /// <summary>
    /// The fault stored for an untrusted node silenced for a non-finite output: made here, because creating it on
    /// the audio thread would allocate. Null when the snapshot has no untrusted node.
    /// </summary>
    internal NonFiniteOutputException? NonFiniteOutputFault { get; }

    public int OutputChannels => OutputOffsets.Length;

    /// <summary>
    /// The domain of each node: true for the real-time domain (a node of a <see cref="NodeTypeFlags.LiveInput"/> type, a
    /// node pinned live with the option <c>live = on</c>, a node among <see cref="CompileOptions.LiveNodeIds"/>, and
    /// everything they feed), false for the deferred domain.
    /// </summary>
    public IReadOnlyList<bool> NodeIsLive { get; }

    /// <summary>The domain of each job: true for the real-time domain (its node is live, or it follows a live job).</summary>
    internal bool[] JobIsLive { get; }

    /// <summary><see cref="NodeIsLive"/> as an array, for the render path.</summary>
    internal bool[] NodeIsLiveArray { get; }

    /// <summary>Whether no node is live: the whole snapshot may be rendered ahead of the device.</summary>
    public bool IsDeferrable { get; }

    /// <summary>The node option that pins a node (and what it feeds) to the real-time domain: <c>live = on</c>.</summary>
    public const string LiveOption = "live";

    /// <summary>The meters and node scope the jobs write (<see cref="Live.NodeProbe"/>), or null; set by the renderer before each segment.</summary>
    internal Live.NodeProbe? Probe { get; set; }

    /// <summary>Where the executor records each job's start and end (<see cref="Execution.JobTimeline"/>), or null; set by the renderer before each segment.</summary>
    internal Execution.JobTimeline? Timeline { get; set; }

    /// <summary>An executor's per-snapshot run state, attached when the executor prepares the snapshot.</summary>
    internal object? ExecutionState { get; set; }

    /// <summary>
    /// The domain of each job as <see cref="JobIsLive"/> would be with no node pinned live (only live-input types and what
    /// they feed): what admission control offers when a pin puts the graph over the real-time limit. Control thread.
    /// </summary>
    internal bool[] JobsLiveWithoutPins()
    {
        var types = new NodeTypeDescriptor[NodeTypes.Count];
        var options = new IReadOnlyDictionary<string, string>[NodeOptions.Count];
        for (int n = 0; n < types.Length; n++)
        {
            types[n] = NodeTypes[n];
            options[n] = NodeOptions[n];
        }

        AssignDomains(types, options, Jobs, TopologicalOrder, SuccessorStarts, Successors, honourPins: false, out bool[] jobIsLive, out _);
        return jobIsLive;
    }

    /// <summary>Whether node <paramref name="nodeIndex"/> carries the option <c>live = on</c>.</summary>
    public bool IsPinnedLive(int nodeIndex) => NodeOptions[nodeIndex].TryGetValue(LiveOption, out string? pin) && pin is "on" or "true" or "1";

    private static bool[] AssignDomains(NodeTypeDescriptor[] types, IReadOnlyList<IReadOnlyDictionary<string, string>> options, JobInfo[] jobs, int[] order, int[] successorStarts, int[] successors, bool honourPins, out bool[] jobLive, out bool anyLive, string[]? ids = null, IReadOnlySet<string>? movedLive = null)
    {
        var nodeLive = new bool[types.Length];
        jobLive = new bool[jobs.Length];
        anyLive = false;
        for (int n = 0; n < types.Length; n++)
        {
            nodeLive[n] = (types[n].Flags & NodeTypeFlags.LiveInput) != 0
                || (honourPins && options[n].TryGetValue(LiveOption, out string? pin) && pin is "on" or "true" or "1")
                || (honourPins && movedLive is not null && ids is not null && movedLive.Contains(ids[n]));
        }

        // Live flows downstream: a job is live if its node is, or any predecessor is. A node with a live job is live
        // with all its jobs (a feedback node's read job comes before its write job): repeat until nothing changes.
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (int j in order)
            {
                bool live = jobLive[j] || nodeLive[jobs[j].NodeIndex];
                if (!live)
                {
                    continue;
                }

                changed |= !jobLive[j] || !nodeLive[jobs[j].NodeIndex];
                jobLive[j] = true;
                nodeLive[jobs[j].NodeIndex] = true;
                for (int s = successorStarts[j]; s < successorStarts[j + 1]; s++)
                {
                    changed |= !jobLive[successors[s]];
                    jobLive[successors[s]] = true;
                }
            }
        }

        for (int n = 0; n < nodeLive.Length; n++)
        {
            anyLive |= nodeLive[n];
        }

        return nodeLive;
    }

    /// <summary>The node with identity <paramref name="id"/>, or -1.</summary>
    public int IndexOfNode(string id) => _nodeIndexById.TryGetValue(id, out int index) ? index : -1;

    /// <summary>The parameter values of node <paramref name="nodeIndex"/>.</summary>
    public Span<float> GetParameters(int nodeIndex) =>
        ParameterValues.AsSpan(ParameterStarts[nodeIndex], ParameterStarts[nodeIndex + 1] - ParameterStarts[nodeIndex]);

    /// <summary>Output channel <paramref name="channel"/> of the last block rendered. Valid until the next block.</summary>
    public unsafe ReadOnlySpan<float> GetOutput(int channel, int frames) => new(Arena.BasePointer + OutputOffsets[channel], frames);

    /// <summary>
    /// The voice banks, one line per kind and consumer ("16 × saw>rlpf>gain>pan → out: 1024 voices in lanes of 64 …"),
    /// or "none". For <c>:graph</c> and <c>bench</c>. Control thread.
    /// </summary>
    public string DescribeBanks()
    {
        if (Banks.Count == 0)
        {
            return "none";
        }

        var lines = new List<string>();
        foreach (IGrouping<(string Name, int Consumer), BankInfo> kind in Banks.GroupBy(b => (b.Name, b.ConsumerNode)))
        {
            int voices = kind.Sum(b => b.LaneCount);
            string sizes = string.Join(" ", kind.Select(b => b.LaneCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            lines.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kind.Count()} × {kind.Key.Name} → {NodeIds[kind.Key.Consumer]}: {voices} voices in lanes of {sizes}"));
        }

        return string.Join("\n", lines);
    }

    /// <summary>A readable name of job <paramref name="jobIndex"/> for traces and tables.</summary>
    public string DescribeJob(int jobIndex)
    {
        JobInfo job = Jobs[jobIndex];
        string id = NodeIds[job.NodeIndex];
        return job.Kind switch
        {
            JobKind.Mix => $"mix→{id}#{jobIndex}",
            JobKind.FeedbackWrite => $"{id}(write)",
            JobKind.Bank => $"bank[{Banks[job.BankIndex].Name} ×{Banks[job.BankIndex].LaneCount}]@{id}",
            _ => id,
        };
    }
}
