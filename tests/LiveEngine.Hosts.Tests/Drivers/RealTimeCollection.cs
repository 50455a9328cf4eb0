namespace LiveEngine.Tests.Hosts.Drivers;

/// <summary>
/// Tests that play in real time (null driver, engine processes) and check the pace: they run alone, after the
/// parallel ones, because on a 2-core machine two of them at once starve each other's pacing thread.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeCollection
{
    public const string Name = "Real time";
}
