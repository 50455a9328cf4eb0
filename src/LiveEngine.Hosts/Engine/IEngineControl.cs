using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// An engine: a pipe that carries commands (<see cref="ICommandTarget"/>) to its <see cref="Live.LiveSession"/>, plus
/// what belongs to the engine itself rather than to a session — its format, clock, statistics, driver and lifetime.
/// The engine runs in its own process (<see cref="EngineClient"/>) or in this one (<see cref="InProcessEngine"/>, for
/// tests and offline work). Errors are exceptions with the engine's precise message: <see cref="InProcessEngine"/>
/// throws the session's own (<see cref="CommandFailure"/>), <see cref="EngineClient"/> an
/// <see cref="EngineRequestException"/> carrying the same text and kind. Calls may come from any thread; they are
/// served one at a time.
/// </summary>
public interface IEngineControl : ICommandTarget, IDisposable
{
    /// <summary>The engine's format and state as of attaching.</summary>
    EngineInfo Info { get; }

    /// <summary>The position and every tempo change, so the front can mirror the engine's <see cref="TempoMap"/>.</summary>
    EngineClock GetClock();

    /// <summary>The latest committed graph.</summary>
    GraphDescription GetGraph();

    EngineStats GetStats();

    /// <summary>
    /// The latest output frames, mixed to one channel (<see cref="Live.OutputTap"/>), oldest first, into
    /// <paramref name="destination"/>; returns how many, and in <paramref name="written"/> the frames the tap had
    /// written by the last one. Served without waiting for a commit in progress; allocates nothing in the engine.
    /// </summary>
    int GetScope(Span<float> destination, out long written);

    /// <summary>
    /// Points the engine's node scope at <paramref name="scopeNodeId"/> (null: none), switches its per-node meters on or
    /// off (<see cref="Live.NodeProbe"/>), and reads them: each node's peak and RMS since the previous read, and the
    /// picked node's latest frames into <paramref name="scope"/>. Served without waiting for a commit.
    /// </summary>
    ProbeReading GetProbe(string? scopeNodeId, bool metering, Span<float> scope);

    /// <summary>
    /// Switches the engine's job timing on (<paramref name="timing"/>) or off (<see cref="Live.LiveRenderer.Timeline"/>) and
    /// reads the last <paramref name="blocks"/> blocks it recorded: each worker's jobs as bars, the critical path, the
    /// deadline and late blocks, and the nodes' measured cost. Served without waiting for a commit.
    /// </summary>
    Execution.TimelineReading GetProfile(bool timing, int blocks);

    /// <summary>Stops the current driver and starts <paramref name="driver"/> (e.g. reconnects to a restarted JACK server); returns the driver's name.</summary>
    string SwitchDriver(DriverSpec driver);

    /// <summary>Stops the engine (its process exits).</summary>
    void Shutdown();

    /// <summary>
    /// Turns the engine's Ableton Link follower on (true), off (false) or leaves it (null), and says where it stands
    /// (docs/link.md); where Link cannot run in the engine's process, the report is off with the reason.
    /// </summary>
    Link.LinkReport SetLink(bool? enable);
}

/// <summary>The engine's format and where it is, as of attaching.</summary>
/// <param name="ProtocolVersion">The engine's protocol version.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="OutputChannels">Channels of the graph output.</param>
/// <param name="MaxBlockFrames">The session's maximum block.</param>
/// <param name="Position">The stream position (frames) when attached.</param>
/// <param name="Driver">The driver playing, in words.</param>
/// <param name="ProcessId">The engine's process id.</param>
public sealed record EngineInfo(uint ProtocolVersion, int SampleRate, int OutputChannels, int MaxBlockFrames, long Position, string Driver, int ProcessId);

/// <summary>A tempo change as the engine made it: from <paramref name="Sample"/> on, <paramref name="Bpm"/> and <paramref name="BeatsPerBar"/>.</summary>
/// <param name="Sample">Where it starts.</param>
/// <param name="Bpm">Beats per minute (a ramp's target).</param>
/// <param name="BeatsPerBar">The meter (the previous one when the change did not name one).</param>
/// <param name="RampSamples">0 for a step; otherwise the tempo ramps linearly to <paramref name="Bpm"/> over this many samples.</param>
public readonly record struct TempoChange(long Sample, Fraction Bpm, int BeatsPerBar, long RampSamples = 0)
{
    /// <summary>Appends this change to <paramref name="changes"/>, replacing a last one at the same sample (as the tempo map does).</summary>
    internal void AppendTo(List<TempoChange> changes)
    {
        if (changes.Count > 0 && changes[^1].Sample == Sample)
        {
            changes[^1] = this;
        }
        else
        {
            changes.Add(this);
        }
    }
}

