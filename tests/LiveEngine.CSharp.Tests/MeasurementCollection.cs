namespace LiveEngine.CSharp.Tests;

/// <summary>
/// Tests that measure the whole process (latency percentiles, heap and working set) run alone: tests of other classes
/// running beside them would load the two cores and allocate into the same heap.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "Measurements";
}
