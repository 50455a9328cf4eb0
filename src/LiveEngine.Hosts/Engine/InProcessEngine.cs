using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Hosts.Jack;
using LiveEngine.Hosts.PortAudio;
using LiveEngine.Hosts.RealTime;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// The engine in this process: a <see cref="LiveSession"/> and the driver that plays it, behind
/// <see cref="IEngineControl"/>. The engine process serves it over the socket (<see cref="EngineServer"/>); tests and
/// offline tools may use it directly. <see cref="Maintain"/> (every few ms, from a housekeeping thread) does the
/// session's housekeeping and watches the driver: when its server goes away, the engine says so and keeps
/// rendering on the null driver, so the position keeps advancing until a <see cref="SwitchDriver"/> reconnects.
/// Calls are served one at a time (one lock); they may allocate (they run on control threads), but a parameter
/// change allocates only what the session itself does.
/// </summary>
public sealed class InProcessEngine : IEngineControl
{
    private readonly object _gate = new();
    private readonly LiveSession _session;
    private Execution.JobTimeline? _timeline;
    private Link.LinkSwitch? _link;
    private readonly int _blockFrames;
    private readonly int _realTimePriority;
    private readonly string _jackClientName;
    private readonly BlockTimeStats _stats = new();
    // The tempo changes, guarded by _clockGate (taken inside _gate by writers): GetClock, the front's heartbeat,
    // answers without waiting for a commit that holds _gate.
    private readonly object _clockGate = new();
    private readonly List<TempoChange> _tempoChanges = [];
    private readonly TempoOrigin _origin;
    private readonly List<DriverEvent> _driverEvents = [];
    private IAudioDriver? _driver;
    private RealTimeResult _memoryLock = new(false, "memory not locked (not asked for)");
    private bool _shutdownRequested;

