namespace LiveEngine.CSharp;

/// <summary>The checks a user node type passes before it may join a snapshot.</summary>
public sealed record AdmissionOptions
{
    /// <summary>Stream format the node is tried at (the session's).</summary>
    public int SampleRate { get; init; } = 48_000;

    /// <summary>Block size the node is tried at (the session's largest block).</summary>
    public int BlockFrames { get; init; } = 128;

    /// <summary>
    /// Blocks run before measuring. User node methods are compiled with full optimisation on first call (the C#
    /// front end marks them AggressiveOptimization), so a few blocks settle the JIT; see docs/csharp.md.
    /// </summary>
    public int WarmUpBlocks { get; init; } = 16;

    /// <summary>Blocks over which allocation, finiteness and cost are measured.</summary>
    public int MeasuredBlocks { get; init; } = 64;

    /// <summary>A node that costs more than this per frame is rejected as too slow.</summary>
    public double MaxCostNsPerFrame { get; init; } = 2_000;

    /// <summary>Admission of one type gives up (and rejects it) after this long: a runaway loop in Process.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
}
