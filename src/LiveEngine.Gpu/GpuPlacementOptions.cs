namespace LiveEngine.Gpu;

/// <summary>How a <see cref="GpuConvolutionPlacement"/> places and waits.</summary>
public sealed record GpuPlacementOptions
{
    public GpuMode Mode { get; init; } = GpuMode.Auto;

    /// <summary>The smallest partition placed, frames: the deferred block (1,024 by default), so that a launch falls between a period's submission and its collection.</summary>
    public int MinPartitionFrames { get; init; } = 1_024;

    /// <summary>The longest the render-ahead thread waits for a launch, ms; a later launch fails the placement (CPU from then on).</summary>
    public double TimeoutMs { get; init; } = 50;
}
