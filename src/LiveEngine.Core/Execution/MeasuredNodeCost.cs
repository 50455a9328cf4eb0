namespace LiveEngine.Execution;

/// <summary>
/// A node's measured time per block over the blocks of a <see cref="TimelineReading"/> that ran it: the mean and the
/// largest, in nanoseconds (a voice bank and a mix step count as their own entries).
/// </summary>
public readonly record struct MeasuredNodeCost(string Node, double MeanNs, double MaxNs, int Blocks);
