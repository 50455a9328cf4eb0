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

    /// <summary>
    /// The device's block (frames): what the real-time domain runs at and the deadline admission control predicts
    /// against. 0 (the default): <see cref="MaxBlockFrames"/>.
    /// </summary>
    public int DeviceBlockFrames { get; init; }

    /// <summary><see cref="DeviceBlockFrames"/>, or <see cref="MaxBlockFrames"/> when it is 0.</summary>
    public int RealTimeBlockFrames => DeviceBlockFrames > 0 ? Math.Min(DeviceBlockFrames, MaxBlockFrames) : MaxBlockFrames;

    /// <summary>
    /// Admission control (docs/performance.md, "Admission control"): before a commit goes live, its real-time block
    /// time is predicted from measured job costs and the scheduler's bound; over <see cref="AdmissionLimit"/> of the
    /// deadline it is refused or committed with a warning. Off by default in the library; the REPL and the engine
    /// process refuse (repl.config <c>[engine] admission</c>).
    /// </summary>
    public AdmissionPolicy Admission { get; init; } = AdmissionPolicy.Off;

    /// <summary>The share of the deadline a commit's predicted real-time block time may take, 0..4 (default 0.7).</summary>
    public double AdmissionLimit { get; init; } = 0.7;

    /// <summary>
    /// The share of the deferred block's deadline a commit rendered ahead may take, 0..4 (default 1): the look-ahead
    /// absorbs one block's jitter, so the deferred domain only has to keep up on average, where the real-time domain
    /// keeps <see cref="AdmissionLimit"/> in hand for the worst block (repl.config <c>[engine] deferred_admission_limit</c>).
    /// </summary>
    public double DeferredAdmissionLimit { get; init; } = 1.0;

    /// <summary>How far ahead of the device <see cref="LiveSession.StartRenderAhead"/> renders a deferrable graph, ms (default 100).</summary>
    public double RenderAheadMs { get; init; } = 100;

    /// <summary>The deferred domain's block, frames (default 1,024; at most <see cref="MaxBlockFrames"/>).</summary>
    public int DeferredBlockFrames { get; init; } = 1_024;

    /// <summary>
    /// Whether the job structure of snapshots the renderer has retired (jobs, offsets, successors, order, ranks,
    /// levels) serves the next compiles instead of being left to the collector (docs/performance.md, "Allocation per
    /// commit"). Off by default in the library: a caller that keeps a replaced snapshot (a <see cref="CommitTicket"/>'s)
    /// and reads its jobs later would see another snapshot's. The engine process turns it on: it keeps none.
    /// </summary>
    public bool RecycleRetiredSnapshots { get; init; }

    /// <summary>
    /// Whether a crossfaded commit returns once its transition graph is queued, leaving the graph that replaces it at the
    /// end of the fades to <see cref="LiveSession.CompleteTransition"/> (which every later call on the session runs first, and
    /// <see cref="LiveSession.Maintain"/> on the thread that committed, or on another once half the fade has played). The swap keeps its sample; the host must call
    /// <see cref="LiveSession.CompleteTransition"/> well before the fades end (<see cref="CrossfadeMs"/>): the engine
    /// process does so right after it has answered the commit. Off by default in the library (a commit then queues both,
    /// as it always did); admission's decision is the same either way (see <see cref="LiveSession.CompleteTransition"/>).
    /// </summary>
    public bool DeferTransitionSwap { get; init; }
}
