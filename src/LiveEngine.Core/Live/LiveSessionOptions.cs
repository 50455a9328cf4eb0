using LiveEngine.Time;

namespace LiveEngine.Live;

/// <summary>The stream format and musical defaults of a live session.</summary>
public sealed record LiveSessionOptions
{
    public int SampleRate { get; init; } = 48_000;

    /// <summary>The largest block the audio side will render.</summary>
    public int MaxBlockFrames { get; init; } = 128;

    /// <summary>Channels the host plays; a snapshot with fewer outputs leaves the rest silent.</summary>
    public int OutputChannels { get; init; } = 2;

    public Fraction Tempo { get; init; } = 120;

    public int BeatsPerBar { get; init; } = 4;

    public ulong Seed { get; init; } = 0x5EED_1E0E_D001UL;

    /// <summary>
    /// Where the session starts: its first sample, beat and bar (all 0 by default). An engine that takes over a
    /// performance from one that died starts where that one was, so that beats, bars and sample times go on.
    /// </summary>
    public TempoOrigin Origin { get; init; }

    /// <summary>
    /// Length of the equal-power crossfade from a replaced node's old instance to its new one, and of a removed
    /// node's fade-out, in milliseconds. 0 switches at the commit sample.
    /// </summary>
    public double CrossfadeMs { get; init; } = 20;

    /// <summary>Whether the session's compiles run like voices in SIMD lanes (<see cref="Snapshots.CompileOptions.Banking"/>).</summary>
    public bool Banking { get; init; } = true;

    /// <summary>
    /// The constant latency, in blocks of <see cref="MaxBlockFrames"/>, added to a controller move stamped with its
    /// arrival time (docs/midi.md, "Timing"): the move lands that much after the sample the renderer was at when it
    /// arrived, so that it reaches the render thread before its sample and lands exactly there.
    /// </summary>
    public int ControllerLatencyBlocks { get; init; } = 2;

    /// <summary><see cref="ControllerLatencyBlocks"/> in frames.</summary>
    public int ControllerLatencyFrames => ControllerLatencyBlocks * MaxBlockFrames;
}