/// <summary>The engine's clock: where it is, and the tempo map as its first tempo plus every change.</summary>
public sealed record EngineClock(long Position, int SampleRate, Fraction InitialBpm, int InitialBeatsPerBar, IReadOnlyList<TempoChange> Changes)
{
    /// <summary>Where the engine's first tempo starts (not sample 0 for an engine that took over a performance).</summary>
    public TempoOrigin Origin { get; init; }

    /// <summary>A TempoMap equal to the engine's, for the front to compute beats and bars without asking.</summary>
    public TempoMap ToTempoMap()
    {
        var map = new TempoMap(SampleRate, InitialBpm, InitialBeatsPerBar, Origin);
        foreach (TempoChange change in Changes)
        {
            if (change.RampSamples > 0)
            {
                map.RampTempo(change.Sample, change.RampSamples, change.Bpm);
            }
            else
            {
                map.SetTempo(change.Sample, change.Bpm, change.BeatsPerBar);
            }
        }

        return map;
    }
}

/// <summary>Something that happened to the engine's driver: lost, switched, fell back.</summary>
public sealed record DriverEvent(long Sample, long UnixTimeUs, string Message);

/// <summary>
/// The engine's measurements since it started: the audio callbacks (over every driver it played through), xruns
/// with timestamps, and the engine process's garbage collections and allocated bytes.
/// </summary>
public sealed record EngineStats
{
    public long Position { get; init; }

    public string Driver { get; init; } = "";

    /// <summary>The audio thread's scheduling, in words (SCHED_FIFO granted or why not), and whether memory is locked.</summary>
    public string RealTime { get; init; } = "";

    public long Callbacks { get; init; }

    /// <summary>Xruns reported by the server (or null-driver periods started late).</summary>
    public long Xruns { get; init; }

    /// <summary>Callbacks that took longer than their period, by our own timing.</summary>
    public long DeadlineMisses { get; init; }

    public double BlockP50Us { get; init; }

    public double BlockP99Us { get; init; }

    public double BlockMaxUs { get; init; }

    /// <summary>Bytes the current audio thread allocated after its warm-up (-1 before the warm-up ended).</summary>
    public long AudioThreadAllocatedBytes { get; init; }

    public long Gen0Collections { get; init; }

    public long Gen1Collections { get; init; }

    public long Gen2Collections { get; init; }

    /// <summary>Time the engine process's threads spent paused by the GC since it started (<c>GC.GetTotalPauseDuration</c>), µs.</summary>
    public long GcPauseUs { get; init; }

    /// <summary>Bytes the engine process allocated since it started (all threads; <c>GC.GetTotalAllocatedBytes(true)</c>).</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Nodes of the playing graph silenced because their Process threw, with the exception's message.</summary>
    public IReadOnlyList<string> FaultedNodes { get; init; } = [];

    public IReadOnlyList<Drivers.XrunRecord> XrunLog { get; init; } = [];

    public IReadOnlyList<DriverEvent> DriverEvents { get; init; } = [];

    /// <summary>
    /// Seconds each worker of the engine's executor spent inside audio blocks since it started (one entry, the audio
    /// thread's time in callbacks, for a single-threaded engine): their load, as differences over an interval.
    /// </summary>
    public IReadOnlyList<double> WorkerBusySeconds { get; init; } = [];

    /// <summary>Commits the engine served since it started (<see cref="CommitTimeStats"/>).</summary>
    public long Commits { get; init; }

    /// <summary>Time from a Commit request's frame to its snapshot queued, over the recent commits: the median, µs.</summary>
    public double CommitP50Us { get; init; }

    /// <summary>The same, 99th percentile, µs.</summary>
    public double CommitP99Us { get; init; }

    /// <summary>The same, the longest, µs.</summary>
    public double CommitMaxUs { get; init; }

    /// <summary>Admission control's prediction for the latest commit that went live, in words ("" when admission is off or before one).</summary>
    public string Admission { get; init; } = "";

    /// <summary>The domains' block sizes, the look-ahead and what render-ahead does now, in words (<see cref="Live.LiveSession.DescribeDomains"/>).</summary>
    public string Domains { get; init; } = "";
}

/// <summary>Which driver to play through: "null", "jack" (optionally a named server), or "portaudio" (host API, device).</summary>
public sealed record DriverSpec(string Kind, string? JackServer = null, string? HostApi = null, string? Device = null)
{
    public static DriverSpec Null { get; } = new("null");
}
