using LiveEngine.Snapshots;

namespace LiveEngine.Live;

/// <summary>
/// A parameter value that lands at an exact sample, resolved on the control side to a slot of the snapshot
/// that will be playing then. Plain data in preallocated rings: nothing is allocated to deliver it.
/// </summary>
internal readonly record struct ParameterEvent(long Sample, long Sequence, GraphSnapshot Snapshot, int Index, float Value);
