using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using LiveEngine.Commands;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Hosts.Engine;
using LiveEngine.Live;
using LiveEngine.Midi.Control;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>How a performance is set up.</summary>
public sealed record PerformanceOptions
{
    /// <summary>Stream format, tempo and seed of the session.</summary>
    public LiveSessionOptions Session { get; init; } = new();

    /// <summary>Frames per block for offline rendering (a driver brings its own).</summary>
    public int BlockFrames { get; init; } = 128;

    /// <summary>The graph at the start; null for silence (a graph with just its <c>out</c> node).</summary>
    public GraphDescription? InitialGraph { get; init; }

    /// <summary>Folders code may load samples from (Lua <c>sample(name, file)</c>); none by default.</summary>
    public IReadOnlyList<string> SampleFolders { get; init; } = [];

    /// <summary>Controllers per MIDI bank.</summary>
    public int MidiBankSize { get; init; } = 32;

    /// <summary>The session log to append to; null for none.</summary>
    public string? LogPath { get; init; }
}

/// <summary>An audio driver the performance plays through, as the front end sees it.</summary>
public sealed record DriverHandle(string Name, BlockTimeStats Stats, int BufferFrames, Func<bool> IsShutDown, IDisposable Driver);

/// <summary>
/// One performance: a live session, the languages bound to it, the audio driver, the session log and the
/// stream of notices. The REPL and the editor socket both drive it, so they see one engine. Every action is
/// logged (before it runs) with the sample the audio side had reached, and <see cref="SessionReplay"/> re-renders
/// the log offline. Evaluations run one at a time, in the order they arrive.
/// </summary>
/// <remarks>
/// Two ways to hold the engine: in this process (a <see cref="LiveSession"/> and a driver given to
/// <see cref="Play"/>; offline rendering and replay), or in the engine process (a <see cref="RemoteSession"/>;
/// the REPL's default), where the audio thread shares no heap with the compilers and the scripting here, so their
/// garbage never pauses it (BRIEF.md, "The GC problem"). The languages, MIDI and the socket see the same
/// <see cref="ILiveSession"/> either way.
/// </remarks>
public sealed class Performance : IDisposable
{
    private readonly Dictionary<string, ILiveLanguage> _languages = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _evaluating = new(1, 1);
    private readonly object _actionGate = new();
    private readonly HashSet<(GraphSnapshot, int)> _reportedFaults = [];
    private readonly HashSet<string> _reportedRemoteFaults = new(StringComparer.Ordinal);
    private readonly IGraphExecutor? _executor;
    private int _seenDriverEvents;
    private int _failedRestarts;
    private double[] _lastWorkerBusy = [];
    private long _lastWorkerBusyAt;
    private long _engineFailures;
    private Thread? _pump;
    private volatile bool _stopping;
    private DriverHandle? _driver;
    private long _lastXruns;
    private bool _reportedShutDown;
    private long _lastXrunNotice = long.MinValue / 2;
    private float[][]? _offlineChunk;
    private readonly List<IDisposable> _attachments = [];
    private long _midiErrors;
    private readonly SampleFolders _samples;

    public Performance(NodeTypeRegistry registry, PerformanceOptions options, IGraphExecutor? executor = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Registry = registry;
        _executor = executor ?? SingleThreadExecutor.Instance;
        GraphDescription initial = options.InitialGraph ?? Silence();
        Local = new LiveSession(registry, initial, options.Session, _executor);
        Session = Local;
        Midi = new MidiControl(Session, options.MidiBankSize);
        _samples = new SampleFolders(options.SampleFolders);
        Midi.ValueWritten += LogMidi;
        Midi.Learned += (bank, slot, binding) => Raise(NoticeLevel.Info, "midi", $"learned: bank {bank + 1} slot {slot + 1}: {Frontend.Midi.MidiBindingSyntax.Format(binding)}");
        StartLog(options, options.Session, initial, Local.Clock.Origin);
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
        Options = options with { Session = remote.Options };
        Midi = new MidiControl(Session, options.MidiBankSize);

        // The engine plays samplers from its own library: every sample loaded here is sent there too.
        _samples = new SampleFolders(options.SampleFolders) { Loaded = remote.LoadSample };
        Midi.ValueWritten += LogMidi;
        Midi.Learned += (bank, slot, binding) => Raise(NoticeLevel.Info, "midi", $"learned: bank {bank + 1} slot {slot + 1}: {Frontend.Midi.MidiBindingSyntax.Format(binding)}");
        GraphDescription playing = remote.Graph;
        if (options.InitialGraph is { } initial)
        {
            remote.Commit(initial, Quantization.Now);
            playing = initial;
        }

        // The log starts where this performance joins the engine (which may have played for an hour): a replay
        // renders from there, on the same beats and bars, with the tempo and meter playing there.
        (TempoOrigin origin, Fraction bpm, int beatsPerBar) = remote.ResumePoint();
        StartLog(Options, remote.Options with { Tempo = bpm, BeatsPerBar = beatsPerBar }, playing, origin);
    }

