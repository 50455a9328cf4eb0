namespace LiveEngine.Scheduling;

/// <summary>How the parallel executor orders ready jobs (selectable for comparison).</summary>
public enum SchedulingPolicy
{
    /// <summary>
    /// Sources are claimed in descending critical-path rank; a worker continues with the highest-ranked successor
    /// that became ready and pushes the rest; a thief steals from the deque whose oldest job ranks highest.
    /// </summary>
    CriticalPathFirst,

    /// <summary>Work stealing without priorities: index order everywhere, victims tried round-robin.</summary>
    PlainStealing,

    /// <summary>Level-synchronous: all jobs of level k (longest distance from a source) run before any of level k + 1.</summary>
    Wavefront,
}
