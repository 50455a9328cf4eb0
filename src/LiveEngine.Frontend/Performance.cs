using System.Text.Json.Nodes;
using LiveEngine.Commands;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Midi.Control;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>
/// One performance, the service its clients (the REPL's prompt, the editor socket, <c>liveengine serve</c>) drive:
/// a live session and the parts that each own one thing around it, the languages (<see cref="Languages"/>), the
/// controllers (<see cref="MidiHost"/>), the engine's supervision (<see cref="Supervisor"/>), the session log
/// (<see cref="Log"/>) and the notices (<see cref="NoticeBoard"/>). Every action is logged (before it runs) with
/// the sample the audio side had reached, and <see cref="SessionReplay"/> re-renders the log offline. Evaluations
/// run one at a time, in the order they arrive. Its control thread pumps the languages' callbacks ahead of the
/// audio, moves the controllers' smoothing on and lets the supervisor look after the engine.
/// </summary>
/// <remarks>
/// Two ways to hold the engine: in this process (a <see cref="LiveSession"/> and a driver given to
/// <see cref="Play"/>; offline rendering and replay), or in the engine process (a <see cref="RemoteSession"/>;
/// the REPL's default), where the audio thread shares no heap with the compilers and the scripting here, so their
/// garbage never pauses it (a .NET collection suspends every managed thread of its own process). The languages,
/// MIDI and the socket see the same <see cref="ILiveSession"/> either way.
/// </remarks>
public sealed class Performance : IPerformanceService, IDisposable
{
    private readonly object _actionGate = new();
    private Thread? _pump;
    private volatile bool _stopping;
    private DriverHandle? _driver;
    private float[][]? _offlineChunk;
    private readonly SampleFolders _samples;

    public Performance(NodeTypeRegistry registry, PerformanceOptions options, IGraphExecutor? executor = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Registry = registry;
        executor ??= SingleThreadExecutor.Instance;
        GraphDescription initial = options.InitialGraph ?? Silence();
        Local = new LiveSession(registry, initial, options.Session, executor);
        Session = Local;
        Logged = new LoggedSession(Session, () => Log, _actionGate);
        (Languages, MidiHost, Supervisor, Stats) = CreateParts(executor);
        _samples = new SampleFolders(options.SampleFolders);
        Log = options.LogPath is { } path ? SessionLog.Start(path, options, options.Session, initial, Local.Clock.Origin) : null;
    }

    /// <summary>
    /// A performance whose engine plays in another process: <paramref name="remote"/> forwards every change to it.
    /// Its graph as of now (an engine already playing keeps playing it) opens the session log. The engine is not
    /// this performance's to stop: disposing it leaves the engine playing.
    /// </summary>
    public Performance(NodeTypeRegistry registry, PerformanceOptions options, RemoteSession remote)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(remote);
        Registry = registry;
        Remote = remote;
        Session = remote;
        Logged = new LoggedSession(Session, () => Log, _actionGate);
        Options = options with { Session = remote.Options };
        (Languages, MidiHost, Supervisor, Stats) = CreateParts(executor: null);

        // The engine plays samplers from its own library: every sample loaded here is sent there too.
        _samples = new SampleFolders(options.SampleFolders) { Loaded = remote.LoadSample };
        GraphDescription playing = remote.Graph;
        if (options.InitialGraph is { } initial)
        {
            remote.Commit(initial, Quantization.Now);
            playing = initial;
        }

