namespace LiveEngine.Live;

/// <summary>
/// A parameter event not yet landed, in the user's terms (node id and parameter name), kept on the control side
/// so that a commit queued after it, landing before it, can resolve it again against the snapshot that will be
/// playing on its sample. Control thread only.
/// </summary>
internal readonly record struct ScheduledParameter(long Sample, long Sequence, string NodeId, string Parameter, double Value, ControllerLane? Lane, double Position);
