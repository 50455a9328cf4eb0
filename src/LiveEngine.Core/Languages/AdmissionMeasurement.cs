namespace LiveEngine.Languages;

/// <summary>What admission measured for one node type that code defined (C# today).</summary>
/// <param name="TypeName">The node type's name.</param>
/// <param name="CostNsPerFrame">Mean time of Process per frame after warm-up, in nanoseconds (given to the scheduler).</param>
/// <param name="AllocatedBytesPerBlock">Bytes Process allocated per block after warm-up (admitted only when 0).</param>
/// <param name="WarmUpMs">Time spent warming the node up (JIT included), in milliseconds.</param>
public readonly record struct AdmissionMeasurement(string TypeName, double CostNsPerFrame, double AllocatedBytesPerBlock, double WarmUpMs);
