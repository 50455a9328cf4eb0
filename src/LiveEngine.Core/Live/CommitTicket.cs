using LiveEngine.Snapshots;

namespace LiveEngine.Live;

/// <summary>
/// One committed transaction: the snapshot it publishes and when it lands. The audio side fills in
/// <see cref="AppliedAtSample"/> when it swaps the snapshot in, so callers can check that it landed on time.
/// </summary>
public sealed class CommitTicket
{
    private long _appliedAtSample = -1;

    internal CommitTicket(long id, GraphSnapshot snapshot, long commitSample)
    {
        Id = id;
        Snapshot = snapshot;
        CommitSample = commitSample;
    }

    /// <summary>Sequence number of the commit in its session, from 1.</summary>
    public long Id { get; }

    public GraphSnapshot Snapshot { get; }

    /// <summary>The sample at which the change was scheduled to land.</summary>
    public long CommitSample { get; }

    /// <summary>Admission control's prediction of the graph's real-time block time; null when admission is off.</summary>
    public Admission.CostPrediction? Prediction { get; internal set; }

    /// <summary>Why admission control let the commit through over its limit (<see cref="AdmissionPolicy.Warn"/>); null otherwise.</summary>
    public string? Warning { get; internal set; }

    /// <summary>The sample at which the audio side swapped it in, or -1 while it is pending.</summary>
    public long AppliedAtSample => Volatile.Read(ref _appliedAtSample);

    public bool IsApplied => AppliedAtSample >= 0;

    /// <summary>True once the control side has withdrawn the commit (a graph swap that a later commit made moot).</summary>
    public bool IsCancelled => Volatile.Read(ref _cancelled) != 0;

    private int _cancelled;

    /// <summary>Control thread: withdraws a commit that has not landed; the audio side skips it.</summary>
    internal void Cancel() => Volatile.Write(ref _cancelled, 1);

    /// <summary>Audio thread: records the swap. A release store, read by the control thread.</summary>
    internal void MarkApplied(long sample) => Volatile.Write(ref _appliedAtSample, sample);
}
