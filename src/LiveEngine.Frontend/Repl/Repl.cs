using System.Globalization;
using System.Text;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Time;
using RadLine;
using Serilog;
using Spectre.Console;

namespace LiveEngine.Frontend.Repl;

/// <summary>How the REPL starts.</summary>
public sealed record ReplOptions
{
    /// <summary>The language typed code is evaluated in at the start: lua or cs.</summary>
    public string Mode { get; init; } = "lua";

    /// <summary>Where the history is kept across runs; null for none.</summary>
    public string? HistoryPath { get; init; }

    /// <summary>When typed code's commits land unless the code says otherwise.</summary>
    public Quantization Quantize { get; init; } = Quantization.NextBar;

    /// <summary>Most history entries kept in the file.</summary>
    public int HistoryLimit { get; init; } = 1000;
}

/// <summary>
/// The performer's terminal: a multi-line line editor (RadLine) with persistent history, syntax colouring and
/// completion, modes <c>:lua</c>/<c>:cs</c>, and commands. Evaluation runs on the language's own thread, so a
/// slow or runaway evaluation never blocks the audio; notices appear above the line being typed.
/// </summary>
public sealed partial class Repl
{
    private static readonly string[] s_commands = [":help", ":lua", ":cs", ":graph", ":stats", ":tempo", ":quantize", ":load", ":save", ":undo", ":panic", ":stop", ":play", ":vars", ":midi", ":link", ":tracker", ":detach", ":quit"];

    private readonly IPerformanceService _performance;
    private readonly IAnsiConsole _console;
    private readonly ReplOptions _options;
    private readonly ReplInput _input;
    private readonly LineEditor _editor;
    private readonly ILogger _log;
    private string _mode;
    private Quantization _quantize;
    private int _evaluations;

    // Editor thread (the line editor's commands and the reading loop, one after the other).
    private bool _chunkPending;
    private bool _dropChunk;

    /// <summary>What a Ctrl+C on an empty line says.</summary>
    public const string QuitHint = "Ctrl+C does not stop the music: type :quit to leave, :panic to fade to silence";

    public Repl(IPerformanceService performance, ReplOptions options, IAnsiConsole? console = null, ILogger? log = null)
    {
        _performance = performance;
        _options = options;
        _console = console ?? AnsiConsole.Console;
        _log = log ?? Serilog.Core.Logger.None;
        _mode = options.Mode;
        _quantize = options.Quantize;
        _input = new ReplInput(_console);
        IReadOnlyList<string> nodeTypes = performance.NodeTypeNames;
        _editor = new LineEditor(_console, _input)
        {
            MultiLine = true,
            Prompt = new ModePrompt(() => _mode),
            Completion = new ReplCompletion((code, position) => performance.Complete(_mode, code, position), s_commands, nodeTypes),
            Highlighter = new ReplHighlighter(() => _mode, nodeTypes.ToHashSet(StringComparer.Ordinal)),
        };
        _editor.KeyBindings.Add(ReplInput.RedrawKey, () => new RedrawCommand());
        _editor.KeyBindings.Add(ConsoleKey.C, ConsoleModifiers.Control, () => new InterruptCommand(() => _chunkPending, () => _dropChunk = true, () => performance.Notify(NoticeLevel.Info, "repl", QuitHint)));
        _editor.KeyBindings.Add<ClearToLineStartCommand>(ConsoleKey.U, ConsoleModifiers.Control);

        // A bare LF (what some tools send for a newline, e.g. tmux paste-buffer -r) reaches .NET as Ctrl+Enter: it
        // ends the line as Enter (CR) does, as in readline.
        _editor.KeyBindings.Add<SubmitCommand>(ConsoleKey.Enter, ConsoleModifiers.Control);
        _editor.KeyBindings.Add<ClearLineCommand>(ConsoleKey.Escape);
        _editor.KeyBindings.Add<PreviousHistoryCommand>(ConsoleKey.P, ConsoleModifiers.Control);
        _editor.KeyBindings.Add<NextHistoryCommand>(ConsoleKey.N, ConsoleModifiers.Control);
        LoadHistory();
        performance.Notices += notice => _input.Post(NoticeMarkup(notice));
    }

