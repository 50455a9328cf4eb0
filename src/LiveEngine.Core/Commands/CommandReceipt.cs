namespace LiveEngine.Commands;

/// <summary>
/// What a command did, for every kind: the sample it lands on (-1: none, for a variable, a sample load, an admission,
/// or an undo with nothing to undo), a second sample where it has one (a trigger's off, a ramp's end; -1 otherwise),
/// a commit's sequence number (0 otherwise) and the node types an admission registered.
/// </summary>
/// <param name="Sample">Where it lands: a commit's commit sample, a trigger's on sample, a ramp's start.</param>
/// <param name="EndSample">A trigger's off sample, a ramp's last sample plus one; -1 otherwise.</param>
/// <param name="CommitId">A commit's (or an undo's) sequence number in its session, from 1; 0 otherwise.</param>
public readonly record struct CommandReceipt(long Sample, long EndSample = -1, long CommitId = 0)
{
    /// <summary>A command that landed on no sample (a variable, a sample load, an undo with nothing to undo).</summary>
    public static CommandReceipt None => new(-1);

    /// <summary>Whether the command was scheduled on a sample (an undo with nothing to undo was not).</summary>
    public bool HasSample => Sample >= 0;

    /// <summary>The node types an <see cref="AdmitNodesCommand"/> registered; empty for every other command.</summary>
    public IReadOnlyList<string> AdmittedTypes { get; init; } = [];

    /// <summary>A commit that admission control let through over its limit (<see cref="Live.AdmissionPolicy.Warn"/>): why; null otherwise.</summary>
    public string? Warning { get; init; }
}
