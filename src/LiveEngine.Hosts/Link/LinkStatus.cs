namespace LiveEngine.Hosts.Link;

/// <summary>
/// What the follower saw at its last tick: peers, the session's tempo and start/stop, the engine's phase error
/// against the session (milliseconds, before any correction), and how many corrections it made.
/// </summary>
public sealed record LinkStatus(long Peers, double SessionTempo, bool IsPlaying, double PhaseErrorMs, long Corrections, long TempoPushes, string? LastError);