    private void LogMidi(ControlTarget target, double value, long sample) => Log?.Append(
        target.Variable is { } name
            ? new SessionLogEntry { Kind = "midi", Position = sample, Name = name, Value = value }
            : new SessionLogEntry { Kind = "midi", Position = sample, Node = target.Node, Parameter = target.Parameter, Value = value },
        durable: false);

    private void StartLog(PerformanceOptions options, LiveSessionOptions session, GraphDescription initial, TempoOrigin origin)
    {
        if (options.LogPath is not null)
        {
            Log = new SessionLog(options.LogPath);
            Log.Append(new SessionLogEntry
            {
                Kind = "session",
                Version = SessionLog.FormatVersion,
                Position = origin.Sample,
                Beat = origin.Beat == Fraction.Zero ? null : origin.Beat.ToString(),
                Bar = origin.Bar == Fraction.Zero ? null : origin.Bar.ToString(),
                SampleRate = session.SampleRate,
                BlockFrames = options.BlockFrames,
                Channels = session.OutputChannels,
                Seed = session.Seed,
                Tempo = session.Tempo.ToString(),
                BeatsPerBar = session.BeatsPerBar,
                CrossfadeMs = session.CrossfadeMs == new LiveSessionOptions().CrossfadeMs ? null : session.CrossfadeMs,
                Graph = JsonNode.Parse(initial.ToJson()),
                SampleFolders = options.SampleFolders.Count == 0 ? null : options.SampleFolders,
            });
        }
    }

    public PerformanceOptions Options { get; }

    public NodeTypeRegistry Registry { get; }

    /// <summary>The session code drives: <see cref="Local"/> or <see cref="Remote"/>.</summary>
    public ILiveSession Session { get; }

    /// <summary>The session when the engine renders in this process (null when it plays in the engine process).</summary>
    public LiveSession? Local { get; }

    /// <summary>The session when the engine plays in its own process (null in this one).</summary>
    public RemoteSession? Remote { get; }

    public SessionLog? Log { get; private set; }

    /// <summary>The controller banks: bindings of MIDI controllers to variables and parameters (docs/midi.md).</summary>
    public MidiControl Midi { get; }

    /// <summary>Keeps <paramref name="thing"/> (a MIDI input, say) alive as long as the performance; disposed with it.</summary>
    public void Attach(IDisposable thing)
    {
        ArgumentNullException.ThrowIfNull(thing);
        _attachments.Add(thing);
    }

    /// <summary>
    /// Starts an engine process to take over when the one playing this performance dies (given the session, to
    /// resume where it was); null to only report the loss. The control thread calls it as soon as the engine fails
    /// to answer (its connection closed, or it missed the heartbeat, <see cref="EngineClient.HeartbeatTimeout"/>),
    /// then <see cref="RemoteSession.Reattach"/>es the session to the new engine.
    /// </summary>
    public Func<RemoteSession, IEngineControl>? EngineRestarter { get; set; }

    /// <summary>The driver playing the session, or null offline.</summary>
    public DriverHandle? Driver => _driver;

    public IReadOnlyCollection<string> LanguageNames => _languages.Keys;

