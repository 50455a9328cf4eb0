using LiveEngine.Snapshots;

namespace LiveEngine.Live;

/// <summary>
/// A parameter value that lands at an exact sample, resolved on the control side to a slot of the snapshot
/// that will be playing then. Plain data in preallocated rings: nothing is allocated to deliver it.
/// A controller event has a <see cref="Lane"/>: with <see cref="Index"/> ≥ 0 it moves the lane to the normalised
/// <see cref="Position"/> (the render thread maps, smooths and soft-takes-over, <see cref="ControllerLanes"/>); with
/// <see cref="Index"/> &lt; 0 it (re)binds the lane, which starts from scratch.
/// </summary>
internal readonly record struct ParameterEvent(long Sample, long Sequence, GraphSnapshot Snapshot, int Index, float Value, ControllerLane? Lane = null, double Position = 0);
