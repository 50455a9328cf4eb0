namespace LiveEngine.Snapshots;

/// <summary>The stream format a snapshot is compiled for, and what it inherits.</summary>
public sealed record CompileOptions
{
    public const int MinSampleRate = 22_050;
    public const int MaxSampleRate = 192_000;
    public const int MaxBlockLimit = 4_096;
    public const int MaxChannels = 64;

    /// <summary>Frames per second, 22,050 to 192,000.</summary>
    public int SampleRate { get; init; } = 48_000;

    /// <summary>The largest block the snapshot will be asked to render, 1 to 4,096 frames.</summary>
    public int MaxBlockFrames { get; init; } = 512;

    /// <summary>Session seed: with a node's id it seeds that node's randomness, so renders repeat.</summary>
    public ulong Seed { get; init; } = 0x5EED_1E0E_D001UL;

    /// <summary>
    /// Measured cost of nodes by id, in nanoseconds per frame (see <see cref="Scheduling.ExecutionProfiler.NodeCostsPerFrame"/>):
    /// critical-path ranks use them instead of the node types' estimates. Measured on the audio path, turned into
    /// ranks here, off it, and published with the next snapshot.
    /// </summary>
    public IReadOnlyDictionary<string, double>? MeasuredNodeCostNsPerFrame { get; init; }

    /// <summary>
    /// Whether a node whose id, type definition, channels and options are unchanged keeps its instance from
    /// <see cref="Previous"/> (its state continues exactly; parameter changes glide). Default true.
    /// </summary>
    public bool ReuseUnchangedNodes { get; init; } = true;

    /// <summary>
    /// Ids under which nodes of this graph are found in <see cref="Previous"/> when they differ from their own
    /// (new id → previous id): a live change keeps a replaced node's old instance playing under another id while
    /// it fades out.
    /// </summary>
    public IReadOnlyDictionary<string, string>? PreviousIds { get; init; }

    /// <summary>
    /// Whether like chains that feed the same input run as voice banks (SIMD lanes, see
    /// <see cref="Nodes.BankDescriptor"/>). Default true. A node opts out with the option <c>bank = off</c>.
    /// Banked and unbanked renders agree within the tolerance stated in docs/performance.md, not bit for bit.
    /// </summary>
    public bool Banking { get; init; } = true;

    /// <summary>
    /// Ids of nodes placed in the real-time domain as if pinned <c>live = on</c>, though their options say nothing (so a
    /// node keeps its instance when it moves): the nodes a live session moved there because a change made "now" reached
    /// them while they were rendered ahead. Null: none.
    /// </summary>
    public IReadOnlySet<string>? LiveNodeIds { get; init; }

    /// <summary>The snapshot being replaced: nodes with the same id and type adopt its nodes' state.</summary>
    public GraphSnapshot? Previous { get; init; }

    /// <summary>
    /// Whether the new snapshot may use <see cref="Previous"/>'s buffer arena (when it is large enough) instead of a
    /// new one. Only for snapshots that are never rendered at the same time as each other, nor read after the other
    /// has rendered: a live session's, which render one at a time and copy their output at once.
    /// </summary>
    internal bool ShareArenaWithPrevious { get; init; }

    /// <summary>Where a live session keeps the job structure of its retired snapshots for the next compiles (<see cref="SnapshotArrayPool"/>); internal.</summary>
    internal SnapshotArrayPool? Pool { get; init; }

    internal void Validate()
    {
        if (SampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, $"Sample rate must be {MinSampleRate} to {MaxSampleRate} Hz.");
        }

        if (MaxBlockFrames is < 1 or > MaxBlockLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBlockFrames), MaxBlockFrames, $"Block size must be 1 to {MaxBlockLimit} frames.");
        }
    }
}
