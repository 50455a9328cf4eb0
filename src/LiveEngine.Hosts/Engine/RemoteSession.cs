using System.Diagnostics;
using LiveEngine.Control;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// A session whose audio runs in the engine process: every change goes to the engine (<see cref="IEngineControl"/>),
/// which validates, schedules and answers with the sample it lands on, while this side keeps what code reads
/// often without a round trip — a mirror of the tempo map, the latest graph, the named variables and an estimate
/// of the engine's position — and resynchronises them in <see cref="Maintain"/>.
/// </summary>
/// <remarks>
/// The position is estimated from the last one the engine reported plus the wall time since, at the sample rate;
/// it is resynchronised every <see cref="ClockSyncInterval"/> and never goes backwards. Nothing lands by the
/// estimate: the engine resolves every quantization against its own position. Named variables live here, where
/// code and controllers read them, and are copied to the engine in <see cref="Maintain"/> so that a front that
/// re-attaches finds them. Errors are the engine's own messages (<see cref="EngineRequestException"/>).
/// </remarks>
public sealed class RemoteSession : ILiveSession, IRemoteNodeHost
{
    private const int HistoryLimit = 1000;
    private readonly object _gate = new();
    private readonly IEngineControl _engine;
    private readonly List<TempoChange> _mirroredChanges = [];
    private readonly Dictionary<string, double> _sentVariables = new(StringComparer.Ordinal);
    private TempoMap _clock;
    private GraphDescription? _graph;
    private int _undoDepth;
    private long _syncPosition;
    private long _syncTimestamp;
    private long _lastPosition;
    private long _lastClockSync;
    private long _lastStatsPoll;
    private long _variablesVersion;
    private IReadOnlyList<NodeFaultReport> _faults = [];

    /// <param name="engine">The engine to drive.</param>
    /// <param name="options">The front's settings (seed, crossfade); format and tempo come from the engine.</param>
    public RemoteSession(IEngineControl engine, LiveSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        EngineInfo info = engine.Info;
        EngineClock clock = engine.GetClock();
        Options = (options ?? new LiveSessionOptions()) with
        {
            SampleRate = info.SampleRate,
            OutputChannels = info.OutputChannels,
            MaxBlockFrames = info.MaxBlockFrames,
            Tempo = clock.InitialBpm,
            BeatsPerBar = clock.InitialBeatsPerBar,
        };
        _clock = clock.ToTempoMap();
        _mirroredChanges.AddRange(clock.Changes);
        _syncPosition = clock.Position;
        _lastPosition = clock.Position;
        _syncTimestamp = _lastClockSync = Stopwatch.GetTimestamp();
    }

