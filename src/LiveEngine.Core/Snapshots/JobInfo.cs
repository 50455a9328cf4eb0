namespace LiveEngine.Snapshots;

/// <summary>One unit of scheduled work in a snapshot.</summary>
/// <param name="Kind">What the job runs.</param>
/// <param name="NodeIndex">The node it belongs to; for a mix job, the node whose input it sums.</param>
/// <param name="InputStart">Index of its first input channel in <see cref="GraphSnapshot.ChannelOffsets"/>.</param>
/// <param name="InputCount">Number of input channels.</param>
/// <param name="OutputStart">Index of its first output channel in <see cref="GraphSnapshot.ChannelOffsets"/>.</param>
/// <param name="OutputCount">Number of output channels.</param>
/// <param name="CostNsPerFrame">Estimated cost, for critical-path ranks.</param>
/// <param name="BankIndex">For a bank job, its index in <see cref="GraphSnapshot.Banks"/> (its node is the first lane's last stage); else -1.</param>
public readonly record struct JobInfo(JobKind Kind, int NodeIndex, int InputStart, int InputCount, int OutputStart, int OutputCount, double CostNsPerFrame, int BankIndex = -1);