    /// <param name="session">The session to play.</param>
    /// <param name="blockFrames">Frames per period for the null and PortAudio drivers (JACK uses the server's).</param>
    /// <param name="realTimePriority">SCHED_FIFO priority for the threads the engine owns (the null driver's), or 0.</param>
    /// <param name="jackClientName">The JACK client's name when playing through JACK.</param>
    public InProcessEngine(LiveSession session, int blockFrames, int realTimePriority = 0, string jackClientName = "liveengine")
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _blockFrames = Math.Min(blockFrames, session.Renderer.MaxBlockFrames);
        _realTimePriority = realTimePriority;
        _jackClientName = jackClientName;
        _origin = session.Clock.Origin;
        session.Renderer.Tap = Tap;
        session.Renderer.Probe = Probe;
    }

    public LiveSession Session => _session;

    /// <summary>The session's Link follower, on or off (<see cref="SetLink"/>); its options are the ones <c>--link-quantum</c> gives.</summary>
    public Link.LinkSwitch Link => _link ??= new Link.LinkSwitch(this, _session.Clock, _session.Renderer);

    public Link.LinkReport SetLink(bool? enable) => Link.Set(enable);

    /// <summary>Set once a client asked the engine to shut down; the host then stops.</summary>
    public bool ShutdownRequested
    {
        get
        {
            lock (_gate)
            {
                return _shutdownRequested;
            }
        }
    }

    /// <summary>Raised (on the calling thread) when a client asks for a shutdown.</summary>
    public event Action? ShutdownRequestedEvent;

    public EngineInfo Info
    {
        get
        {
            lock (_gate)
            {
                return new EngineInfo(EngineProtocol.Version, _session.Options.SampleRate, _session.Renderer.OutputChannels, _session.Renderer.MaxBlockFrames, _session.Renderer.Position, _driver?.Name ?? "none", Environment.ProcessId);
            }
        }
    }

    /// <summary>The current driver's name, or "none" before <see cref="StartDriver"/>.</summary>
    public string DriverName
    {
        get
        {
            lock (_gate)
            {
                return _driver?.Name ?? "none";
            }
        }
    }

    /// <summary>Locks the process's memory (for the engine process; a test host should not). Says what it got.</summary>
    public RealTimeResult LockMemory()
    {
        lock (_gate)
        {
            _memoryLock = RealTimeThread.TryLockMemory();
            return _memoryLock;
        }
    }

    /// <summary>Starts the first driver; if it cannot start, plays on the null driver and throws the reason.</summary>
    public string StartDriver(DriverSpec driver) => SwitchDriver(driver);

    /// <summary>
    /// Executes <paramref name="command"/> on the session, one at a time; a tempo change is also recorded for
    /// <see cref="GetClock"/>. An admission runs outside the engine's lock (it measures on its own thread and can take
    /// a while).
    /// </summary>
    public CommandReceipt Execute<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand
    {
        if (command.Kind == CommandKind.AdmitNodes)
        {
            return _session.Execute(command);
        }

        lock (_gate)
        {
            CommandReceipt receipt = _session.Execute(command);
            if (command.Kind is CommandKind.SetTempo or CommandKind.RampTempo)
            {
                TempoMap clock = _session.Clock;
                long at = receipt.Sample;
                Fraction bpm = command.Kind == CommandKind.SetTempo ? CommandCast.As<TCommand, SetTempoCommand>(command).Bpm : CommandCast.As<TCommand, RampTempoCommand>(command).Bpm;
                TempoChange change = new(at, bpm, clock.BeatsPerBarAt(at), command.Kind == CommandKind.RampTempo ? clock.RampSamplesFrom(at) : 0);
                lock (_clockGate)
                {
                    change.AppendTo(_tempoChanges);
                }
            }

            return receipt;
        }
    }

    /// <summary>
    /// Queues the swap that a crossfaded commit left for after its answer (<see cref="LiveSession.CompleteTransition"/>,
    /// <see cref="LiveSessionOptions.DeferTransitionSwap"/>): the server calls it right after it has answered a commit.
    /// </summary>
    public void CompleteTransition()
    {
        lock (_gate)
        {
            _session.CompleteTransition();
        }
    }

    /// <summary>How long commits take in the engine (recorded by <see cref="EngineServer"/>, which sees a request from its frame on).</summary>
    public CommitTimeStats CommitTimes { get; } = new();

    /// <summary>The session's node admitter (<see cref="LiveSession.NodeAdmitter"/>; the engine process sets it).</summary>
    public Func<byte[], byte[]?, IReadOnlyList<string>>? NodeAdmitter
    {
        get => _session.NodeAdmitter;
        set => _session.NodeAdmitter = value;
    }

    /// <summary>The session's sample loader (<see cref="LiveSession.SampleLoader"/>; the host that knows the library sets it).</summary>
    public Action<string, float[][], int>? SampleLoader
    {
        get => _session.SampleLoader;
        set => _session.SampleLoader = value;
    }

    /// <summary>How the executor's dedicated workers are scheduled, in words (set by the host that started them).</summary>
    public Func<string>? WorkerRealTime { get; set; }

    /// <summary>
    /// The audio CPUs (<c>--audio-cpus</c>): every driver's audio thread is moved onto them as it starts; the host
    /// moves the process's other threads off them (<see cref="AudioCpuIsolation.RestrictOtherThreads"/>). Null: none.
    /// </summary>
    public AudioCpuIsolation? AudioCpus { get; init; }

    /// <summary>The null driver runs a backup pacer on another CPU (<see cref="NullDriver.Start"/>'s backupPacer).</summary>
    public bool NullBackupPacer { get; init; }

    /// <summary>How the other threads were placed, in words, for the stats' real-time line (set by the host; empty for none).</summary>
    public string OtherThreadPlacement { get; set; } = "";

    /// <summary>The clock, without waiting for a commit in progress (the front's heartbeat, <see cref="EngineClient.HeartbeatTimeout"/>).</summary>
    public EngineClock GetClock()
    {
        lock (_clockGate)
        {
            return new EngineClock(_session.Renderer.Position, _session.Options.SampleRate, _session.Options.Tempo, _session.Options.BeatsPerBar, [.. _tempoChanges]) { Origin = _origin };
        }
    }

    public GraphDescription GetGraph() => _session.Graph;

    /// <summary>The renderer's output, mixed to one channel, for display: written by the audio thread, read by <see cref="GetScope"/>.</summary>
    public OutputTap Tap { get; } = new();

    public int GetScope(Span<float> destination, out long written) => Tap.CopyLatest(destination, out written);

    /// <summary>Per-node meters and the node scope, written by the jobs: read by <see cref="GetProbe"/>.</summary>
    public NodeProbe Probe { get; } = new();

    public ProbeReading GetProbe(string? scopeNodeId, bool metering, Span<float> scope) => ProbeReading.Read(Probe, scopeNodeId, metering, scope);

    /// <summary>The job timeline the executor records into while <see cref="GetProfile"/> has switched timing on (sized for its workers).</summary>
    public Execution.JobTimeline Timeline => _timeline ??= new Execution.JobTimeline(_session.Executor.Threads);

    public Execution.TimelineReading GetProfile(bool timing, int blocks)
    {
        SwitchTiming(timing);
        return Timeline.Read(blocks);
    }

    /// <summary>Switches the executor's job timing into <see cref="Timeline"/> on or off, from the next block.</summary>
    public void SwitchTiming(bool timing) => _session.Renderer.Timeline = timing ? Timeline : null;

    public EngineStats GetStats()
    {
        lock (_gate)
        {
            var faulted = new List<string>();
            Snapshots.GraphSnapshot playing = _session.Renderer.Current;
            for (int n = 0; n < playing.NodeFaulted.Length; n++)
            {
                if (Volatile.Read(ref playing.NodeFaulted[n]) != 0)
                {
                    Exception? cause = playing.NodeExceptions[n];
                    faulted.Add(cause is null ? playing.NodeIds[n] : $"{playing.NodeIds[n]}: {cause.GetType().Name}: {cause.Message}");
                }
            }

            string thread = _driver switch
            {
                NullDriver paced => paced.RealTime.Description,
                JackDriver jack => jack.IsRealTime ? "JACK real-time thread" : "JACK thread without real-time priority (server runs --no-realtime)",
                PortAudioDriver => "PortAudio's thread",
                _ => "no driver",
            };
            if (AudioCpus is not null)
            {
                RealTimeResult placement = _driver switch
                {
                    NullDriver paced => paced.Placement,
                    JackDriver jack => jack.Placement,
                    _ => new RealTimeResult(false, "not isolated (only the null and JACK drivers' threads are)"),
                };
                thread = $"{thread}, {placement.Description} ({AudioCpus}{(OtherThreadPlacement.Length > 0 ? "; " + OtherThreadPlacement : "")})";
            }

            if (_driver is NullDriver { HasBackupPacer: true } backedUp)
            {
                thread = $"{thread}; {backedUp.BackupPacer.Description}, {backedUp.BackupBlocks} blocks rendered";
            }

            return new EngineStats
            {
                Position = _session.Renderer.Position,
                Driver = _driver?.Name ?? "none",
                RealTime = WorkerRealTime?.Invoke() is { Length: > 0 } workers ? $"{thread}; {workers}; {_memoryLock.Description}" : $"{thread}; {_memoryLock.Description}",
                Callbacks = _stats.Callbacks,
                Xruns = _stats.Xruns,
                DeadlineMisses = _stats.DeadlineMisses,
                BlockP50Us = _stats.PercentileUs(0.5),
                BlockP99Us = _stats.PercentileUs(0.99),
                BlockMaxUs = _stats.MaxUs(),
                AudioThreadAllocatedBytes = _stats.AllocatedAfterWarmUp,
                Gen0Collections = GC.CollectionCount(0),
                Gen1Collections = GC.CollectionCount(1),
                Gen2Collections = GC.CollectionCount(2),
                GcPauseUs = (long)GC.GetTotalPauseDuration().TotalMicroseconds,
                AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true),
                FaultedNodes = faulted,
                XrunLog = _stats.XrunLog(),
                DriverEvents = [.. _driverEvents],
                WorkerBusySeconds = WorkerBusySeconds(),
                Commits = CommitTimes.Count,
                CommitP50Us = CommitTimes.PercentileUs(0.5),
                CommitP99Us = CommitTimes.PercentileUs(0.99),
                CommitMaxUs = CommitTimes.PercentileUs(1),
                Admission = _session.LastPrediction?.Describe() ?? "",
                Domains = _session.DescribeDomains(_driver?.BufferFrames ?? _session.Options.RealTimeBlockFrames),
            };
        }
    }

    public string SwitchDriver(DriverSpec driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        lock (_gate)
        {
            // Only one driver may drive the renderer: the old one stops before the new one starts.
            string? previous = _driver?.Name;
            _driver?.Dispose();
            _driver = null;
            try
            {
                _driver = StartLocked(driver);
                AddEventLocked(previous is null ? $"playing through {_driver.Name}" : $"switched from {previous} to {_driver.Name}");
                return _driver.Name;
            }
            catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or ArgumentException)
            {
                _driver = StartLocked(DriverSpec.Null);
                AddEventLocked($"could not start {driver.Kind}: {e.Message}; playing on the null driver");
                throw new DriverUnavailableException($"Could not start the {driver.Kind} driver: {e.Message} The engine plays on the null driver.");
            }
        }
    }

    public void Shutdown()
    {
        lock (_gate)
        {
            _shutdownRequested = true;
        }

        ShutdownRequestedEvent?.Invoke();
    }

    /// <summary>
    /// Housekeeping, every few milliseconds from one control thread: the session's (retired snapshots, finished
    /// crossfades), and the driver's health: a server that went away is reported and replaced by the null driver.
    /// </summary>
    public void Maintain()
    {
        lock (_gate)
        {
            _session.Maintain();
            if (_driver is { IsShutDown: true } lost)
            {
                string name = lost.Name;
                lost.Dispose();
                _driver = StartLocked(DriverSpec.Null);
                AddEventLocked($"{name} stopped (the server went away); playing on the null driver until a switch-driver request reconnects");
            }
        }
    }

    public void Dispose()
    {
        _link?.Dispose();
        lock (_gate)
        {
            _driver?.Dispose();
            _driver = null;
        }
    }

    private IAudioDriver StartLocked(DriverSpec spec)
    {
        LiveRenderer renderer = _session.Renderer;
        int sampleRate = _session.Options.SampleRate;
        return spec.Kind switch
        {
            "null" => NullDriver.Start(renderer, sampleRate, _blockFrames, _stats, _realTimePriority, AudioCpus, NullBackupPacer),
            "jack" => JackDriver.Start(renderer, sampleRate, _jackClientName, string.IsNullOrEmpty(spec.JackServer) ? null : spec.JackServer, connectToPlayback: true, _stats, AudioCpus),
            "portaudio" => PortAudioDriver.Start(renderer, sampleRate, _blockFrames, NullIfEmpty(spec.HostApi), NullIfEmpty(spec.Device), _stats),
            _ => throw new ArgumentException($"Unknown driver '{spec.Kind}': null, jack or portaudio.", nameof(spec)),
        };
    }

    private double[] WorkerBusySeconds()
    {
        if (_session.Executor is Scheduling.ParallelExecutor parallel)
        {
            var busy = new double[parallel.Threads];
            for (int w = 0; w < busy.Length; w++)
            {
                busy[w] = parallel.WorkerBusyTicks(w) / (double)System.Diagnostics.Stopwatch.Frequency;
            }

            return busy;
        }

        return [_stats.BusyTicks / (double)System.Diagnostics.Stopwatch.Frequency];
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private void AddEventLocked(string message)
    {
        long unixUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        _driverEvents.Add(new DriverEvent(_session.Renderer.Position, unixUs, message));
        if (_driverEvents.Count > 256)
        {
            _driverEvents.RemoveAt(0);
        }
    }
}

/// <summary>A driver could not be started; the engine plays on the null driver instead.</summary>
public sealed class DriverUnavailableException(string message) : Exception(message);
