using System.Diagnostics;
using LiveEngine.Commands;
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
public sealed class RemoteSession : ILiveSession
{
    private const int HistoryLimit = 1000;
    private readonly object _gate = new();
    private const int AdmittedLimit = 256;
    private IEngineControl _engine;

    // The user node assemblies the engine admitted, in order: an engine that takes over admits them again.
    private readonly List<AdmitNodesCommand> _admitted = [];

    // The samples sent to the engine, by name: an engine that takes over gets them again.
    private readonly Dictionary<string, LoadSampleCommand> _samples = new(StringComparer.Ordinal);
    private readonly List<TempoChange> _mirroredChanges = [];
    private readonly Dictionary<string, double> _sentVariables = new(StringComparer.Ordinal);

    // The controller lanes bound in the engine: an engine that takes over gets them again.
    private readonly ControllerLane?[] _controllerLanes = new ControllerLane?[ControllerLane.Capacity];
    private TempoMap _clock;
    private GraphDescription? _graph;
    private int _undoDepth;
    private long _syncPosition;
    private long _syncTimestamp;

    // The transport as this front last set it: stopped, the engine's clock holds, so the estimate does not run on.
    private bool _transportStopped;
    private long _lastPosition;
    private long _lastClockSync;
    private bool _clockStale;
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
        _graph = engine.GetGraph();
    }

    /// <summary>How far past the engine's last reported position the estimate may run (five clock syncs).</summary>
    public static TimeSpan MaxLead { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often <see cref="Maintain"/> asks the engine for its clock.</summary>
    public static TimeSpan ClockSyncInterval { get; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often <see cref="Maintain"/> asks the engine for its statistics (faulted nodes, xruns).</summary>
    public static TimeSpan StatsInterval { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The engine this session drives.</summary>
    public IEngineControl Engine
    {
        get
        {
            lock (_gate)
            {
                return _engine;
            }
        }
    }

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
                _graph ??= Send(e => e.GetGraph());
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
                // At most MaxLead past what the engine last reported: if it stalls, the estimate stops there too.
                long elapsed = _transportStopped ? 0 : (long)((now - _syncTimestamp) * (double)Options.SampleRate / Stopwatch.Frequency);
                long estimate = _syncPosition + Math.Min(elapsed, (long)(MaxLead.TotalSeconds * Options.SampleRate));
                _lastPosition = Math.Max(_lastPosition, estimate);
                return _lastPosition;
            }
        }
    }

    public int OutputChannels => Options.OutputChannels;

    /// <summary>
    /// Carries <paramref name="command"/> to the engine, which executes it and answers with its receipt, and keeps the
    /// mirrors up to date: the latest graph (for display, and for an engine that takes over), the undo depth and the
    /// tempo map; the user node assemblies and samples sent, for an engine that takes over. A variable is set here,
    /// where code reads it, and copied to the engine by <see cref="Maintain"/>.
    /// </summary>
    public CommandReceipt Execute<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand
    {
        if (command.Kind == CommandKind.SetVariable)
        {
            ref readonly SetVariableCommand variable = ref CommandCast.As<TCommand, SetVariableCommand>(command);
            Variables.Set(variable.Name, variable.Value);
            return CommandReceipt.None;
        }

        lock (_gate)
        {
            CommandReceipt receipt = Send(command);
            switch (command.Kind)
            {
                case CommandKind.Commit:
                    {
                        ref readonly CommitCommand commit = ref CommandCast.As<TCommand, CommitCommand>(command);
                        if (commit.Patch)
                        {
                            _graph ??= Send(e => e.GetGraph());
                            _graph.MergePatch(commit.Graph.Clone());
                        }
                        else
                        {
                            _graph = commit.Graph.Clone();
                        }

                        _undoDepth = Math.Min(_undoDepth + 1, HistoryLimit - 1);
                        break;
                    }

                case CommandKind.Undo:
                    if (!receipt.HasSample)
                    {
                        _undoDepth = 0;
                    }
                    else
                    {
                        // The engine knows the graph it went back to.
                        _graph = Send(e => e.GetGraph());
                        _undoDepth = Math.Max(0, _undoDepth - 1);
                    }

                    break;

                case CommandKind.SetParameter:
                    {
                        ref readonly SetParameterCommand set = ref CommandCast.As<TCommand, SetParameterCommand>(command);
                        MirrorParameter(set.NodeId, set.Parameter, set.Value);
                        break;
                    }

                case CommandKind.Transport:
                    // Stopped: the estimate holds at what the engine reports. Played: it runs on from the held sample now.
                    _transportStopped = !CommandCast.As<TCommand, TransportCommand>(command).Playing;
                    _syncPosition = Math.Max(_syncPosition, receipt.Sample);
                    _syncTimestamp = Stopwatch.GetTimestamp();
                    break;

                case CommandKind.Trigger:
                    {
                        ref readonly TriggerCommand trigger = ref CommandCast.As<TCommand, TriggerCommand>(command);
                        MirrorParameter(trigger.NodeId, trigger.Parameter, trigger.Off);
                        break;
                    }

                case CommandKind.SetTempo:
                    {
                        ref readonly SetTempoCommand tempo = ref CommandCast.As<TCommand, SetTempoCommand>(command);
                        MirrorTempo(new TempoChange(receipt.Sample, tempo.Bpm, tempo.BeatsPerBar ?? _clock.BeatsPerBarAt(receipt.Sample)));
                        break;
                    }

                case CommandKind.RampTempo:
                    {
                        ref readonly RampTempoCommand ramp = ref CommandCast.As<TCommand, RampTempoCommand>(command);
                        MirrorTempo(new TempoChange(receipt.Sample, ramp.Bpm, _clock.BeatsPerBarAt(receipt.Sample), receipt.EndSample - receipt.Sample));
                        break;
                    }

                case CommandKind.AdmitNodes:
                    {
                        ref readonly AdmitNodesCommand admit = ref CommandCast.As<TCommand, AdmitNodesCommand>(command);
                        _admitted.Add(new AdmitNodesCommand(admit.Image.ToArray(), admit.Pdb.ToArray()));
                        if (_admitted.Count > AdmittedLimit)
                        {
                            _admitted.RemoveAt(0);
                        }

                        break;
                    }

                case CommandKind.LoadSample:
                    {
                        ref readonly LoadSampleCommand sample = ref CommandCast.As<TCommand, LoadSampleCommand>(command);
                        _samples[sample.Name] = sample with { Channels = [.. sample.Channels] };
                        break;
                    }

                case CommandKind.BindController:
                    {
                        // Kept for an engine that takes over (Reattach binds them again).
                        ControllerLane lane = CommandCast.As<TCommand, BindControllerCommand>(command).Lane;
                        _controllerLanes[lane.Index] = lane.IsFree ? null : lane;
                        break;
                    }

                case CommandKind.MoveController:
                    {
                        ref readonly MoveControllerCommand move = ref CommandCast.As<TCommand, MoveControllerCommand>(command);
                        if ((uint)move.Lane < ControllerLane.Capacity && _controllerLanes[move.Lane] is { } binding)
                        {
                            MirrorParameter(binding.NodeId!, binding.Parameter!, binding.Map(Math.Clamp(move.Position, 0, 1)));
                        }

                        break;
                    }
            }

            return receipt;
        }
    }

    /// <summary>
    /// Where an engine taking over should start so that the performance goes on: the position now, with its beat
    /// and bar, and the tempo and meter there.
    /// </summary>
    public (TempoOrigin Origin, Fraction Bpm, int BeatsPerBar) ResumePoint()
    {
        long position = Position;
        lock (_gate)
        {
            return (new TempoOrigin(position, _clock.BeatAt(position), _clock.BarAt(position)), _clock.TempoAt(position), _clock.BeatsPerBarAt(position));
        }
    }

    /// <summary>
    /// Goes on with <paramref name="engine"/> after the previous engine died: it admits the user nodes again and
    /// plays the latest graph now, and the clock, position and variables follow it from here.
    /// </summary>
    public void Reattach(IEngineControl engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        lock (_gate)
        {
            GraphDescription? graph = _graph;
            _engine = engine;
            foreach (AdmitNodesCommand admit in _admitted)
            {
                engine.Execute(admit);
            }

            foreach (LoadSampleCommand sample in _samples.Values)
            {
                engine.Execute(sample);
            }

            if (graph is not null)
            {
                engine.Execute(new CommitCommand(graph, Quantization.Now));
            }

            foreach (ControllerLane? lane in _controllerLanes)
            {
                if (lane is not null)
                {
                    engine.BindController(lane);
                }
            }

            _undoDepth = 0;
            _sentVariables.Clear();
            Interlocked.Exchange(ref _variablesVersion, -1);
            EngineClock clock = engine.GetClock();
            _clockStale = false;
            _clock = clock.ToTempoMap();
            _mirroredChanges.Clear();
            _mirroredChanges.AddRange(clock.Changes);

            // The one time the position may go back: the estimate ran on while no engine played.
            _syncPosition = _lastPosition = clock.Position;
            _syncTimestamp = _lastClockSync = Stopwatch.GetTimestamp();
        }
    }

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
        EngineClock clock = Send(e => e.GetClock());
        lock (_gate)
        {
            // The position was read somewhere during the request: stamping it with the request's start keeps the
            // estimate on the early side. A position that has not moved since the last sync is a transport stopped
            // in the engine (by Ableton Link's start/stop, or another client): the estimate holds too, until it moves.
            if (Stopwatch.GetElapsedTime(_syncTimestamp, before) >= ClockSyncInterval / 2)
            {
                _transportStopped = clock.Position == _syncPosition;
            }

            _syncPosition = clock.Position;
            _syncTimestamp = before;
            _lastClockSync = before;
            if (_clockStale || !clock.Changes.SequenceEqual(_mirroredChanges))
            {
                _clockStale = false;
                _clock = clock.ToTempoMap();
                _mirroredChanges.Clear();
                _mirroredChanges.AddRange(clock.Changes);
            }
        }
    }

    /// <summary>Asks the engine for its statistics now; faulted nodes become <see cref="Faults"/>.</summary>
    public EngineStats PollStats()
    {
        EngineStats stats = Send(e => e.GetStats());
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

    /// <summary>
    /// Runs a request on the engine and gives its refusal the type the same refusal has in this process
    /// (<see cref="CommandFailure"/>), so that code written against <see cref="LiveSession"/> handles it alike; a lost
    /// engine is an <see cref="EngineUnavailableException"/>.
    /// </summary>
    private T Send<T>(Func<IEngineControl, T> request)
    {
        try
        {
            return request(Engine);
        }
        catch (Exception e) when (Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Carries one command (<see cref="Send{T}(Func{IEngineControl, T})"/>, without a closure).</summary>
    private CommandReceipt Send<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand
    {
        try
        {
            return Engine.Execute(command);
        }
        catch (Exception e) when (Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    private static Exception? Translate(Exception e) => e switch
    {
        EngineRequestException request => CommandFailure.Create((CommandErrorKind)request.Code, request.Message, request),
        System.Net.Sockets.SocketException or EngineProtocolException or ObjectDisposedException or IOException => new EngineUnavailableException($"The engine process does not answer: {e.Message}", e),
        _ => null,
    };

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
                Send(new SetVariableCommand(name, value));
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

            change.AppendTo(_mirroredChanges);
        }
        catch (ArgumentException)
        {
            // The mirror disagrees with the engine (another client changed the tempo): take the engine's at the
            // next Maintain.
            _clockStale = true;
            _lastClockSync = 0;
        }
    }
}

/// <summary>The engine process cannot be reached (it died, hung or closed the connection); the front may start another.</summary>
public sealed class EngineUnavailableException(string message, Exception inner) : InvalidOperationException(message, inner);
