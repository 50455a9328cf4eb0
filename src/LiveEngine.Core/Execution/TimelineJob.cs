namespace LiveEngine.Execution;

/// <summary>
/// One job of a <see cref="TimelineReading"/>: the worker that ran it, its block, what it is (<see cref="Label"/>, as
/// <see cref="Snapshots.GraphSnapshot.DescribeJob"/> says; <see cref="Node"/>, the node the cost table counts it for),
/// its span in nanoseconds from the reading's first block, and whether it lies on its block's measured critical path.
/// </summary>
public readonly record struct TimelineJob(int Worker, long Block, string Label, string Node, double StartNs, double EndNs, bool Critical);
