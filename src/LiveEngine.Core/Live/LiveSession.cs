using System.Globalization;
using LiveEngine.Admission;
using LiveEngine.Commands;
using LiveEngine.Control;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Time;

namespace LiveEngine.Live;

/// <summary>
/// The control API of a live performance: commit a new graph at a musical time, undo, read the clock and the
/// graph. A commit is a transaction: the description is validated and compiled into a snapshot off the audio
/// thread, and only if all of that succeeds is the snapshot queued to land at its exact sample; on any error
/// nothing changes and the caller gets the precise message. Nodes whose id, type, channels and options are
/// unchanged carry their state over (same instance); their parameters glide to the new values.
/// Control side: calls are serialised internally; the audio side is <see cref="Renderer"/>.
/// </summary>
public sealed class LiveSession : ILiveSession
{
    private readonly object _gate = new();
    private readonly NodeTypeRegistry _registry;
    private readonly LiveSessionOptions _options;
    private readonly IGraphExecutor _executor;
    // Undo history (a private copy of each committed graph, never modified once added), capped so that a long
    // performance does not grow it forever. Copies rather than JSON: a commit of a 1,200-node graph spent
    // megabytes on JSON text, garbage that cost gen-2 collections in the engine process.
    private const int HistoryLimit = 1000;
    private readonly List<GraphDescription> _history = [];

    // The latest graph with the parameter values set since it was committed. _history[^1] catches up lazily
    // (LatestLocked), so that a parameter change, 100 times a second from a controller, does not copy the
    // whole graph.
    private GraphDescription? _latestWithParameters;
    private readonly List<(long Sample, GraphSnapshot Snapshot)> _timeline = [];

    // Parameter events not landed yet, in sample order once RetargetScheduledLocked sorts them (see there).
    // Preallocated, and pruned in place when full, so that scheduling an event allocates nothing.
    private readonly List<ScheduledParameter> _scheduled = new(1024);
    private GraphSnapshot _latest;

    // The graph validated last: the next validation keeps the resolution of each node it resolves the same.
    private GraphCompiler.ValidatedGraph? _lastValidated;
    private long _lastCommitSample;

    // The swap from a transition graph to the graph itself, scheduled for the end of its fades; a commit that
    // comes before then withdraws it (and so cuts the fade short) instead of waiting for it.
    private CommitTicket? _pendingSwap;

    // With DeferTransitionSwap: the last crossfaded commit's graph, validated, whose compile and queueing as the swap
    // CompleteTransition does (every call under the gate runs it first); null when none waits.
    private PendingFinal? _pendingFinal;
    private long _lateSwaps;
    private long _commits;
    private long _events;

    // The controller bindings as the control side last sent them (the render thread has its own, ControllerLanes).
    private readonly ControllerLane?[] _controllerLanes = new ControllerLane?[ControllerLane.Capacity];
    private long _lateControllerMoves;
    private CostPrediction? _lastPrediction;

    // With RecycleRetiredSnapshots: the pool the compiles take their job structure from, and the snapshots queued and
    // not yet retired (in the order they were queued, which is the order they retire in), whose arrays are not returned.
    private readonly SnapshotArrayPool? _pool;
    private readonly List<GraphSnapshot> _unretired = [];

    // Nodes moved to the live domain because a change made "now" reached them while render-ahead rendered them ahead
    // (MoveToLiveLocked); every later compile keeps them there (CompileOptions.LiveNodeIds).
    private readonly HashSet<string> _movedLive = new(StringComparer.Ordinal);
    private long _movesToLive;


    public LiveSession(NodeTypeRegistry registry, GraphDescription initial, LiveSessionOptions? options = null, IGraphExecutor? executor = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(initial);
        _registry = registry;
        _options = options ?? new LiveSessionOptions();
        _executor = executor ?? SingleThreadExecutor.Instance;
        Clock = new TempoMap(_options.SampleRate, _options.Tempo, _options.BeatsPerBar, _options.Origin);
        _pool = _options.RecycleRetiredSnapshots ? new SnapshotArrayPool() : null;
        GraphDescription copy = initial.Clone();
        _latest = Compile(copy, previous: null, previousIds: null);
        _unretired.Add(_latest);
        _history.Add(copy);
        _timeline.Add((0, _latest));
        Renderer = new LiveRenderer(_latest, _executor, _options.OutputChannels, _options.Origin.Sample);
    }

    /// <summary>What runs each block's jobs (one thread, or a pool of workers).</summary>
    public IGraphExecutor Executor => _executor;

    /// <summary>The audio side: give it to the host's callback (or drive it offline).</summary>
    public LiveRenderer Renderer { get; }

    /// <summary>Tempo, meter and beat/bar positions. Control thread.</summary>
    public TempoMap Clock { get; }

    /// <summary>Named variables that code reads and controllers, the REPL and the socket write.</summary>
    public NamedVariables Variables { get; } = new();

    /// <summary>Measured job costs that admission control predicts from (learned from trial measurements of commits).</summary>
    public JobCostTable CostTable { get; } = new();

    /// <summary>Admission control's prediction for the latest commit that went live (null when admission is off or before one).</summary>
    public CostPrediction? LastPrediction
    {
        get
        {
            lock (_gate)
            {
                CompleteTransitionLocked();
                return _lastPrediction;
            }
        }
    }

    /// <summary>The options the session was made with.</summary>
    public LiveSessionOptions Options => _options;

    /// <summary>The latest committed graph (it may not have landed yet), as a copy.</summary>
    public GraphDescription Graph
    {
        get
        {
            lock (_gate)
            {
                CompleteTransitionLocked();
                return LatestLocked().Clone();
            }
        }
    }

    /// <summary>Commits that can be undone.</summary>
    public int UndoDepth
    {
        get
        {
            lock (_gate)
            {
                CompleteTransitionLocked();
                return _history.Count - 1;
            }
        }
    }