    /// <summary>Reads and evaluates until <c>:quit</c> or end of input.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        _console.MarkupLine($"[bold]LiveEngine[/] — mode [yellow]{_mode}[/], commits land at the [yellow]{Describe(_quantize)}[/]. [grey]:help lists the commands; Tab completes; Ctrl+P/Ctrl+N walk the history.[/]");
        while (!cancellationToken.IsCancellationRequested)
        {
            string? text = await ReadChunkAsync(cancellationToken).ConfigureAwait(false);
            if (text is null)
            {
                break;
            }

            if (text.Trim().Length == 0)
            {
                continue;
            }

            AppendHistory(text);
            if (text.TrimStart().StartsWith(':'))
            {
                if (!await CommandAsync(text.Trim()).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            await EvaluateAsync(_mode, text, $"repl:{++_evaluations}").ConfigureAwait(false);
        }

        // The performer has left: what the engine says while it is stopped (a broken pipe) is not for the terminal.
        // The host's log still gets every notice.
        _input.Close();
    }

    private async Task<string?> ReadChunkAsync(CancellationToken cancellationToken)
    {
        var chunk = new StringBuilder();
        while (true)
        {
            _chunkPending = chunk.Length > 0;
            _dropChunk = false;
            _input.Editing = true;
            SetControlCAsKey(true);
            string? line;
            try
            {
                line = await _editor.ReadLine(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                SetControlCAsKey(false);
                _input.Editing = false;
            }

            if (line is null)
            {
                return chunk.Length == 0 ? null : chunk.ToString();
            }

            if (_dropChunk)
            {
                _console.MarkupLine("[grey]  (dropped the unfinished chunk)[/]");
                chunk.Clear();
                continue;
            }

            if (chunk.Length > 0)
            {
                chunk.Append('\n');
            }

            chunk.Append(line);
            string text = chunk.ToString();
            bool command = text.TrimStart().StartsWith(':');
            if (command || line.Trim().Length == 0 || _performance.IsComplete(_mode, text))
            {
                return text;
            }

            _console.Markup("[grey]  (unfinished: continue, or an empty line to evaluate as it is)[/]\n");
        }
    }

    /// <summary>
    /// While the performer types, Ctrl+C is a key (<see cref="InterruptCommand"/> clears the line); while code runs,
    /// the terminal turns it into a signal again, which the host answers with <see cref="QuitHint"/>.
    /// </summary>
    private static void SetControlCAsKey(bool key)
    {
        if (!Console.IsInputRedirected)
        {
            Console.TreatControlCAsInput = key;
        }
    }

    private async Task EvaluateAsync(string language, string code, string source)
    {
        _log.Information("eval {Language} {Source}: {Code}", language, source, code);
        Evaluation result = await _performance.EvaluateAsync(language, code, source, _quantize).ConfigureAwait(false);
        if (result.Output.Length > 0)
        {
            _console.WriteLine(result.Output.TrimEnd());
        }

        if (!result.Ok)
        {
            _log.Warning("eval {Source} failed: {Error}", source, result.Error);
            _console.MarkupLine("[red]error:[/] " + Markup.Escape(result.Error ?? "failed"));
        }
    }

    /// <summary>True once the performer left with <c>:detach</c>: the engine process plays on.</summary>
    public bool Detached { get; private set; }

    /// <summary>Runs a REPL command; false for <c>:quit</c>.</summary>
    private async Task<bool> CommandAsync(string text)
    {
        string[] words = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string argument = words.Length > 1 ? words[1] : "";
        try
        {
            switch (words[0])
            {
                case ":quit" or ":q" or ":exit":
                    return false;
                case ":detach":
                    if (!_performance.PlaysInEngineProcess)
                    {
                        _console.MarkupLine("[red]error:[/] the engine plays in this process ([[engine]] process = false): leaving would stop it; :quit leaves");
                        break;
                    }

                    Detached = true;
                    return false;
                case ":help":
                    _console.WriteLine(Help);
                    break;
                case ":lua" or ":cs":
                    string mode = words[0][1..];
                    if (!_performance.LanguageNames.Contains(mode, StringComparer.OrdinalIgnoreCase))
                    {
                        _console.MarkupLine($"[red]error:[/] no {mode} in this build");
                    }
                    else
                    {
                        _mode = mode;
                        _console.MarkupLine($"mode [yellow]{mode}[/]");
                    }

                    break;
                case ":graph":
                    _console.WriteLine(_performance.DescribeGraph());
                    break;
                case ":stats":
                    _console.WriteLine(_performance.DescribeStats());
                    break;
                case ":vars":
                    foreach (var pair in _performance.VariablesNow())
                    {
                        _console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {pair.Key} = {pair.Value:0.####}"));
                    }

                    break;
                case ":tempo":
                    string[] parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 0)
                    {
                        _console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_performance.TempoNow():0.##} BPM"));
                        break;
                    }

                    if (!Fraction.TryParse(parts[0], out Fraction bpm))
                    {
                        throw new ArgumentException($"':tempo {argument}': the tempo is a number of BPM, e.g. ':tempo 128' or ':tempo 90 now'.");
                    }

                    Quantization when = parts.Length > 1 ? ParseQuantize(parts[1]) : _quantize;
                    long sample = _performance.SetTempo(bpm, when);
                    _console.MarkupLine($"tempo {bpm} BPM from sample {sample}");
                    break;
                case ":quantize":
                    if (argument.Length > 0)
                    {
                        _quantize = ParseQuantize(argument);
                    }

                    _console.MarkupLine($"commits land at the [yellow]{Describe(_quantize)}[/]");
                    break;
                case ":undo":
                    _console.WriteLine(_performance.Undo(_quantize) ? $"undone at the {Describe(_quantize)}" : "nothing to undo");
                    break;
                case ":panic":
                    _performance.Panic();
                    _console.MarkupLine("[yellow]panic:[/] callbacks stopped, fading to silence");
                    break;
                case ":stop":
                    _console.MarkupLine($"[yellow]stopped[/] at sample {_performance.SetTransport(playing: false)}: silent, the clock held (:play resumes)");
                    break;
                case ":play":
                    _console.WriteLine($"playing from sample {_performance.SetTransport(playing: true)}");
                    break;
                case ":load":
                    await LoadAsync(argument).ConfigureAwait(false);
                    break;
                case ":midi":
                    _console.WriteLine(_performance.MidiCommand(argument));
                    break;
                case ":link":
                    _console.WriteLine(_performance.LinkCommand(argument));
                    break;
                case ":tracker":
                    await TrackerAsync(argument).ConfigureAwait(false);
                    break;
                case ":save":
                    if (argument.Length == 0)
                    {
                        throw new ArgumentException("':save FILE': name the file (the graph is saved as JSON).");
                    }

                    _console.WriteLine(_performance.Save(argument));
                    break;
                default:
                    _console.MarkupLine($"[red]error:[/] unknown command {Markup.Escape(words[0])}; :help lists them");
                    break;
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException or GraphValidationException or InvalidOperationException or System.Text.Json.JsonException)
        {
            _console.MarkupLine("[red]error:[/] " + Markup.Escape(e.Message));
        }

        return true;
    }

    private async Task LoadAsync(string path)
    {
        if (path.Length == 0 || !File.Exists(path))
        {
            throw new ArgumentException(path.Length == 0 ? "':load FILE': name a .lua, .csx or .json file." : $"No file {path}.");
        }

        // The file replaces the piece playing: the old piece's tracks stop where the new graph lands.
        _log.Information("load {Path}", path);
        Evaluation result = await _performance.LoadAsync(path, _quantize).ConfigureAwait(false);
        if (result.Output.Length > 0)
        {
            _console.WriteLine(result.Output.TrimEnd());
        }

        if (!result.Ok)
        {
            _log.Warning("load {Path} failed: {Error}", path, result.Error);
            _console.MarkupLine("[red]error:[/] " + Markup.Escape(result.Error ?? "failed"));
        }
    }

    private static Quantization ParseQuantize(string text) =>
        Quantization.TryParse(text, out Quantization when, out string? error) ? when : throw new ArgumentException(error);

    private static string Describe(Quantization q) => q.Kind switch
    {
        QuantizationKind.Now => "next block (now)",
        QuantizationKind.NextBeat => "next beat",
        QuantizationKind.NextBar => "next bar",
        QuantizationKind.Bars => $"bar line {q.Count} bars on",
        _ => $"beat {q.Beat}",
    };

    private static string NoticeMarkup(Notice notice)
    {
        string color = notice.Level switch { NoticeLevel.Error => "red", NoticeLevel.Warning => "yellow", _ => "grey" };
        return $"[{color}]{notice.Level.ToString().ToLowerInvariant()}[/] [grey]{Markup.Escape(notice.Source)}:[/] {Markup.Escape(notice.Message)}";
    }

    private void LoadHistory()
    {
        if (_options.HistoryPath is not { } path || !File.Exists(path))
        {
            return;
        }

        foreach (string entry in ReadHistory(path).TakeLast(_options.HistoryLimit))
        {
            _editor.History.Add(entry);
        }
    }

    /// <summary>History entries: one per line, newlines inside an entry escaped as \n (and backslashes as \\).</summary>
    internal static IEnumerable<string> ReadHistory(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => l.Replace("\\\\", "\u0001", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace('\u0001', '\\'));

    private void AppendHistory(string text)
    {
        if (_options.HistoryPath is not { } path)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.AppendAllText(path, text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\n");
        }
        catch (IOException e)
        {
            _log.Warning(e, "could not append to the history {Path}", path);
        }
    }

    private const string Help = """
        Type code in the current language and press Enter: an unfinished block continues on the next line
        (Shift+Enter also adds a line). Commits land at the current quantisation. Ctrl+C clears the line (and
        drops an unfinished block), Ctrl+U deletes to the start of the line, Esc clears the line.
          :lua, :cs            switch the language
          :graph               the playing graph: nodes, inputs, parameters, estimated cost
          :stats               block time p50/p99, xruns, load, workers, GC counts
          :tempo [BPM [WHEN]]  show or set the tempo (WHEN: now, beat, bar, N bars)
          :quantize [WHEN]     show or set when commits land
          :load FILE           replace the piece with a .lua or .csx file or a .json graph
          :save FILE           save the graph as JSON (and a .csx piece with its C# nodes)
          :vars                the named variables
          :midi [COMMAND]      controller banks: list, bind [SLOT] SPEC, unbind SLOT, learn SLOT -> TARGET,
                               bank NAME|N, save FILE, load FILE (SPEC: cc 74 ch 1 -> lp.cutoffHz 80..8000 exp)
          :link [on|off]       Ableton Link: join or leave the session on this network, or the status (docs/link.md)
          :tracker [NAME [ROW TRACK CELL]]  the tracker patterns; NAME's grid with the play cursor (any key
                               leaves); with ROW TRACK CELL an edit, run as its tracker_set line (docs/tracker.md)
          :undo                bring back the graph before the last commit
          :panic               stop every callback and fade to silence
          :stop / :play        stop the transport (silent from the next block, the clock held) / play on from there
          :detach              leave, the engine process playing on; `liveengine` attaches to it again
          :quit                leave and stop the engine (the session log keeps everything)
        """;

    private sealed class ModePrompt(Func<string> mode) : ILineEditorPrompt
    {
        public (Markup Markup, int Margin) GetPrompt(ILineEditorState state, int line) =>
            line == 0 ? (new Markup($"[yellow]{mode()}>[/]"), 1) : (new Markup(new string('.', mode().Length + 1)), 1);
    }
}