    /// <summary>Errors and events for the performer: failing callbacks, faulted nodes, xruns, a stopped server.</summary>
    public event Action<Notice>? Notices;

    /// <summary>Binds a language to this performance's session.</summary>
    public void AddLanguage(Func<ILiveSession, ILiveLanguage> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        ILiveLanguage language = create(Session);
        language.Diagnostics += message => Raise(NoticeLevel.Error, language.Name, message);
        language.AddHostCommand("midi", command => Frontend.Midi.MidiCommands.Execute(Midi, command));
        language.AddHostCommand("sample", _samples.Command);
        _languages.Add(language.Name, language);
    }

    public bool TryGetLanguage(string name, out ILiveLanguage? language) => _languages.TryGetValue(name, out language);

    /// <summary>The graph with nothing but the output: silence.</summary>
    public static GraphDescription Silence()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out");
        return graph;
    }

    /// <summary>
    /// Evaluates <paramref name="code"/> in <paramref name="language"/>: logged (and flushed) first, then run; the
    /// result is logged too. An unknown language is an error result, not an exception.
    /// </summary>
    public Task<Evaluation> EvaluateAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        RunLoggedAsync("eval", language, code, source, quantize, static (lang, code, source, quantize, token) => lang.EvaluateAsync(code, source, quantize, token), cancellationToken);

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
            CommandReceipt receipt = LoadGraph(GraphDescription.FromJson(code), source, quantize);
            return Evaluation.Success($"graph from {source} lands at sample {receipt.Sample}") with { CommitSample = receipt.Sample };
        }

        return await LoadCodeAsync(language, code, source, quantize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Evaluates <paramref name="code"/> as a piece loaded in place of the one playing (see <see cref="LoadAsync(string, Quantization, CancellationToken)"/>). Logged.</summary>
    public Task<Evaluation> LoadCodeAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        RunLoggedAsync("load", language, code, source, quantize, LoadInPlaceAsync, cancellationToken);

    /// <summary>Loads a piece in <paramref name="lang"/>; once it is in, every other language's callbacks stop where its graph lands.</summary>
    private async Task<Evaluation> LoadInPlaceAsync(ILiveLanguage lang, string code, string source, Quantization quantize, CancellationToken cancellationToken)
    {
        Evaluation result = await lang.LoadAsync(code, source, quantize, cancellationToken).ConfigureAwait(false);
        if (result.Ok)
        {
            long landing = result.CommitSample ?? Session.Position;
            foreach (ILiveLanguage other in _languages.Values.Where(l => l != lang))
            {
                other.StopAllAt(landing);
            }
        }

        return result;
    }

    /// <summary>
    /// One evaluation at a time: logs <paramref name="code"/> as a <paramref name="kind"/> entry (flushed before it
    /// runs), runs it, and logs the result. An unknown language or an exception is an error result, not an exception.
    /// </summary>
    private async Task<Evaluation> RunLoggedAsync(
        string kind, string language, string code, string source, Quantization quantize,
        Func<ILiveLanguage, string, string, Quantization, CancellationToken, Task<Evaluation>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (!_languages.TryGetValue(language, out ILiveLanguage? lang))
        {
            return Evaluation.Failure($"No language '{language}': this performance has {string.Join(", ", _languages.Keys.Order())}.");
        }

        await _evaluating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Log?.Append(new SessionLogEntry { Kind = kind, Position = Session.Position, Language = lang.Name, Source = source, Code = code, Quantize = quantize.ToString() });
            Evaluation result;
            try
            {
                result = await run(lang, code, source, quantize, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result = Evaluation.Failure($"{source}: {e.Message}");
            }

            Log?.Append(new SessionLogEntry { Kind = "result", Position = Session.Position, Language = lang.Name, Source = source, Ok = result.Ok, Output = result.Output, Error = result.Error });
            return result;
        }
        finally
        {
            _evaluating.Release();
        }
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

        foreach (ILiveLanguage language in _languages.Values)
        {
            language.StopAllAt(receipt.Sample);
        }

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
        foreach (ILiveLanguage language in _languages.Values)
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
            string missing = string.Join(", ", userTypes.Where(t => !_languages.Values.Any(l => l.NodeSources.ContainsKey(t))).Select(t => $"'{t}'"));
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

    /// <summary>Loads synchronously (replay, where no other thread evaluates).</summary>
    public Evaluation LoadCode(string language, string code, string source, Quantization quantize) =>
        LoadCodeAsync(language, code, source, quantize).GetAwaiter().GetResult();

    /// <summary>Evaluates synchronously (offline rendering and replay, where no other thread evaluates).</summary>
    public Evaluation Evaluate(string language, string code, string source, Quantization quantize) =>
        EvaluateAsync(language, code, source, quantize).GetAwaiter().GetResult();

    /// <summary>Sets a node parameter at <paramref name="when"/>; returns the sample. Logged.</summary>
    public long SetParameter(string node, string parameter, double value, Quantization when)
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "param", Position = Session.Position, Node = node, Parameter = parameter, Value = value, Quantize = when.ToString() });
            return Session.SetParameter(node, parameter, value, when);
        }
    }

    /// <summary>Changes the tempo at <paramref name="when"/>; returns the sample. Logged.</summary>
    public long SetTempo(Fraction bpm, Quantization when)
    {
        if (bpm <= Fraction.Zero || bpm > 999)
        {
            throw new ArgumentOutOfRangeException(null, $"The tempo must be more than 0 and at most 999 BPM, not {bpm}.");
        }

        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "tempo", Position = Session.Position, Tempo = bpm.ToString(), Quantize = when.ToString() });
            return Session.SetTempo(bpm, when);
        }
    }

    /// <summary>Sets a named variable now. Logged.</summary>
    public void SetVariable(string name, double value)
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "var", Position = Session.Position, Name = name, Value = value });
            Session.Variables.Set(name, value);
        }
    }

    /// <summary>Commits a whole graph at <paramref name="when"/>. Logged. Throws <see cref="GraphValidationException"/> (nothing changes) if invalid.</summary>
    public CommandReceipt Commit(GraphDescription graph, Quantization when)
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "commit", Position = Session.Position, Graph = JsonNode.Parse(graph.ToJson()), Quantize = when.ToString() });
            return Session.Commit(graph, when);
        }
    }

    /// <summary>Brings back the graph before the last commit. Logged.</summary>
    public bool Undo(Quantization when)
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "undo", Position = Session.Position, Quantize = when.ToString() });
            return Session.TryUndo(when, out _);
        }
    }

    /// <summary>The panic button: every scheduled callback stops and the graph fades to silence now. Logged.</summary>
    public void Panic()
    {
        lock (_actionGate)
        {
            Log?.Append(new SessionLogEntry { Kind = "panic", Position = Session.Position });
            foreach (ILiveLanguage language in _languages.Values)
            {
                language.StopAll();
            }

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
        int block = Math.Min(Options.BlockFrames, renderer.MaxBlockFrames);
        _offlineChunk ??= Enumerable.Range(0, renderer.OutputChannels).Select(_ => new float[block]).ToArray();
        int blocks = 0;
        while (renderer.Position < position)
        {
            int frames = (int)Math.Min(block, position - renderer.Position);
            PumpLanguages(renderer.Position, wait: true);
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
                CheckFaults();
            }
        }
    }

    /// <summary>A text view of the playing graph: nodes in order, their inputs and their estimated cost per block.</summary>
    public string DescribeGraph()
    {
        GraphDescription graph = Session.Graph;
        HashSet<string> faulted = [.. Session.Faults().Select(f => f.NodeId)];
        int block = _driver?.BufferFrames ?? Options.BlockFrames;
        var text = new StringBuilder();
        string playing = Local is { } local ? $"{local.Renderer.Current.Jobs.Length} jobs playing" : "playing in the engine process";
        text.AppendLine(CultureInfo.InvariantCulture, $"{graph.Nodes.Count} nodes, {graph.Edges.Count} edges; {playing}");
        if (Local is { } banked)
        {
            text.AppendLine("voice banks: " + banked.Renderer.Current.DescribeBanks().Replace("\n", "\n             ", StringComparison.Ordinal));
        }

        foreach (NodeSpec node in graph.Nodes)
        {
            string inputs = string.Join(", ", graph.Edges.Where(e => e.To == node.Id).Select(e => e.ToPort == "in" ? e.From : $"{e.From}→{e.ToPort}"));
            string parameters = string.Join(" ", node.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value:0.###}")));
            double costUs = Registry.TryGet(node.Type, out NodeTypeDescriptor? type) ? type.CostNsPerFrame * block * (node.Channels ?? type.DefaultChannels) / 1000 : 0;
            string fault = faulted.Contains(node.Id) ? "  FAULTED" : "";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {node.Id,-14} {node.Type,-10} ~{costUs,6:0.0} µs  {(inputs.Length > 0 ? "← " + inputs : "")}  {parameters}{fault}").TrimEnd());
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Block time, xruns, load and garbage collections (the engine's, and this process's), as text.</summary>
    public string DescribeStats()
    {
        var text = new StringBuilder();
        long position = Session.Position;
        text.AppendLine(CultureInfo.InvariantCulture, $"position {position} samples = bar {Session.Clock.BarAt(position).ToDouble() + 1:0.00}, tempo {Session.Clock.TempoAt(position).ToDouble():0.##} BPM");
        if (Remote is { } remote)
        {
            EngineStats stats = remote.PollStats();
            EngineInfo info = remote.Engine.Info;
            text.AppendLine(CultureInfo.InvariantCulture, $"engine process {info.ProcessId}, driver {stats.Driver}: {stats.Callbacks} callbacks, xruns {stats.Xruns}, deadline misses {stats.DeadlineMisses}; block time p50 {stats.BlockP50Us:0} µs, p99 {stats.BlockP99Us:0} µs, max {stats.BlockMaxUs:0} µs");
            text.AppendLine(CultureInfo.InvariantCulture, $"audio thread allocated {stats.AudioThreadAllocatedBytes} bytes after warm-up; {stats.RealTime}");
            text.AppendLine(DescribeWorkers(stats.WorkerBusySeconds, stats.Position));
            text.AppendLine(CultureInfo.InvariantCulture, $"engine GC count gen0 {stats.Gen0Collections}, gen1 {stats.Gen1Collections}, gen2 {stats.Gen2Collections}, paused {stats.GcPauseUs / 1000.0:0.#} ms in all; allocated {stats.AllocatedBytes / 1e6:0.0} MB since it started");
            text.AppendLine(CultureInfo.InvariantCulture, $"front GC count gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)} (never pauses the audio)");
            return text.ToString().TrimEnd();
        }

        if (_driver is { } driver)
        {
            BlockTimeStats stats = driver.Stats;
            double deadline = driver.BufferFrames * 1e6 / Session.Options.SampleRate;
            text.AppendLine(CultureInfo.InvariantCulture, $"driver {driver.Name}: {stats.Callbacks} blocks of {driver.BufferFrames}, xruns {stats.Xruns}; block time p50 {stats.PercentileUs(0.5):0} µs, p99 {stats.PercentileUs(0.99):0} µs, max {stats.MaxUs():0} µs of {deadline:0} µs (load p99 {stats.PercentileUs(0.99) / deadline:P0})");
            text.AppendLine(CultureInfo.InvariantCulture, $"audio thread allocated {stats.AllocatedAfterWarmUp} bytes after warm-up");
        }
        else
        {
            text.AppendLine("no driver: offline");
        }

        if (_executor is Scheduling.ParallelExecutor parallel)
        {
            text.AppendLine(DescribeWorkers([.. Enumerable.Range(0, parallel.Threads).Select(w => parallel.WorkerBusyTicks(w) / (double)System.Diagnostics.Stopwatch.Frequency)], position));
        }
        else if (_driver is { } single)
        {
            text.AppendLine(DescribeWorkers([single.Stats.BusyTicks / (double)System.Diagnostics.Stopwatch.Frequency], position));
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"workers {_executor?.Threads ?? 1}; GC count gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}; dropped events {Local!.Renderer.DroppedEvents}");
        return text.ToString().TrimEnd();
    }

    /// <summary>CPU per worker: the share of wall time each spent in audio blocks since the last call (or since it started).</summary>
    private string DescribeWorkers(IReadOnlyList<double> busySeconds, long position)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        bool since = _lastWorkerBusy.Length == busySeconds.Count && _lastWorkerBusyAt != 0 && busySeconds.Zip(_lastWorkerBusy).All(p => p.First >= p.Second);

        // The first time: since the engine started, which is where its clock starts.
        double wall = since
            ? System.Diagnostics.Stopwatch.GetElapsedTime(_lastWorkerBusyAt, now).TotalSeconds
            : (position - Session.Clock.Origin.Sample) / (double)Session.Options.SampleRate;
        var text = new StringBuilder(since ? "CPU per worker since the last :stats:" : "CPU per worker since the start:");
        for (int w = 0; w < busySeconds.Count; w++)
        {
            double busy = busySeconds[w] - (since ? _lastWorkerBusy[w] : 0);
            text.Append(CultureInfo.InvariantCulture, $" w{w} {(wall > 0 ? busy / wall : 0):P1}");
        }

        _lastWorkerBusy = [.. busySeconds];
        _lastWorkerBusyAt = now;
        return text.ToString();
    }

    private void PumpLoop()
    {
        long last = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!_stopping)
        {
            long tick = System.Diagnostics.Stopwatch.GetTimestamp();
            Midi.Advance((tick - last) / (double)System.Diagnostics.Stopwatch.Frequency);
            last = tick;
            if (Midi.Errors > _midiErrors)
            {
                _midiErrors = Midi.Errors;
                Raise(NoticeLevel.Warning, "midi", Midi.LastError ?? "a controller write failed");
            }

            PumpLanguages(Session.Position, wait: false);
            if (!MaintainSession())
            {
                // The engine is unreachable (its connection closed, or it missed the heartbeat): say so once and
                // replace it at once; if that fails, try again now and then rather than every 2 ms.
                if (!TryRestartEngine())
                {
                    Thread.Sleep(500);
                }

                continue;
            }

            CheckFaults();
            WatchAudio();
            Thread.Sleep(2);
        }
    }

    /// <summary>The session's housekeeping; false when the engine process cannot be reached (reported once per outage).</summary>
    private bool MaintainSession()
    {
        try
        {
            Session.Maintain();
            if (_engineFailures > 0)
            {
                _engineFailures = 0;
                Raise(NoticeLevel.Info, "engine", "the engine answers again");
            }

            return true;
        }
        catch (InvalidOperationException e) when (Remote is not null && e is not EngineUnavailableException)
        {
            // The engine answered, but refused something of the housekeeping: say it, and go on.
            Raise(NoticeLevel.Error, "engine", e.Message);
            return true;
        }
        catch (EngineUnavailableException e)
        {
            if (_engineFailures++ == 0)
            {
                Raise(NoticeLevel.Error, "engine", $"the engine process does not answer: {e.Message}");
            }

            return false;
        }
    }

    /// <summary>Replaces the engine through <see cref="EngineRestarter"/>; true if a new one took over.</summary>
    private bool TryRestartEngine()
    {
        const int MaxRestarts = 3;
        if (Remote is not { } remote || EngineRestarter is not { } restart || _failedRestarts >= MaxRestarts)
        {
            return false;
        }

        try
        {
            IEngineControl engine = restart(remote);
            remote.Reattach(engine);
            _engineFailures = 0;
            _failedRestarts = 0;

            // The new engine's driver start is in the takeover notice below: report only later driver events.
            _seenDriverEvents = remote.PollStats().DriverEvents.Count;
            _lastXruns = 0;
            long position = remote.Position;
            Raise(NoticeLevel.Warning, "engine", string.Create(CultureInfo.InvariantCulture, $"a new engine process ({engine.Info.ProcessId}, {engine.Info.Driver}) took over at bar {remote.Clock.BarAt(position).ToDouble() + 1:0.##}, playing the latest graph"));
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (++_failedRestarts == MaxRestarts)
            {
                Raise(NoticeLevel.Error, "engine", $"could not start a new engine process ({e.Message}); gave up after {MaxRestarts} tries: restart liveengine");
            }

            return false;
        }
    }

    /// <summary>Xruns (at most one notice per 2 s, so a bad patch cannot flood the prompt) and a driver that stopped or switched.</summary>
    private void WatchAudio()
    {
        long xruns;
        if (Remote is { LastStats: { } stats })
        {
            xruns = stats.Xruns;
            for (; _seenDriverEvents < stats.DriverEvents.Count; _seenDriverEvents++)
            {
                DriverEvent driverEvent = stats.DriverEvents[_seenDriverEvents];
                bool lost = driverEvent.Message.Contains("stopped", StringComparison.Ordinal) || driverEvent.Message.Contains("could not", StringComparison.Ordinal);
                Raise(lost ? NoticeLevel.Error : NoticeLevel.Info, "audio", driverEvent.Message);
            }
        }
        else if (_driver is { } driver)
        {
            xruns = driver.Stats.Xruns;
            if (!_reportedShutDown && driver.IsShutDown())
            {
                _reportedShutDown = true;
                Raise(NoticeLevel.Error, "audio", $"the {driver.Name} driver stopped (server gone?)");
            }
        }
        else
        {
            return;
        }

        long now = Environment.TickCount64;
        if (xruns > _lastXruns && now - _lastXrunNotice >= 2000)
        {
            Raise(NoticeLevel.Warning, "audio", $"{xruns - _lastXruns} xrun(s) since the last report (total {xruns})");
            _lastXruns = xruns;
            _lastXrunNotice = now;
        }
    }

    private void PumpLanguages(long position, bool wait)
    {
        foreach (ILiveLanguage language in _languages.Values)
        {
            try
            {
                language.Pump(position, wait);
            }
            catch (Exception e)
            {
                Raise(NoticeLevel.Error, language.Name, e.Message);
            }
        }
    }

    private void CheckFaults()
    {
        if (Local is null)
        {
            IReadOnlyList<NodeFaultReport> faults = Session.Faults();
            foreach (NodeFaultReport fault in faults)
            {
                if (_reportedRemoteFaults.Add(fault.NodeId + "\n" + fault.Message))
                {
                    Raise(NoticeLevel.Error, "engine", $"node '{fault.NodeId}' threw and was silenced: {fault.Message}");
                }
            }

            if (faults.Count == 0)
            {
                _reportedRemoteFaults.Clear();
            }

            return;
        }

        GraphSnapshot playing = Local.Renderer.Current;
        for (int n = 0; n < playing.Nodes.Length; n++)
        {
            if (Volatile.Read(ref playing.NodeFaulted[n]) != 0 && _reportedFaults.Add((playing, n)))
            {
                Raise(NoticeLevel.Error, "engine", $"node '{playing.NodeIds[n]}' threw and was silenced: {playing.NodeExceptions[n]?.Message}");
            }
        }

        if (_reportedFaults.Count > 256)
        {
            _reportedFaults.RemoveWhere(f => f.Item1 != playing);
        }
    }

    /// <summary>Shows the performer a notice (as the engine's own are shown).</summary>
    public void Notify(NoticeLevel level, string source, string message) => Raise(level, source, message);

    private void Raise(NoticeLevel level, string source, string message) =>
        Notices?.Invoke(new Notice(level, source, message, DateTimeOffset.UtcNow));

    public void Dispose()
    {
        _stopping = true;
        _pump?.Join(1000);
        if (_driver is not null || Remote is not null)
        {
            Log?.Append(new SessionLogEntry { Kind = "end", Position = Session.Position });
        }

        foreach (IDisposable thing in _attachments)
        {
            thing.Dispose();
        }

        _driver?.Driver.Dispose();
        foreach (ILiveLanguage language in _languages.Values)
        {
            language.Dispose();
        }

        Log?.Dispose();
        _evaluating.Dispose();
    }
}