    /// <summary>
    /// Validates and compiles <paramref name="graph"/> and schedules it to replace the graph at
    /// <paramref name="when"/>. Throws <see cref="GraphValidationException"/> (nothing changes) if the graph is
    /// invalid. Commits land in the order made: one never lands before an earlier one.
    /// </summary>
    public CommitTicket Commit(GraphDescription graph, Quantization when)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return CommitTakingOwnership(graph.Clone(), when);
    }

    /// <summary>
    /// As <see cref="Commit"/>, but the session keeps <paramref name="graph"/> itself (in its undo history) instead
    /// of a copy, so the caller must never change it afterwards. For a graph made for this commit alone, such as one
    /// decoded from a message: a copy of a 1,200-node graph is ~0.66 MB of garbage per commit.
    /// </summary>
    public CommitTicket CommitTakingOwnership(GraphDescription graph, Quantization when)
    {
        ArgumentNullException.ThrowIfNull(graph);
        lock (_gate)
        {
            CompleteTransitionLocked();
            CommitTicket ticket = Publish(graph, when);
            _history.Add(graph);
            if (_history.Count > HistoryLimit)
            {
                _history.RemoveAt(0);
            }

            return ticket;
        }
    }

    /// <summary>
    /// Commits a change expressed as an edit of the latest graph (a diff): <paramref name="change"/> gets a copy to
    /// modify — add or remove nodes and edges, set parameters — and the result is committed as by <see cref="Commit"/>.
    /// The session keeps that copy: <paramref name="change"/> must not hold on to it.
    /// </summary>
    public CommitTicket Edit(Action<GraphDescription> change, Quantization when)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            CompleteTransitionLocked();
            GraphDescription graph = LatestLocked().Clone();
            change(graph);
            // The copy is this commit's own: no second copy.
            return CommitTakingOwnership(graph, when);
        }
    }

    /// <summary>Brings back the graph before the last commit, at <paramref name="when"/>. False if there is nothing to undo.</summary>
    public bool TryUndo(Quantization when, out CommitTicket? ticket)
    {
        lock (_gate)
        {
            CompleteTransitionLocked();
            if (_history.Count < 2)
            {
                ticket = null;
                return false;
            }

            ticket = Publish(_history[^2], when);
            _history.RemoveAt(_history.Count - 1);
            return true;
        }
    }

    /// <summary>Nodes moved to the live domain so far because a change made "now" reached them while they were rendered ahead.</summary>
    public long MovesToLive
    {
        get
        {
            lock (_gate)
            {
                CompleteTransitionLocked();
                return _movesToLive;
            }
        }
    }

    /// <summary>
    /// Sets a parameter at an exact musical time: the value lands on the sample <paramref name="when"/> resolves
    /// to (the smoothers of the node then glide from there), and the session's graph keeps it for later commits.
    /// With render-ahead on, a change made "now" to a node rendered ahead lands after what is rendered ahead, and moves
    /// the node (with what it feeds) to the live domain from there on, so that its later changes land about one device
    /// block after what plays (<see cref="MoveToLiveLocked"/>).
    /// Returns that sample. Throws <see cref="ArgumentException"/> naming the node, parameter or range if the
    /// graph playing at that time has no such node or parameter, or the value is out of range; nothing changes then.
    /// </summary>
    public long SetParameter(string nodeId, string parameter, double value, Quantization when)
    {
        lock (_gate)
        {
            CompleteTransitionLocked();
            // A live node's change resolves against what the live pass rendered, not the look-ahead (render-ahead).
            long at = Clock.Resolve(when, Renderer.PositionFor(nodeId));
            ScheduleParameterLocked(nodeId, parameter, value, at);
            UpdateDescriptionLocked(nodeId, parameter, value);
            if (when.Kind == QuantizationKind.Now && Renderer.RendersAhead(_latest, nodeId))
            {
                MoveToLiveLocked(nodeId);
            }

            return at;
        }
    }

    /// <summary>
    /// A trigger: sets <paramref name="parameter"/> (a gate, by default) to <paramref name="on"/> at
    /// <paramref name="when"/> and back to <paramref name="off"/> <paramref name="lengthBeats"/> beats later, both
    /// on exact samples (note on, note off). Returns the two samples.
    /// </summary>
    public (long OnSample, long OffSample) Trigger(string nodeId, Quantization when, Fraction lengthBeats, string parameter = "gate", double on = 1, double off = 0)
    {
        if (lengthBeats <= Fraction.Zero)
        {
            throw new ArgumentOutOfRangeException(null, $"A trigger lasts more than zero beats, not {lengthBeats}.");
        }

        lock (_gate)
        {
            CompleteTransitionLocked();
            long start = Clock.Resolve(when, Renderer.Position);

            // Events on one sample apply in the order they were made, the last one winning: an off on the on's own
            // sample (a length under one sample) would swallow the note, so the off lands at least one sample later.
            long end = Math.Max(Clock.SampleAtBeat(Clock.BeatAt(start) + lengthBeats), start + 1);
            bool backToBack = RetriggerNeedsDropLocked(nodeId, parameter, off, start);
            ScheduleParameterLocked(nodeId, parameter, on, start);
            ScheduleParameterLocked(nodeId, parameter, off, end);
            if (backToBack)
            {
                // An earlier trigger's off on this on's sample would merge with it (the gate stays on, no new
                // attack): the gate drops to off one sample before, so the new note retriggers.
                try
                {
                    ScheduleParameterLocked(nodeId, parameter, off, start - 1);
                }
                catch (ArgumentException)
                {
                    // The graph playing one sample earlier lacks the node: nothing to drop there.
                }
            }

            UpdateDescriptionLocked(nodeId, parameter, off);
            return (start, end);
        }
    }

    /// <summary>
    /// Changes the tempo (and optionally the meter, on a bar line) at <paramref name="when"/>; returns the sample.
    /// Commits and events already scheduled keep the samples they were given.
    /// </summary>
    public long SetTempo(Fraction bpm, Quantization when, int? beatsPerBar = null)
    {
        lock (_gate)
        {
            CompleteTransitionLocked();
            // Not before a tempo change already scheduled (a Link correction's ramps, docs/link.md).
            long at = Math.Max(Math.Max(Clock.Resolve(when, Renderer.Position), _lastCommitSample), Clock.LastChangeSample);
            Clock.SetTempo(at, bpm, beatsPerBar);
            return at;
        }
    }

    /// <summary>Ramps the tempo linearly to <paramref name="bpm"/> over <paramref name="lengthBeats"/> beats (counted at the current tempo) from <paramref name="when"/>.</summary>
    public long RampTempo(Fraction bpm, Fraction lengthBeats, Quantization when) => RampTempoCore(bpm, lengthBeats, when).Sample;

    private (long Sample, long LengthSamples) RampTempoCore(Fraction bpm, Fraction lengthBeats, Quantization when)
    {
        lock (_gate)
        {
            CompleteTransitionLocked();
            long at = Math.Max(Math.Max(Clock.Resolve(when, Renderer.Position), _lastCommitSample), Clock.LastChangeSample);
            long length = Clock.SampleAtBeat(Clock.BeatAt(at) + lengthBeats) - at;
            Clock.RampTempo(at, length, bpm);
            return (at, length);
        }
    }

    /// <summary>
    /// Adds a sample to the sample library that samplers read (the host that owns the library sets it); null
    /// refuses <see cref="LoadSampleCommand"/>. Called on the calling control thread.
    /// </summary>
    public Action<string, float[][], int>? SampleLoader { get; set; }

    /// <summary>
    /// Admits the user node classes of an assembly image (with its optional PDB) into the session's registry and
    /// returns their type names; throws <see cref="ArgumentException"/> with every rejection. Set by the host that
    /// can check user code (the engine process); null refuses <see cref="AdmitNodesCommand"/>.
    /// </summary>
    public Func<byte[], byte[]?, IReadOnlyList<string>>? NodeAdmitter { get; set; }

    /// <summary>
    /// Executes a command: the one place that says what each command means. Every kind maps onto the method of the
    /// same name; errors are theirs (<see cref="CommandFailure"/>). A parameter change allocates nothing here.
    /// </summary>
    public CommandReceipt Execute<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand
    {
        switch (command.Kind)
        {
            case CommandKind.Commit:
                {
                    ref readonly CommitCommand commit = ref CommandCast.As<TCommand, CommitCommand>(command);
                    GraphDescription patch = commit.Graph;
                    CommitTicket ticket = commit.Patch ? Edit(g => g.MergePatch(patch), commit.When)
                        : commit.Owned ? CommitTakingOwnership(commit.Graph, commit.When) : Commit(commit.Graph, commit.When);
                    return new CommandReceipt(ticket.CommitSample, CommitId: ticket.Id) { Warning = ticket.Warning };
                }

            case CommandKind.SetParameter:
                {
                    ref readonly SetParameterCommand set = ref CommandCast.As<TCommand, SetParameterCommand>(command);
                    return new CommandReceipt(SetParameter(set.NodeId, set.Parameter, set.Value, set.When));
                }

            case CommandKind.Trigger:
                {
                    ref readonly TriggerCommand trigger = ref CommandCast.As<TCommand, TriggerCommand>(command);
                    (long on, long off) = Trigger(trigger.NodeId, trigger.When, trigger.LengthBeats, trigger.Parameter, trigger.On, trigger.Off);
                    return new CommandReceipt(on, off);
                }

            case CommandKind.SetTempo:
                {
                    ref readonly SetTempoCommand tempo = ref CommandCast.As<TCommand, SetTempoCommand>(command);
                    return new CommandReceipt(SetTempo(tempo.Bpm, tempo.When, tempo.BeatsPerBar));
                }

            case CommandKind.RampTempo:
                {
                    ref readonly RampTempoCommand ramp = ref CommandCast.As<TCommand, RampTempoCommand>(command);
                    (long at, long length) = RampTempoCore(ramp.Bpm, ramp.LengthBeats, ramp.When);
                    return new CommandReceipt(at, at + length);
                }

            case CommandKind.Undo:
                {
                    ref readonly UndoCommand undo = ref CommandCast.As<TCommand, UndoCommand>(command);
                    return TryUndo(undo.When, out CommitTicket? ticket) ? new CommandReceipt(ticket!.CommitSample, CommitId: ticket.Id) : CommandReceipt.None;
                }

            case CommandKind.SetVariable:
                {
                    ref readonly SetVariableCommand variable = ref CommandCast.As<TCommand, SetVariableCommand>(command);
                    Variables.Set(variable.Name, variable.Value);
                    return CommandReceipt.None;
                }

            case CommandKind.LoadSample:
                {
                    ref readonly LoadSampleCommand sample = ref CommandCast.As<TCommand, LoadSampleCommand>(command);
                    ArgumentException.ThrowIfNullOrEmpty(sample.Name);
                    ArgumentNullException.ThrowIfNull(sample.Channels);
                    Action<string, float[][], int> load = SampleLoader
                        ?? throw new InvalidOperationException("This session has no sample library (it was started without a sample loader).");
                    load(sample.Name, [.. sample.Channels], sample.SampleRate);
                    return CommandReceipt.None;
                }

            case CommandKind.AdmitNodes:
                {
                    ref readonly AdmitNodesCommand admit = ref CommandCast.As<TCommand, AdmitNodesCommand>(command);
                    Func<byte[], byte[]?, IReadOnlyList<string>> admitter = NodeAdmitter
                        ?? throw new InvalidOperationException("This session admits no user nodes (it was started without a node admitter).");

                    // Admission measures on its own thread and can take a while: not under the session's lock.
                    return CommandReceipt.None with { AdmittedTypes = admitter(admit.Image.ToArray(), admit.Pdb.IsEmpty ? null : admit.Pdb.ToArray()) };
                }

            case CommandKind.BindController:
                {
                    BindController(CommandCast.As<TCommand, BindControllerCommand>(command).Lane);
                    return CommandReceipt.None;
                }

            case CommandKind.MoveController:
                {
                    ref readonly MoveControllerCommand move = ref CommandCast.As<TCommand, MoveControllerCommand>(command);
                    return new CommandReceipt(MoveController(move.Lane, move.Position, move.AtSample, move.ArrivalTimestamp));
                }

            case CommandKind.Transport:
                {
                    Renderer.Playing = CommandCast.As<TCommand, TransportCommand>(command).Playing;
                    return new CommandReceipt(Renderer.Position);
                }

            default:
                throw new ArgumentException($"Unknown command kind {command.Kind}.");
        }
    }

    /// <summary>
    /// Binds controller lane <paramref name="lane"/>.Index (or frees it, <see cref="ControllerLane.Free"/>) from the
    /// start of the next block: moves sent to it from then on are mapped, smoothed and soft-taken-over on the render
    /// thread, per sample. The lane starts from scratch: soft takeover must pick the value up again, smoothing stops.
    /// The node and parameter are checked by each move (a node may come with a later commit).
    /// </summary>
    public void BindController(ControllerLane lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        lane.Validate();
        lock (_gate)
        {
            CompleteTransitionLocked();
            EnqueueLocked(new ParameterEvent(Renderer.Position, ++_events, _latest, -1, 0, lane));
            _controllerLanes[lane.Index] = lane.IsFree ? null : lane;
        }
    }

    /// <summary>
    /// Moves controller lane <paramref name="lane"/> to <paramref name="position"/> (0..1). It lands on
    /// <paramref name="atSample"/> when that is given (≥ 0); otherwise, when <paramref name="arrivalTimestamp"/> (a
    /// <see cref="System.Diagnostics.Stopwatch"/> timestamp of when the message arrived) is given (&gt; 0), on the
    /// renderer's position at that time plus <see cref="LiveSessionOptions.ControllerLatencyFrames"/>; otherwise at the
    /// start of the next block. A sample already rendered becomes the start of the next block (counted in
    /// <see cref="LateControllerMoves"/>). Returns the sample. The session's graph keeps the mapped value for later
    /// edits. Throws <see cref="ArgumentException"/> for a free lane, a node or parameter that the graph playing then
    /// lacks, or a mapped value outside the parameter's range; nothing changes then.
    /// </summary>
    public long MoveController(int lane, double position, long atSample = -1, long arrivalTimestamp = 0)
    {
        if ((uint)lane >= ControllerLane.Capacity)
        {
            throw new ArgumentException($"Controller lane {lane} does not exist: lanes are 0..{ControllerLane.Capacity - 1}.");
        }

        if (!double.IsFinite(position))
        {
            throw new ArgumentException($"A controller position is a number 0..1, not {position}.");
        }

        position = Math.Clamp(position, 0, 1);
        lock (_gate)
        {
            CompleteTransitionLocked();
            ControllerLane binding = _controllerLanes[lane] ?? throw new ArgumentException($"Controller lane {lane} is not bound.");
            long next = Renderer.Position;
            long at = atSample >= 0 ? atSample
                : arrivalTimestamp > 0 ? Renderer.SampleAtTimestamp(arrivalTimestamp) + _options.ControllerLatencyFrames
                : next;
            if (at < next)
            {
                _lateControllerMoves++;
                at = next;
            }

            double value = binding.Map(position);
            ScheduleParameterLocked(binding.NodeId!, binding.Parameter!, value, at, binding, position);
            UpdateDescriptionLocked(binding.NodeId!, binding.Parameter!, value);
            return at;
        }
    }

    /// <summary>Controller moves stamped with a time or sample that had already been rendered when they came (they landed at the next block).</summary>
    public long LateControllerMoves
    {
        get
        {
            lock (_gate)
            {
                CompleteTransitionLocked();
                return _lateControllerMoves;
            }
        }
    }

    long ILiveSession.Position => Renderer.Position;

    int ILiveSession.OutputChannels => Renderer.OutputChannels;

    /// <summary>The nodes of the playing snapshot that an exception in Process (or the watchdog) has silenced.</summary>
    public IReadOnlyList<NodeFaultReport> Faults()
    {
        GraphSnapshot playing = Renderer.Current;
        var faults = new List<NodeFaultReport>();
        for (int n = 0; n < playing.NodeFaulted.Length; n++)
        {
            // Acquire: pairs with the audio side's release, so the exception it stored before the flag is visible.
            if (Volatile.Read(ref playing.NodeFaulted[n]) != 0)
            {
                Exception? cause = Volatile.Read(ref playing.NodeExceptions[n]);
                faults.Add(new NodeFaultReport(playing.NodeIds[n], playing.NodeTypes[n].Name, cause is null ? "stalled (stopped by the watchdog)" : $"{cause.GetType().Name}: {cause.Message}"));
            }
        }

        return faults;
    }

    /// <summary>
    /// Starts rendering ahead of the device (<see cref="LiveRenderer.StartRenderAhead"/>) with the session's
    /// <see cref="LiveSessionOptions.RenderAheadMs"/>, <see cref="LiveSessionOptions.DeferredBlockFrames"/> and device block.
    /// From then on a change made "now" lands after what is rendered ahead (at most that much later; a live node's
    /// parameter, about one device block after what plays); one scheduled further ahead lands on its sample, as
    /// without render-ahead. Control thread, before the driver starts.
    /// </summary>
    /// <param name="waitWhenEmpty">True for an offline render (wait for the render-ahead thread), false for a device.</param>
    /// <param name="threadStarted">Runs first on the render-ahead thread (its priority).</param>
    /// <param name="beforeDeferredBlock">Runs on the render-ahead thread before each deferred block, with its position and frames (<see cref="RenderAheadOptions.BeforeDeferredBlock"/>).</param>
    /// <param name="deferredBlockHook">Called on the render-ahead thread around each deferred block (<see cref="RenderAheadOptions.DeferredBlockHook"/>).</param>
    public void StartRenderAhead(bool waitWhenEmpty, Action? threadStarted = null, Action<long, int>? beforeDeferredBlock = null, IDeferredBlockHook? deferredBlockHook = null) => Renderer.StartRenderAhead(new RenderAheadOptions
    {
        AheadFrames = Math.Max(RenderAheadOptions.FramesFor(_options.RenderAheadMs, _options.SampleRate), _options.RealTimeBlockFrames),
        DeferredBlockFrames = Math.Min(_options.DeferredBlockFrames, _options.MaxBlockFrames),
        DeviceBlockFrames = _options.RealTimeBlockFrames,
        WaitWhenEmpty = waitWhenEmpty,
        ThreadStarted = threadStarted,
        BeforeDeferredBlock = beforeDeferredBlock,
        DeferredBlockHook = deferredBlockHook,
    });

    /// <summary>
    /// The domains' block sizes and the look-ahead, and what render-ahead is doing now, in words for <c>:stats</c>
    /// (<paramref name="deviceFrames"/>: the device's block). Control thread.
    /// </summary>
    public string DescribeDomains(int deviceFrames)
    {
        LiveRenderer renderer = Renderer;
        if (renderer.RenderAhead is not { } ahead)
        {
            return string.Create(CultureInfo.InvariantCulture, $"domains: all real time in {deviceFrames}-frame blocks (render-ahead off; [engine] render_ahead = true renders a graph with no live node {_options.RenderAheadMs:0.#} ms ahead in {_options.DeferredBlockFrames}-frame blocks); {DescribeAdmissionLimits()}");
        }

        GraphSnapshot playing = renderer.Current;
        int live = playing.NodeIsLive.Count(l => l);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"domains: real time {deviceFrames}-frame blocks, deferred {ahead.DeferredBlockFrames}-frame blocks up to {ahead.AheadFrames * 1000.0 / _options.SampleRate:0.#} ms ahead; now {renderer.Position - renderer.PlayedPosition} frames ahead ({(playing.IsDeferrable ? "no live node" : playing.Hybrid is not null ? $"{live} live nodes: their jobs {renderer.CompletePosition - renderer.PlayedPosition} frames ahead, the rest deferred" : $"{live} live nodes: the whole graph one device block ahead")}); {renderer.RenderAheadUnderruns} underruns; {DescribeAdmissionLimits()}");
    }

    /// <summary>"admission limits: real time 70 % of its block, deferred 100 %" (or that admission is off).</summary>
    private string DescribeAdmissionLimits() => _options.Admission == AdmissionPolicy.Off
        ? "admission off"
        : string.Create(CultureInfo.InvariantCulture, $"admission limits: real time {_options.AdmissionLimit * 100:0} % of its block, deferred {_options.DeferredAdmissionLimit * 100:0} % of its block ([engine] admission_limit, deferred_admission_limit)");

    /// <summary>Releases snapshots the audio side has replaced (epoch reclamation's housekeeping step). Returns how many.</summary>
    public int CollectRetired()
    {
        lock (_gate)
        {
            CompleteTransitionLocked();
            return CollectRetiredLocked();
        }
    }

    /// <summary>
    /// Housekeeping for a host to call every few milliseconds from a control thread (the REPL loop, a timer):
    /// releases replaced snapshots. (What it does never changes the output: the graph that replaces a
    /// transition once its fades are over is scheduled with the transition, on a fixed sample.)
    /// </summary>
    public void Maintain()
    {
        lock (_gate)
        {
            // A swap left by a commit on another thread waits for that thread (CompleteTransition after its answer) until
            // half the fade has played: the compiler's working memory and the bank planner's memo are per thread, and
            // housekeeping taking every few compiles would refill both on two threads.
            if (_pendingFinal is { } pending && (pending.Thread == Environment.CurrentManagedThreadId || Renderer.Position >= (pending.At + FadeEnd(pending.At)) / 2))
            {
                CompleteTransitionLocked();
            }

            CollectRetiredLocked();
        }
    }

    private CommitTicket Publish(GraphDescription graph, Quantization when)
    {
        // Snapshots the renderer has retired since the last commit give back their run states and job arrays before
        // this one compiles, so that its snapshots can take them (an engine's housekeeping does this every 10 ms, but
        // a caller that commits without calling Maintain would otherwise allocate them anew).
        CollectRetiredLocked();

        // Validate in the user's own terms first: a transition graph's errors would name its helper nodes.
        GraphCompiler.ValidatedGraph? validatedBefore = _lastValidated;
        GraphCompiler.ValidatedGraph validated = GraphCompiler.TryValidate(graph, _registry, out IReadOnlyList<GraphError> errors, _lastValidated)
            ?? throw new GraphValidationException(errors);
        _lastValidated = validated;

        long at = Math.Max(Clock.Resolve(when, Renderer.Position), _lastCommitSample);
        if (_pendingSwap is { } swap)
        {
            _pendingSwap = null;
            if (at < swap.CommitSample && !swap.IsApplied)
            {
                swap.Cancel();
                _timeline.RemoveAll(entry => entry.Snapshot == swap.Snapshot);
            }
            else
            {
                at = Math.Max(at, swap.CommitSample);
            }
        }

        GraphDescription before = LatestLocked();
        Transition? transition = _options.CrossfadeMs > 0 ? Transition.Create(before, graph, _registry, _options.CrossfadeMs, validatedBefore, validated) : null;
        GraphSnapshot? fading = null;
        if (transition is not null)
        {
            try
            {
                fading = Compile(transition.Graph, _latest, transition.PreviousIds, validated);

                // The fades start at the commit sample: told to the new instances, not written into the graph, so that
                // the transition graph of an edit made again shares the node table of the last one.
                foreach (string crossfade in transition.Crossfades)
                {
                    ((CrossfadeNode)fading.Nodes[fading.IndexOfNode(crossfade)]).StartAt(at);
                }
            }
            catch (GraphValidationException)
            {
                // A shape the transition cannot express: switch at the commit sample instead of failing a valid edit.
                fading = null;
            }
        }

        if (fading is null)
        {
            GraphSnapshot direct = Compile(validated, _latest);
            (CostPrediction? directPrediction, string? directWarning) = Admit(direct, validated);
            CommitTicket directTicket = Enqueue(direct, at);
            directTicket.Prediction = directPrediction;
            directTicket.Warning = directWarning;
            _lastPrediction = directPrediction ?? _lastPrediction;
            return directTicket;
        }

        // With DeferTransitionSwap, the graph itself is compiled after the commit has returned (CompleteTransition),
        // where admission can be decided without it: the transition graph, queued now, is then all this commit compiles.
        if (_options.DeferTransitionSwap && FinalAdmittedByTransition(fading, transition!, validated.Nodes.Length))
        {
            CommitTicket transitionTicket = Enqueue(fading, at);
            _pendingFinal = new PendingFinal(validated, fading, transitionTicket, at, Environment.CurrentManagedThreadId);
            return transitionTicket;
        }

        // Admission is decided on the graph itself (what plays after the fades), before anything is queued.
        GraphSnapshot final = Compile(validated, fading);
        (CostPrediction? prediction, string? warning) = Admit(final, validated);

        // The transition graph plays until the fades are over, and the graph itself replaces it on the first
        // sample after them (the fades end on gains of exactly 0 and 1, so that swap changes nothing; the nodes
        // that stay keep their instances). Both are scheduled on fixed samples: a render does not depend on when
        // housekeeping runs, and a parameter event aimed after the fade finds the snapshot that will play then
        // (deferred, the swap keeps its sample, and every call on the session queues it first). A commit that comes
        // before the swap withdraws it, cutting the fade short.
        CommitTicket ticket = Enqueue(fading, at);
        ticket.Warning = warning;
        QueueSwapLocked(final, ticket, prediction, at);
        return ticket;
    }

    /// <summary>The first sample after the fades of a transition committed at <paramref name="at"/>: where the graph itself replaces it.</summary>
    private long FadeEnd(long at) => at + (long)Math.Ceiling(_options.CrossfadeMs * _options.SampleRate / 1000) + 1;

    /// <summary>Queues <paramref name="final"/> to replace the transition graph of <paramref name="ticket"/>'s commit (at <paramref name="at"/>) once its fades end.</summary>
    private void QueueSwapLocked(GraphSnapshot final, CommitTicket ticket, CostPrediction? prediction, long at)
    {
        ticket.Prediction = prediction;
        _lastPrediction = prediction ?? _lastPrediction;
        _pendingSwap = Enqueue(final, FadeEnd(at), completesTransition: true);
        _lastCommitSample = at;
    }

    /// <summary>
    /// With <see cref="LiveSessionOptions.DeferTransitionSwap"/>: compiles the graph of the last crossfaded commit, the
    /// one that replaces its transition graph when the fades end, and queues it for that sample, if the commit left it
    /// to this. Every other call on the session does this first, so what they see and do is as if the commit had queued
    /// both; a host calls it (or <see cref="Maintain"/>) soon after the commit, well before the fades end (the engine
    /// process, right after its answer). Admission was decided at the commit: the transition graph's predicted block
    /// time bounds the graph's (<see cref="FinalAdmittedByTransition"/>), so the graph's own prediction, made here,
    /// fits as well; it becomes the commit's <see cref="CommitTicket.Prediction"/> and <see cref="LastPrediction"/>.
    /// Returns whether there was one. Control thread.
    /// </summary>
    public bool CompleteTransition()
    {
        lock (_gate)
        {
            return CompleteTransitionLocked();
        }
    }

    /// <summary>Swaps queued after the renderer had already passed their sample (<see cref="CompleteTransition"/> called too late): they landed late.</summary>
    public long LateSwaps
    {
        get
        {
            lock (_gate)
            {
                return _lateSwaps;
            }
        }
    }

    private bool CompleteTransitionLocked()
    {
        if (_pendingFinal is not { } pending)
        {
            return false;
        }

        _pendingFinal = null;
        GraphSnapshot final = Compile(pending.Validated, pending.Fading);

        // Admission's prediction as Admit makes it for a graph not rendered ahead whose job kinds are all measured.
        CostPrediction? prediction = _options.Admission == AdmissionPolicy.Off ? null : PredictOn(final, _options.RealTimeBlockFrames);
        if (Renderer.Position >= FadeEnd(pending.At))
        {
            _lateSwaps++;
        }

        try
        {
            QueueSwapLocked(final, pending.Ticket, prediction, pending.At);
        }
        catch (InvalidOperationException)
        {
            // 4,096 commits already wait to land: the transition graph plays on (its fades at their end) until the next
            // commit replaces it. Counted with the late swaps; a commit would have failed here before.
            _lateSwaps++;
        }

        return true;
    }

    /// <summary>
    /// Whether admission, decided on the transition graph <paramref name="fading"/>, lets the graph after it through as
    /// <see cref="Admit"/> would, without compiling that graph. When the transition only crossfades inputs
    /// (<see cref="Transition.CrossfadesInputsOnly"/>) and forms no bank, each of the graph's jobs is one of the
    /// transition graph's with the same cost key (node type and channels, or a mix of as many channels), and each of its
    /// paths one of the transition graph's with a crossfade more: the transition graph's work, span and job count bound
    /// the graph's, and so does its predicted block time (monotonic in all three). Admission would then measure nothing (every
    /// cost key of the graph is measured), so the graph fits if the transition graph does: true. Otherwise (render-ahead on,
    /// a key not measured, or the transition graph over the limit) false, and the commit decides on the graph itself, as
    /// it always did.
    /// </summary>
    private bool FinalAdmittedByTransition(GraphSnapshot fading, Transition transition, int finalNodeCount)
    {
        if (_options.Admission == AdmissionPolicy.Off)
        {
            return true;
        }

        if (Renderer.IsRenderingAhead || !transition.CrossfadesInputsOnly || fading.BankArray.Length > 0 || !CostTable.KnowsScheduler(_executor.Threads)
            || (CostTable.TryGetSchedulerCosts(_executor.Threads, out SchedulerCosts scheduler) && (scheduler.JobNs < 0 || scheduler.ContentionShare < -1))
            || !CostTable.CoversBelow(fading, finalNodeCount))
        {
            return false;
        }

        return PredictOn(fading, _options.RealTimeBlockFrames).DeadlineShare <= _options.AdmissionLimit;
    }

    /// <summary>
    /// Admission control: predicts <paramref name="snapshot"/>'s real-time block time (measuring kinds of job not
    /// measured before on a trial compile of <paramref name="validated"/>, whose nodes are its own) and refuses it
    /// over the limit, or lets it through with a warning. Nothing is queued yet, so a refusal changes nothing.
    /// </summary>
    private (CostPrediction? Prediction, string? Warning) Admit(GraphSnapshot snapshot, GraphCompiler.ValidatedGraph validated)
    {
        if (_options.Admission == AdmissionPolicy.Off)
        {
            return (null, null);
        }

        // The domain the graph will play in: rendered ahead (the render-ahead thread must keep up with the deferred
        // block's duration), or real time at the device's block.
        int block = Renderer.IsRenderingAhead && snapshot.IsDeferrable ? Math.Min(_options.DeferredBlockFrames, _options.MaxBlockFrames) : _options.RealTimeBlockFrames;
        if ((!CostTable.Covers(snapshot) || !CostTable.KnowsScheduler(_executor.Threads)) && !snapshot.NodeTypes.Any(t => (t.Flags & NodeTypeFlags.Untrusted) != 0))
        {
            // User code is never run here (it could hang the commit): its admission measured its cost already.
            GraphSnapshot trial = GraphCompiler.Compile(validated, CompileOptionsFor(previous: null, previousIds: null) with { MaxBlockFrames = block });
            CostPredictor.Measure(trial, CostTable, block, threads: _executor.Threads);
        }

        // A split (hybrid) snapshot rendered ahead: its live jobs at the device's block, its deferred jobs at the
        // deferred block, each against its own limit.
        bool split = Renderer.IsRenderingAhead && snapshot.Hybrid is not null;
        CostPrediction prediction = split
            ? PredictOn(snapshot, _options.RealTimeBlockFrames, j => snapshot.JobIsLive[j], livePass: true)
            : PredictOn(snapshot, block);
        double limit = Renderer.IsRenderingAhead && snapshot.IsDeferrable ? _options.DeferredAdmissionLimit : _options.AdmissionLimit;
        if (split && prediction.DeadlineShare <= limit)
        {
            CostPrediction deferred = PredictOn(snapshot, Math.Min(_options.DeferredBlockFrames, _options.MaxBlockFrames), j => !snapshot.JobIsLive[j]);
            if (deferred.DeadlineShare > _options.DeferredAdmissionLimit)
            {
                (prediction, limit) = (deferred, _options.DeferredAdmissionLimit);
            }
        }

        if (prediction.DeadlineShare <= limit)
        {
            return (prediction, null);
        }

        string message = string.Create(
            CultureInfo.InvariantCulture,
            $"predicted {prediction.Describe()}, over the admission limit of {limit * 100:0} %. Costliest: {prediction.DescribeCostliest()}.");
        message += OfferToDefer(snapshot);
        if (_options.Admission == AdmissionPolicy.Refuse)
        {
            throw new GraphValidationException([new GraphError(GraphErrorKind.OverBudget, $"Commit refused (the graph playing keeps playing): {message} Lighten or remove those nodes, or set [engine] admission = \"warn\" to commit anyway.")]);
        }

        return (prediction, "Committed over the admission limit: " + message);
    }

    /// <summary>
    /// The prediction for the session's executor: its workers, and whether it runs a block serially when that is faster;
    /// for render-ahead's live pass (<paramref name="livePass"/>), one worker: it runs a split snapshot's live jobs one
    /// after another on the render-ahead thread.
    /// </summary>
    private CostPrediction PredictOn(GraphSnapshot snapshot, int blockFrames, Func<int, bool>? include = null, bool livePass = false) => livePass
        ? CostPredictor.Predict(snapshot, CostTable, 1, blockFrames, include)
        : CostPredictor.Predict(snapshot, CostTable, _executor.Threads, blockFrames, include, serialWhenFaster: _executor is Scheduling.ParallelExecutor { AdaptsToSerial: true });

    /// <summary>
    /// Admission control's offer to move nodes to the deferred domain: when <paramref name="snapshot"/> is over the
    /// real-time limit with nodes pinned <c>live = on</c>, and with those pins dropped what stays live (live input and
    /// what it feeds) would fit the device's deadline and the rest, rendered ahead, the deferred block's, then
    /// " It would fit if a, b were deferred …"; otherwise empty. Control thread.
    /// </summary>
    private string OfferToDefer(GraphSnapshot snapshot)
    {
        var pinned = new List<string>();
        for (int n = 0; n < snapshot.Nodes.Length; n++)
        {
            if (snapshot.IsPinnedLive(n))
            {
                pinned.Add(snapshot.NodeIds[n]);
            }
        }

        if (pinned.Count == 0)
        {
            return "";
        }

        bool[] liveWithoutPins = snapshot.JobsLiveWithoutPins();
        CostPrediction live = PredictOn(snapshot, _options.RealTimeBlockFrames, j => liveWithoutPins[j], livePass: true);
        CostPrediction deferred = PredictOn(snapshot, Math.Min(_options.DeferredBlockFrames, _options.MaxBlockFrames), j => !liveWithoutPins[j]);
        if (live.DeadlineShare > _options.AdmissionLimit || deferred.DeadlineShare > _options.DeferredAdmissionLimit)
        {
            return "";
        }

        string names = pinned.Count <= 5 ? string.Join(", ", pinned) : string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", pinned.Take(5))} and {pinned.Count - 5} more");
        string how = Renderer.IsRenderingAhead ? "" : " and turn render-ahead on (--render-ahead on, [engine] render_ahead = on)";
        return string.Create(
            CultureInfo.InvariantCulture,
            $" It would fit if {names} were deferred (rendered ahead: {deferred.Describe()}): unpin {(pinned.Count == 1 ? "it" : "them")} (drop `live = on`){how}.");
    }

    /// <summary>
    /// Moves node <paramref name="nodeId"/>, rendered ahead in the latest snapshot, to the live domain (with what it feeds:
    /// the compiler's domains flow downstream): the latest graph compiled again with the node among
    /// <see cref="CompileOptions.LiveNodeIds"/>, every node keeping its instance and the parameter values the latest
    /// snapshot holds, queued for the first sample not rendered yet (or the latest commit's, if later). The deferred
    /// pass has rendered the node up to there and stops touching it; the live pass renders it from there: a clean
    /// handover of its state. Nothing moves while a transition's fades play (the next change after them moves it).
    /// No admission: the graph is the one admitted, only split differently. Control thread, under the gate.
    /// </summary>
    private void MoveToLiveLocked(string nodeId)
    {
        if (_pendingSwap is { IsApplied: false } || !_movedLive.Add(nodeId))
        {
            return;
        }

        GraphSnapshot latest = _latest;
        GraphCompiler.ValidatedGraph? validated = GraphCompiler.TryValidate(LatestLocked(), _registry, out _, _lastValidated);
        if (validated is null)
        {
            _movedLive.Remove(nodeId);
            return;
        }

        _lastValidated = validated;
        GraphSnapshot moved = Compile(validated, latest);
        if (moved.ParameterValues.Length == latest.ParameterValues.Length && moved.ParameterStarts.AsSpan().SequenceEqual(latest.ParameterStarts))
        {
            // The values the snapshot playing holds, not the description's (which already has values scheduled later):
            // a change landed or due before the move's sample is the same in both, one due after it is queued again
            // for the moved snapshot (RetargetScheduledLocked).
            latest.ParameterValues.AsSpan().CopyTo(moved.ParameterValues);
        }

        Enqueue(moved, Math.Max(Renderer.Position, _lastCommitSample), completesTransition: true);
        _movesToLive++;
    }

    /// <summary>Queues <paramref name="snapshot"/> to land at <paramref name="at"/>; a swap that completes a transition keeps its commit's number.</summary>
    private CommitTicket Enqueue(GraphSnapshot snapshot, long at, bool completesTransition = false)
    {
        PruneTimeline();
        var ticket = new CommitTicket(completesTransition ? _commits : ++_commits, snapshot, at);

        // Listed first: it may share arrays with a snapshot that retires now (the one it was compiled after).
        _unretired.Add(snapshot);
        CollectRetiredLocked();
        if (!Renderer.TryEnqueue(ticket))
        {
            _unretired.Remove(snapshot);
            throw new InvalidOperationException($"{LiveRenderer.QueueCapacity} commits are already waiting to land; wait for some of them (is the audio side running?).");
        }

        _latest = snapshot;
        _lastCommitSample = at;
        _timeline.Add((at, snapshot));
        RetargetScheduledLocked(snapshot, at, completesTransition);
        return ticket;
    }

    /// <summary>
    /// An event already queued for a sample at or after <paramref name="at"/> was resolved against the snapshot that
    /// <paramref name="snapshot"/> replaces there, so it would be dropped on landing: queues it again, resolved by
    /// node id and parameter name against <paramref name="snapshot"/>, with its own sample and sequence (so same-sample
    /// events keep their order). A node or parameter the new graph lacks, or a value outside its new range, makes
    /// the event do nothing. The swap that completes a transition also carries the events that land during the
    /// fade (its graph was compiled before them). While half the event queue is taken (a storm of commits, each
    /// landing before many scheduled events), events are not queued again: they are dropped, and counted, as a late
    /// event is. Control thread, under the gate; the audio side is unchanged.
    /// </summary>
    private void RetargetScheduledLocked(GraphSnapshot snapshot, long at, bool completesTransition)
    {
        PruneScheduledLocked();
        _scheduled.Sort(static (a, b) => a.Sample != b.Sample ? a.Sample.CompareTo(b.Sample) : a.Sequence.CompareTo(b.Sequence));
        long fadeStart = completesTransition && _timeline.Count >= 2 ? _timeline[^2].Sample : at;
        foreach (ScheduledParameter item in _scheduled)
        {
            if (item.Sample < fadeStart)
            {
                continue;
            }

            int node = snapshot.IndexOfNode(item.NodeId);
            int p = node < 0 ? -1 : snapshot.NodeTypes[node].FindParameter(item.Parameter);
            if (p < 0 || !snapshot.NodeTypes[node].Parameters[p].Contains(item.Value))
            {
                continue;
            }

            int index = snapshot.ParameterStarts[node] + p;
            if (item.Sample >= at)
            {
                // A storm of commits, each landing before many scheduled events, queues a copy per commit and event:
                // keep half the queue for new events; those not queued again are dropped (counted) as before.
                if (Renderer.IncomingEventRoom <= LiveRenderer.EventCapacity / 2)
                {
                    continue;
                }

                EnqueueLocked(new ParameterEvent(item.Sample, item.Sequence, snapshot, index, (float)item.Value, item.Lane, item.Position));
                Renderer.NoteSupersededEvent();
            }
            else
            {
                snapshot.ParameterValues[index] = (float)item.Value;
            }
        }
    }

    private void ScheduleParameterLocked(string nodeId, string parameter, double value, long at, ControllerLane? lane = null, double position = 0)
    {
        PruneTimeline();
        int playing = 0;
        for (int i = 1; i < _timeline.Count && _timeline[i].Sample <= at; i++)
        {
            playing = i;
        }

        GraphSnapshot snapshot = _timeline[playing].Snapshot;
        int index = ResolveParameter(snapshot, nodeId, parameter, value, at);
        EnqueueLocked(new ParameterEvent(at, ++_events, snapshot, index, (float)value, lane, position));
        if (_scheduled.Count == _scheduled.Capacity)
        {
            PruneScheduledLocked();
        }

        _scheduled.Add(new ScheduledParameter(at, _events, nodeId, parameter, value, lane, position));

        // Snapshots that land after the event carry the value from their first frame. They are not playing yet,
        // so writing their values here is safe (at worst, when published late, the value lands a block late).
        for (int i = playing + 1; i < _timeline.Count; i++)
        {
            GraphSnapshot later = _timeline[i].Snapshot;
            int node = later.IndexOfNode(nodeId);
            int p = node < 0 ? -1 : later.NodeTypes[node].FindParameter(parameter);
            if (p >= 0)
            {
                later.ParameterValues[later.ParameterStarts[node] + p] = (float)value;
            }
        }
    }

    /// <summary>Forgets the events that have landed (before the position now), in place: allocates nothing.</summary>
    private void PruneScheduledLocked()
    {
        long now = Renderer.Position;
        int kept = 0;
        for (int i = 0; i < _scheduled.Count; i++)
        {
            if (_scheduled[i].Sample >= now)
            {
                _scheduled[kept++] = _scheduled[i];
            }
        }

        _scheduled.RemoveRange(kept, _scheduled.Count - kept);
    }

    /// <summary>
    /// Whether an earlier event sets <paramref name="parameter"/> of <paramref name="nodeId"/> to <paramref name="off"/>
    /// on <paramref name="start"/> (the end of a back-to-back trigger) and nothing else sets it one sample before.
    /// </summary>
    private bool RetriggerNeedsDropLocked(string nodeId, string parameter, double off, long start)
    {
        if (start - 1 < Renderer.Position)
        {
            return false;
        }

        bool offThere = false;
        foreach (ScheduledParameter item in _scheduled)
        {
            if (item.NodeId != nodeId || item.Parameter != parameter || item.Sample < start - 1 || item.Sample > start)
            {
                continue;
            }

            if (item.Sample == start - 1)
            {
                return false;
            }

            offThere |= item.Value == off;
        }

        return offThere;
    }

    private void EnqueueLocked(in ParameterEvent item)
    {
        if (!Renderer.TryEnqueue(item))
        {
            throw new InvalidOperationException($"{LiveRenderer.EventCapacity} parameter events are already waiting; is the audio side running?");
        }
    }

    /// <summary>Keeps only the part of the timeline that can still matter: the entry playing now and those after it.</summary>
    private void PruneTimeline()
    {
        long now = Renderer.Position;
        int passed = 0;
        while (passed + 1 < _timeline.Count && _timeline[passed + 1].Sample <= now)
        {
            passed++;
        }

        _timeline.RemoveRange(0, passed);
    }

    private static int ResolveParameter(GraphSnapshot snapshot, string nodeId, string parameter, double value, long at)
    {
        int node = snapshot.IndexOfNode(nodeId);
        if (node < 0)
        {
            // No parameter name: it would add "(Parameter 'nodeId')" to a message that a performer reads.
            throw new ArgumentException($"No node '{nodeId}' in the graph playing at sample {at}.");
        }

        NodeTypeDescriptor type = snapshot.NodeTypes[node];
        int p = type.FindParameter(parameter);
        if (p < 0)
        {
            string known = type.Parameters.Count == 0 ? "it has none" : "its parameters: " + string.Join(", ", type.Parameters.Select(x => x.Name));
            throw new ArgumentException($"Node '{nodeId}' (type '{type.Name}') has no parameter '{parameter}' ({known}).");
        }

        ParameterDescriptor descriptor = type.Parameters[p];
        if (!descriptor.Contains(value))
        {
            // Neither a parameter name nor the actual value: the message already says both, in the user's terms.
            throw new ArgumentOutOfRangeException(null, descriptor.Refusal(nodeId, value));
        }

        return snapshot.ParameterStarts[node] + p;
    }

    private void UpdateDescriptionLocked(string nodeId, string parameter, double value)
    {
        // Copy on write, node by node: the latest graph's node list is copied, and a node the first time it changes. The
        // committed graph stays as it was (undo, and the engine's decoder shares its nodes with the next commit); a
        // deep copy of a 1,200-node graph at the first change after every commit was ~0.66 MB. The edge list is
        // shared: a parameter changes no edge, and no graph of the history is ever changed (readers get copies).
        GraphDescription committed = _history[^1];
        _latestWithParameters ??= new GraphDescription { Nodes = [.. committed.Nodes], Edges = committed.Edges };
        List<NodeSpec> nodes = _latestWithParameters.Nodes;
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Id == nodeId)
            {
                if (i < committed.Nodes.Count && ReferenceEquals(nodes[i], committed.Nodes[i]))
                {
                    nodes[i] = nodes[i].Clone();
                }

                nodes[i].Parameters[parameter] = value;
                return;
            }
        }
    }

    /// <summary>The latest graph, with the parameter values set since its commit. Read only: callers copy it to change it.</summary>
    private GraphDescription LatestLocked()
    {
        if (_latestWithParameters is not null)
        {
            // The copy becomes the history entry; the next parameter change copies it again.
            _history[^1] = _latestWithParameters;
            _latestWithParameters = null;
        }

        return _history[^1];
    }

    private GraphSnapshot Compile(GraphDescription graph, GraphSnapshot? previous, IReadOnlyDictionary<string, string>? previousIds, GraphCompiler.ValidatedGraph? resolvedPrefix = null)
    {
        // A transition graph begins with the nodes of the graph just validated: their resolution is reused.
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, _registry, CompileOptionsFor(previous, previousIds), resolvedPrefix);
        _executor.Prepare(snapshot);
        return snapshot;
    }

    /// <summary>Compiles a graph that <see cref="Publish"/> has validated, without resolving it again.</summary>
    private GraphSnapshot Compile(GraphCompiler.ValidatedGraph graph, GraphSnapshot? previous)
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, CompileOptionsFor(previous, previousIds: null));
        _executor.Prepare(snapshot);
        return snapshot;
    }

    private CompileOptions CompileOptionsFor(GraphSnapshot? previous, IReadOnlyDictionary<string, string>? previousIds) => new()
    {
        SampleRate = _options.SampleRate,
        MaxBlockFrames = _options.MaxBlockFrames,
        Seed = _options.Seed,
        Banking = _options.Banking,
        Previous = previous,
        PreviousIds = previousIds,
        // Its snapshots render one at a time, and the renderer copies each one's output as soon as it is rendered.
        ShareArenaWithPrevious = true,
        Pool = _pool,
        LiveNodeIds = _movedLive.Count == 0 ? null : _movedLive,
    };

    private int CollectRetiredLocked()
    {
        int count = 0;
        while (Renderer.TryTakeRetired(out GraphSnapshot? retired))
        {
            // The executor may reuse what it prepared for it (a retired snapshot is never rendered again), and so may
            // the compiler its job structure, where no snapshot still queued shares it.
            _executor.Release(retired!);
            int queued = _unretired.IndexOf(retired!);
            if (queued >= 0)
            {
                _unretired.RemoveRange(0, queued + 1);
                _pool?.Return(retired!, _unretired);
            }

            count++;
        }

        return count;
    }

    /// <summary>A crossfaded commit whose transition graph is queued and whose graph is not compiled yet.</summary>
    private sealed record PendingFinal(GraphCompiler.ValidatedGraph Validated, GraphSnapshot Fading, CommitTicket Ticket, long At, int Thread);
}
