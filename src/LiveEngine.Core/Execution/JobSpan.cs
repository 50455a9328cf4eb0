namespace LiveEngine.Execution;

/// <summary>One job as a worker ran it: in timeline block <see cref="Block"/>, from <see cref="Start"/> to <see cref="End"/> (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
public readonly record struct JobSpan(long Block, int Job, long Start, long End);
