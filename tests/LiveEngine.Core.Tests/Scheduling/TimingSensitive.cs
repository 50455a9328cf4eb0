namespace LiveEngine.Tests.Scheduling;

/// <summary>
/// Tests whose outcome depends on wall-clock time (the watchdog, the measured serial/parallel choice) run alone:
/// on a 2-core machine, other test classes running beside them would preempt workers for longer than a timeout.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "Timing-sensitive scheduler tests";
}