        // The log starts where this performance joins the engine (which may have played for an hour): a replay
        // renders from there, on the same beats and bars, with the tempo and meter playing there.
        (TempoOrigin origin, Fraction bpm, int beatsPerBar) = remote.ResumePoint();
        Log = options.LogPath is { } path ? SessionLog.Start(path, Options, remote.Options with { Tempo = bpm, BeatsPerBar = beatsPerBar }, playing, origin) : null;
    }

    private (LanguageHost, MidiHost, EngineSupervisor, PerformanceStats) CreateParts(IGraphExecutor? executor) =>
    (
        new LanguageHost(Session, NoticeBoard, () => Log),
        new MidiHost(Session, Options.MidiBankSize, NoticeBoard, () => Log),
        new EngineSupervisor(Session, Local, Remote, () => _driver, NoticeBoard),
        new PerformanceStats(Session, Local, Remote, () => _driver, executor, Registry, Options.BlockFrames)
    );

    public PerformanceOptions Options { get; }

    public NodeTypeRegistry Registry { get; }

    /// <summary>The session code drives: <see cref="Local"/> or <see cref="Remote"/>.</summary>
    public ILiveSession Session { get; }

    /// <summary>
    /// <see cref="Session"/> with every command that changes what plays written to the session log first: what acts on
    /// the performance without typed code (OSC, SuperDirt, the stage view, this class's own actions) goes through it.
    /// The languages drive <see cref="Session"/> itself: their evaluations are logged, and a replay runs them again.
    /// </summary>
    public LoggedSession Logged { get; }

    /// <summary>The granted sample folders (and, for an engine process, the path that copies samples there).</summary>
    public SampleFolders Samples => _samples;

    /// <summary>The session when the engine renders in this process (null when it plays in the engine process).</summary>
    public LiveSession? Local { get; }

    /// <summary>The session when the engine plays in its own process (null in this one).</summary>
    public RemoteSession? Remote { get; }

    /// <summary>The session log (<see cref="PerformanceOptions.LogPath"/>), or null for none.</summary>
    public SessionLog? Log { get; }

    /// <summary>The notices every part posts and every client reads.</summary>
    public NoticeBoard NoticeBoard { get; } = new();

    /// <summary>The languages and their evaluations.</summary>
    public LanguageHost Languages { get; }

    /// <summary>The controllers and their inputs.</summary>
    public MidiHost MidiHost { get; }

    /// <summary>What looks after the engine: housekeeping, restarts, xruns, driver events, faults.</summary>
    public EngineSupervisor Supervisor { get; }

    /// <summary><c>:graph</c> and <c>:stats</c> as text.</summary>
    public PerformanceStats Stats { get; }

    /// <summary>The controller banks: bindings of MIDI controllers to variables and parameters (docs/midi.md).</summary>
    public MidiControl Midi => MidiHost.Midi;

    /// <summary>Keeps <paramref name="thing"/> (a MIDI input, say) alive as long as the performance; disposed with it.</summary>
    public void Attach(IDisposable thing) => MidiHost.Attach(thing);

    /// <summary>Starts an engine process to take over when the one playing this performance dies (<see cref="EngineSupervisor.EngineRestarter"/>).</summary>
    public Func<RemoteSession, IEngineControl>? EngineRestarter
    {
        get => Supervisor.EngineRestarter;
        set => Supervisor.EngineRestarter = value;
    }

    /// <summary>The driver playing the session, or null offline.</summary>
    public DriverHandle? Driver => _driver;

    public IReadOnlyCollection<string> LanguageNames => Languages.Names;

    /// <summary>Errors and events for the performer: failing callbacks, faulted nodes, xruns, a stopped server.</summary>
    public event Action<Notice>? Notices
    {
        add => NoticeBoard.Posted += value;
        remove => NoticeBoard.Posted -= value;
    }

    /// <summary>Binds a language to this performance's session; its code can run <c>midi</c> and <c>sample</c> commands.</summary>
    public void AddLanguage(Func<ILiveSession, ILiveLanguage> create) =>
        Languages.Add(create, [("midi", command => Frontend.Midi.MidiCommands.Execute(Midi, command)), ("sample", _samples.Command), ("link", LinkHostCommand)]);

    public bool TryGetLanguage(string name, out ILiveLanguage? language) => Languages.TryGet(name, out language);

    public IReadOnlyList<string> NodeTypeNames => [.. Registry.Types.Select(t => t.Name)];

    public bool PlaysInEngineProcess => Remote is not null;

    public bool IsComplete(string language, string code) => !Languages.TryGet(language, out ILiveLanguage? lang) || lang!.IsComplete(code);

    public IReadOnlyList<string> Complete(string language, string code, int position) =>
        Languages.TryGet(language, out ILiveLanguage? lang) ? lang!.Complete(code, position) : [];

    public IReadOnlyList<KeyValuePair<string, double>> VariablesNow() => [.. Session.Variables.Snapshot()];

    public double TempoNow() => Session.Clock.TempoAt(Session.Position).ToDouble();

    public string MidiCommand(string command) => Frontend.Midi.MidiCommands.Execute(Midi, command);

    /// <summary>
    /// Turns Ableton Link on (true), off (false) or leaves it (null) where the engine plays: in the engine process
    /// (engine protocol request 20) or in this one (docs/link.md). Where Link cannot run, the report is off, with why.
    /// </summary>
    public Hosts.Link.LinkReport SetLink(bool? enable) => Remote is not null ? Remote.Engine.SetLink(enable) : LocalLink!.Set(enable);

    /// <summary><c>:link [on|off]</c>: the status line; asking for on where Link cannot run throws the reason ("Ableton Link is off: …").</summary>
    public string LinkCommand(string argument) => Describe(SetLinkOrThrow(Hosts.Link.LinkReport.ParseSwitch(argument)));

    /// <summary>
    /// The session's Link switch when the engine plays in this process (null with an engine process, whose own switch
    /// <see cref="SetLink"/> reaches). Set it before the first use to give it other options or availability; the
    /// performance disposes it.
    /// </summary>
    public Hosts.Link.LinkSwitch? LocalLink
    {
        get => Local is null ? null : _localLink ??= new Hosts.Link.LinkSwitch(Local, Local.Clock, Local.Renderer);
        set => _localLink = value;
    }

    private Hosts.Link.LinkSwitch? _localLink;

    /// <summary>The <c>link</c> host command of scripts: the report as <see cref="Hosts.Link.LinkReport.ToHostText"/> writes it.</summary>
    private string LinkHostCommand(string argument) => SetLinkOrThrow(Hosts.Link.LinkReport.ParseSwitch(argument)).ToHostText();

    private Hosts.Link.LinkReport SetLinkOrThrow(bool? enable)
    {
        Hosts.Link.LinkReport report = SetLink(enable);
        return enable == true && !report.Enabled ? throw new InvalidOperationException(report.Reason ?? "Ableton Link did not start (see the engine's log).") : report;
    }

    private static string Describe(Hosts.Link.LinkReport report) => report.Describe();

    /// <summary>The graph with nothing but the output: silence.</summary>
    public static GraphDescription Silence()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out");
        return graph;
    }

    /// <summary>Evaluates <paramref name="code"/> in <paramref name="language"/> (<see cref="LanguageHost.EvaluateAsync"/>): logged first, then run.</summary>
    public Task<Evaluation> EvaluateAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        Languages.EvaluateAsync(language, code, source, quantize, cancellationToken);

    /// <summary>Evaluates <paramref name="code"/> as a piece loaded in place of the one playing (<see cref="LanguageHost.LoadCodeAsync"/>). Logged.</summary>
    public Task<Evaluation> LoadCodeAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        Languages.LoadCodeAsync(language, code, source, quantize, cancellationToken);

    /// <summary>Loads synchronously (replay, where no other thread evaluates).</summary>
    public Evaluation LoadCode(string language, string code, string source, Quantization quantize) => Languages.LoadCode(language, code, source, quantize);

    /// <summary>Evaluates synchronously (offline rendering and replay, where no other thread evaluates).</summary>
    public Evaluation Evaluate(string language, string code, string source, Quantization quantize) => Languages.Evaluate(language, code, source, quantize);

    /// <summary>
    /// The REPL's <c>:load FILE</c>: a <c>.lua</c> or <c>.csx</c> piece, or a <c>.json</c> graph, replaces the piece
    /// playing. The old piece's callbacks (every language's) stop at the musical point where the new graph lands,
    /// so no track of the old piece plays into the new graph. A piece that fails leaves the old one playing. Logged
    /// as a <c>load</c> entry (docs/repl.md).
    /// </summary>
    public async Task<Evaluation> LoadAsync(string path, Quantization quantize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        string language = extension switch
        {
            ".json" => "",
            ".lua" => "lua",
            ".csx" or ".cs" => "cs",
            _ => throw new ArgumentException($"{path}: :load reads .lua, .csx and .json files."),
        };
        string code = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        string source = Path.GetFileName(path);
        if (language.Length == 0)
        {
            GraphDescription graph = GraphDescription.FromJson(code);
            _samples.LoadImpulseResponses(graph, path);
            CommandReceipt receipt = LoadGraph(graph, source, quantize);
            return Evaluation.Success($"graph from {source} lands at sample {receipt.Sample}") with { CommitSample = receipt.Sample };
        }

        return await LoadCodeAsync(language, code, source, quantize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits <paramref name="graph"/> as a piece loaded in place of the one playing: every language's callbacks
    /// stop where it lands. Logged. Throws <see cref="GraphValidationException"/> (nothing changes) if invalid.
    /// </summary>
    public CommandReceipt LoadGraph(GraphDescription graph, string source, Quantization when)
    {
        ArgumentNullException.ThrowIfNull(graph);
        CommandReceipt receipt;
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "load", Position = Session.Position, Source = source, Graph = JsonNode.Parse(graph.ToJson()), Quantize = when.ToString() });
            receipt = Session.Commit(graph, when);
        }

        Languages.StopAllAt(receipt.Sample);

        return receipt;
    }

    /// <summary>
    /// The REPL's <c>:save FILE</c>: writes the latest graph so that it renders and loads without this session. A
    /// graph of built-in node types is saved as JSON. One that uses node types the session's code defined (C#
    /// <c>UserNode</c> classes) is also saved as a piece in that language (<c>FILE.csx</c>) holding their source and
    /// the graph; a <c>.csx</c> FILE is saved as that piece only. Returns what was written, for the performer.
    /// Throws <see cref="InvalidOperationException"/> (nothing written) when a node type's source is unknown.
    /// </summary>
    public string Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        GraphDescription graph = Session.Graph;
        string json = graph.ToJson();
        bool asPiece = Path.GetExtension(path).Equals(".csx", StringComparison.OrdinalIgnoreCase);
        NodeTypeRegistry builtin = Dsp.BuiltinNodeTypes.CreateRegistry();
        List<string> userTypes = [.. graph.Nodes.Select(n => n.Type).Distinct(StringComparer.Ordinal).Where(t => !builtin.TryGet(t, out _)).Order(StringComparer.Ordinal)];
        if (userTypes.Count == 0 && !asPiece)
        {
            File.WriteAllText(path, json);
            return $"saved the graph to {path} (load it with :load {path}, render it with liveengine render {path})";
        }

        string? piece = null;
        foreach (ILiveLanguage language in Languages.All)
        {
            IReadOnlyDictionary<string, string> sources = language.NodeSources;
            if (userTypes.All(sources.ContainsKey) && language.WritePiece(userTypes, json) is { } text)
            {
                piece = text;
                break;
            }
        }

        if (piece is null)
        {
            string missing = string.Join(", ", userTypes.Where(t => !Languages.All.Any(l => l.NodeSources.ContainsKey(t))).Select(t => $"'{t}'"));
            throw new InvalidOperationException(missing.Length > 0
                ? $"Nothing saved: the graph uses node type(s) {missing}, whose source this session did not evaluate (define them here again, then :save)."
                : "Nothing saved: no language can hold every node type the graph uses in one piece.");
        }

        string piecePath = asPiece ? path : Path.ChangeExtension(path, ".csx");
        if (!asPiece)
        {
            File.WriteAllText(path, json);
        }

        File.WriteAllText(piecePath, piece);
        string types = string.Join(", ", userTypes);
        return asPiece
            ? $"saved the graph and the source of its node types ({types}) to {piecePath} (render it with liveengine render {piecePath})"
            : $"saved the graph to {path}, and with the source of its node types ({types}) to {piecePath}: render that one (liveengine render {piecePath}) or :load it";
    }

    /// <summary>Sets a node parameter at <paramref name="when"/>; returns the sample. Logged.</summary>
    public long SetParameter(string node, string parameter, double value, Quantization when)
    {
        return Logged.SetParameter(node, parameter, value, when);
    }

    /// <summary>Changes the tempo at <paramref name="when"/>; returns the sample. Logged.</summary>
    public long SetTempo(Fraction bpm, Quantization when)
    {
        if (bpm <= Fraction.Zero || bpm > 999)
        {
            throw new ArgumentOutOfRangeException(null, $"The tempo must be more than 0 and at most 999 BPM, not {bpm}.");
        }

        return Logged.SetTempo(bpm, when);
    }

    /// <summary>Sets a named variable now. Logged.</summary>
    public void SetVariable(string name, double value)
    {
        Logged.SetVariable(name, value);
    }

    /// <summary>Commits a whole graph at <paramref name="when"/>. Logged. Throws <see cref="GraphValidationException"/> (nothing changes) if invalid.</summary>
    public CommandReceipt Commit(GraphDescription graph, Quantization when)
    {
        return Logged.Commit(graph, when);
    }

    /// <summary>
    /// Writes to the session log that the sample <paramref name="name"/> was loaded from <paramref name="file"/> (as the
    /// loader was given it: relative to a granted folder, which the log's header lists) by something other than code
    /// (SuperDirt's sounds): a replay loads it from there again.
    /// </summary>
    public void LogSample(string name, string file)
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "sample", Position = Session.Position, Name = name, Source = file });
        }
    }

    /// <summary>
    /// Writes to the session log an OSC message that a language's handler took (<see cref="Osc.OscRouter.Delivered"/>)
    /// and the sample it landed on: a replay hands it to the replayed code's handlers there. What the handlers do is
    /// not logged itself, as what a scheduled callback does is not: the replayed code does it again.
    /// </summary>
    public void LogOsc(LiveEngine.Osc.OscMessage message, long sample)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "osc", Position = Session.Position, Name = message.Address, Sample = sample, Osc = Convert.ToBase64String(LiveEngine.Osc.OscPacketWriter.ToArray(message)) });
        }
    }

    /// <summary>Brings back the graph before the last commit. Logged.</summary>
    public bool Undo(Quantization when)
    {
        return Logged.TryUndo(when, out _);
    }

    /// <summary>Whether the transport plays (<see cref="SetTransport"/>); a performance starts playing.</summary>
    public bool TransportPlaying { get; private set; } = true;

    /// <summary>
    /// Stops the transport (the output is silent from the next block, the clock holds, commits and events due later
    /// wait) or plays it again from where it held. Logged as <c>stop</c> or <c>play</c>; returns the held position.
    /// </summary>
    public long SetTransport(bool playing)
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = playing ? "play" : "stop", Position = Session.Position });
            long at = Session.SetTransport(playing);
            TransportPlaying = playing;
            return at;
        }
    }

    /// <summary>The panic button: every scheduled callback stops and the graph fades to silence now. Logged.</summary>
    public void Panic()
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "panic", Position = Session.Position });
            Languages.StopAll();

            Session.Commit(Silence(), Quantization.Now);
        }

        Raise(NoticeLevel.Warning, "panic", "every callback stopped; fading to silence");
    }

    /// <summary>
    /// Plays the session through <paramref name="driver"/> and starts the control thread that pumps the languages'
    /// callbacks ahead of the audio, does the session's housekeeping and turns faults and xruns into notices.
    /// </summary>
    public void Play(DriverHandle driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        if (Local is null)
        {
            throw new InvalidOperationException("The engine process plays this performance; it has its own driver.");
        }

        _driver = driver;
        StartControl();
    }

    /// <summary>
    /// Starts the control thread alone: for a performance whose engine process plays it (<see cref="Remote"/>), whose
    /// xruns, faulted nodes and driver events come from the engine's statistics.
    /// </summary>
    public void StartControl()
    {
        if (_pump is not null)
        {
            throw new InvalidOperationException("The performance is already playing.");
        }

        _pump = new Thread(PumpLoop) { IsBackground = true, Name = "liveengine control" };
        _pump.Start();
    }

    /// <summary>
    /// Offline: renders until the audio position reaches <paramref name="position"/>, pumping the languages before
    /// every block; <paramref name="sink"/> gets each block (planar channels, frames).
    /// </summary>
    public void RenderTo(long position, Action<float[][], int>? sink = null)
    {
        if (_driver is not null || Local is null)
        {
            throw new InvalidOperationException("A driver or the engine process plays this performance; offline rendering would race it.");
        }

        LiveRenderer renderer = Local.Renderer;
        if (!renderer.Playing && renderer.Position < position)
        {
            throw new InvalidOperationException($"The transport is stopped: the clock holds at sample {renderer.Position}, so rendering cannot reach sample {position}. Play it first (:play).");
        }

        int block = Math.Min(Options.BlockFrames, renderer.MaxBlockFrames);
        _offlineChunk ??= Enumerable.Range(0, renderer.OutputChannels).Select(_ => new float[block]).ToArray();
        int blocks = 0;
        while (renderer.Position < position)
        {
            int frames = (int)Math.Min(block, position - renderer.Position);
            Languages.Pump(renderer.Position, wait: true);
            renderer.Render(frames);
            if (sink is not null)
            {
                for (int c = 0; c < _offlineChunk.Length; c++)
                {
                    renderer.Output(c, frames).CopyTo(_offlineChunk[c]);
                }

                sink(_offlineChunk, frames);
            }

            if (++blocks % 32 == 0)
            {
                Local.Maintain();
                Supervisor.CheckFaults();
            }
        }
    }

    /// <summary>A text view of the playing graph (<see cref="PerformanceStats.DescribeGraph"/>).</summary>
    public string DescribeGraph() => Stats.DescribeGraph();

    /// <summary>Block time, xruns, load and garbage collections (<see cref="PerformanceStats.DescribeStats"/>).</summary>
    public string DescribeStats() => Stats.DescribeStats();

    private void PumpLoop()
    {
        long last = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!_stopping)
        {
            long tick = System.Diagnostics.Stopwatch.GetTimestamp();
            MidiHost.Advance((tick - last) / (double)System.Diagnostics.Stopwatch.Frequency);
            last = tick;
            Languages.Pump(Session.Position, wait: false);
            if (!Supervisor.MaintainSession())
            {
                // The engine is unreachable (its connection closed, or it missed the heartbeat): say so once and
                // replace it at once; if that fails, try again now and then rather than every 2 ms.
                if (!Supervisor.TryRestartEngine())
                {
                    Thread.Sleep(500);
                }

                continue;
            }

            Supervisor.CheckFaults();
            Supervisor.WatchAudio();
            Thread.Sleep(2);
        }
    }

    /// <summary>Shows the performer a notice (as the engine's own are shown).</summary>
    public void Notify(NoticeLevel level, string source, string message) => NoticeBoard.Raise(level, source, message);

    private void Raise(NoticeLevel level, string source, string message) => NoticeBoard.Raise(level, source, message);

    /// <summary>Stops the control thread (before the engine process is stopped on purpose, so that its going is no notice); the performance takes no more callbacks.</summary>
    public void StopControl()
    {
        _stopping = true;
        _pump?.Join(1000);
    }

    public void Dispose()
    {
        StopControl();
        if (_driver is not null || Remote is not null)
        {
            Log?.Append(new SessionLogEntry { Kind = "end", Position = Session.Position });
        }

        _localLink?.Dispose();
        MidiHost.Dispose();
        _driver?.Driver.Dispose();
        Languages.Dispose();
        Log?.Dispose();
    }
}