    /// <summary>How often <see cref="Maintain"/> asks the engine for its clock.</summary>
    public static TimeSpan ClockSyncInterval { get; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often <see cref="Maintain"/> asks the engine for its statistics (faulted nodes, xruns).</summary>
    public static TimeSpan StatsInterval { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The engine this session drives.</summary>
    public IEngineControl Engine => _engine;

    public LiveSessionOptions Options { get; }

    public TempoMap Clock
    {
        get
        {
            lock (_gate)
            {
                return _clock;
            }
        }
    }

    public NamedVariables Variables { get; } = new();

    /// <summary>The engine's statistics as last polled by <see cref="Maintain"/> (null before the first poll).</summary>
    public EngineStats? LastStats { get; private set; }

    public GraphDescription Graph
    {
        get
        {
            lock (_gate)
            {
                _graph ??= _engine.GetGraph();
                return _graph.Clone();
            }
        }
    }

    public int UndoDepth
    {
        get
        {
            lock (_gate)
            {
                return _undoDepth;
            }
        }
    }

    public long Position
    {
        get
        {
            long now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                long estimate = _syncPosition + (long)((now - _syncTimestamp) * (double)Options.SampleRate / Stopwatch.Frequency);
                _lastPosition = Math.Max(_lastPosition, estimate);
                return _lastPosition;
            }
        }
    }

    public int OutputChannels => Options.OutputChannels;

    public CommitReceipt Commit(GraphDescription graph, Quantization when)
    {
        ArgumentNullException.ThrowIfNull(graph);
        lock (_gate)
        {
            CommitResult result = _engine.Commit(graph, when);
            _graph = graph.Clone();
            _undoDepth = Math.Min(_undoDepth + 1, HistoryLimit - 1);
            return new CommitReceipt(result.Id, result.CommitSample);
        }
    }

    public CommitReceipt Edit(Action<GraphDescription> change, Quantization when)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            GraphDescription graph = Graph;
            change(graph);
            return Commit(graph, when);
        }
    }

    public bool TryUndo(Quantization when, out long sample)
    {
        lock (_gate)
        {
            long? undone = _engine.Undo(when);
            sample = undone ?? -1;
            if (undone is null)
            {
                _undoDepth = 0;
                return false;
            }

            // The engine knows the graph it went back to; fetch it when next read.
            _graph = null;
            _undoDepth = Math.Max(0, _undoDepth - 1);
            return true;
        }
    }

    public long SetParameter(string nodeId, string parameter, double value, Quantization when)
    {
        lock (_gate)
        {
            long sample = _engine.SetParameter(nodeId, parameter, value, when);
            MirrorParameter(nodeId, parameter, value);
            return sample;
        }
    }

    public (long OnSample, long OffSample) Trigger(string nodeId, Quantization when, Fraction lengthBeats, string parameter = "gate", double on = 1, double off = 0)
    {
        lock (_gate)
        {
            (long, long) samples = _engine.Trigger(nodeId, when, lengthBeats, parameter, on, off);
            MirrorParameter(nodeId, parameter, off);
            return samples;
        }
    }

    public long SetTempo(Fraction bpm, Quantization when, int? beatsPerBar = null)
    {
        lock (_gate)
        {
            long sample = _engine.SetTempo(bpm, when, beatsPerBar);
            MirrorTempo(new TempoChange(sample, bpm, beatsPerBar ?? _clock.BeatsPerBarAt(sample)));
            return sample;
        }
    }

    public long RampTempo(Fraction bpm, Fraction lengthBeats, Quantization when)
    {
        lock (_gate)
        {
            (long sample, long length) = _engine.RampTempo(bpm, lengthBeats, when);
            MirrorTempo(new TempoChange(sample, bpm, _clock.BeatsPerBarAt(sample), length));
            return sample;
        }
    }

    public IReadOnlyList<string> AdmitNodes(ReadOnlySpan<byte> image, ReadOnlySpan<byte> pdb) => _engine.AdmitNodes(image, pdb);

    public IReadOnlyList<NodeFaultReport> Faults()
    {
        lock (_gate)
        {
            return _faults;
        }
    }

    /// <summary>
    /// Resynchronises with the engine: its clock every <see cref="ClockSyncInterval"/> (position, and the tempo map if
    /// another client changed it), its statistics every <see cref="StatsInterval"/>, and sends the named variables
    /// written since the last call. Throws the engine's or the connection's error (a dead engine) to the caller.
    /// </summary>
    public void Maintain()
    {
        long now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(_lastClockSync, now) >= ClockSyncInterval)
        {
            SyncClock();
        }

        if (Stopwatch.GetElapsedTime(_lastStatsPoll, now) >= StatsInterval)
        {
            _lastStatsPoll = now;
            PollStats();
        }

        SendVariables();
    }

    /// <summary>Asks the engine for its clock now: the position estimate restarts from it and the tempo map follows the engine's.</summary>
    public void SyncClock()
    {
        long before = Stopwatch.GetTimestamp();
        EngineClock clock = _engine.GetClock();
        lock (_gate)
        {
            // The position was read somewhere during the request: stamping it with the request's start keeps the
            // estimate on the early side.
            _syncPosition = clock.Position;
            _syncTimestamp = before;
            _lastClockSync = before;
            if (!clock.Changes.SequenceEqual(_mirroredChanges))
            {
                _clock = clock.ToTempoMap();
                _mirroredChanges.Clear();
                _mirroredChanges.AddRange(clock.Changes);
            }
        }
    }

    /// <summary>Asks the engine for its statistics now; faulted nodes become <see cref="Faults"/>.</summary>
    public EngineStats PollStats()
    {
        EngineStats stats = _engine.GetStats();
        var faults = new List<NodeFaultReport>(stats.FaultedNodes.Count);
        lock (_gate)
        {
            foreach (string entry in stats.FaultedNodes)
            {
                // "id: ExceptionType: message", or just "id" for a node the watchdog stopped.
                int colon = entry.IndexOf(": ", StringComparison.Ordinal);
                string id = colon < 0 ? entry : entry[..colon];
                string message = colon < 0 ? "stalled (stopped by the watchdog)" : entry[(colon + 2)..];
                string type = _graph?.Nodes.Find(n => n.Id == id)?.Type ?? "?";
                faults.Add(new NodeFaultReport(id, type, message));
            }

            _faults = faults;
            LastStats = stats;
        }

        return stats;
    }

    private void SendVariables()
    {
        long version = Variables.Version;
        if (version == Interlocked.Read(ref _variablesVersion))
        {
            return;
        }

        foreach ((string name, double value) in Variables.Snapshot())
        {
            if (!_sentVariables.TryGetValue(name, out double sent) || !sent.Equals(value))
            {
                _engine.SetVariable(name, value);
                _sentVariables[name] = value;
            }
        }

        Interlocked.Exchange(ref _variablesVersion, version);
    }

    private void MirrorParameter(string nodeId, string parameter, double value)
    {
        NodeSpec? node = _graph?.Nodes.Find(n => n.Id == nodeId);
        if (node is not null)
        {
            node.Parameters[parameter] = value;
        }
    }

    private void MirrorTempo(TempoChange change)
    {
        try
        {
            if (change.RampSamples > 0)
            {
                _clock.RampTempo(change.Sample, change.RampSamples, change.Bpm);
            }
            else
            {
                _clock.SetTempo(change.Sample, change.Bpm, change.BeatsPerBar);
            }

            if (_mirroredChanges.Count > 0 && _mirroredChanges[^1].Sample == change.Sample)
            {
                _mirroredChanges[^1] = change;
            }
            else
            {
                _mirroredChanges.Add(change);
            }
        }
        catch (ArgumentException)
        {
            // The mirror disagrees with the engine (another client changed the tempo): take the engine's.
            _lastClockSync = 0;
            _mirroredChanges.Clear();
            _mirroredChanges.Add(new TempoChange(long.MinValue, Fraction.Zero, 0));
        }
    }
}
