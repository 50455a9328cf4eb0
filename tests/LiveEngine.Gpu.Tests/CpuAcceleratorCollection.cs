namespace LiveEngine.Gpu.Tests;

/// <summary>
/// The test classes that run ILGPU's CPU accelerator, one at a time: it spreads each launch over every core, so two
/// classes at once would push each other's launches past the time limits some tests set (200 ms, 2 s) on a loaded machine.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CpuAcceleratorCollection
{
    public const string Name = "CPU accelerator";
}
