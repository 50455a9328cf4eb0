using System.Reflection;
using System.Text;
using System.Text.Json;
using LiveEngine.CSharp;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Lua;
using LiveEngine.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// Runs the code blocks of one document through the real paths, as a reader would, in order:
/// <list type="bullet">
/// <item><c>lua</c>: an evaluation in one Lua workspace per document (a REPL session: the tutorial's steps build on
/// each other), then two bars of offline audio; the second bar must not be silent.</item>
/// <item><c>csharp</c>: a snippet in one C# workspace per document, the same way; with a <c>compile-only</c> marker,
/// host code compiled against the engine's assemblies (the marker's <c>given</c> variables are parameters).</item>
/// <item><c>json</c>: a graph file (<c>nodes</c>, <c>edges</c>), loaded as <c>liveengine render</c> loads one and
/// rendered; or an editor-socket <c>eval</c> request (<c>language</c>, <c>code</c>), evaluated as above; any other
/// JSON must parse (<c>jsonl</c>: every line).</item>
/// <item><c>sh</c>: every <c>liveengine</c> command (also as <c>dotnet run --project src/LiveEngine.Cli ... --</c>) is
/// parsed by the real command line; a <c>render</c> runs, for 1 s into a temporary file, and must not be silent.
/// Other commands (<c>dotnet test</c>, <c>jackd</c>, <c>tools/</c>) are not run here.</item>
/// <item>A block without a language, or in <c>text</c>, <c>console</c>, <c>toml</c>, <c>ini</c>, <c>yaml</c>, <c>log</c>,
/// <c>diff</c>, is text (a transcript, a format): not run. Any other language fails until it has a runner or a marker.</item>
/// </list>
/// Every failure is a <see cref="DocExampleException"/> whose message starts with the document and line.
/// </summary>
internal sealed class DocExampleRunner : IDisposable
{
    private const int SampleRate = 48_000;
    private const int BlockFrames = 128;
    private const double SilenceRms = 1e-4;

    private readonly string _root;
    private readonly string _temp = Directory.CreateTempSubdirectory("liveengine-docs-").FullName;
    private readonly List<string> _diagnostics = [];
    private LiveSession? _luaSession;
    private LuaWorkspace? _lua;
    private LiveSession? _csSession;
    private CSharpWorkspace? _cs;

    public DocExampleRunner(string repositoryRoot) => _root = repositoryRoot;

    /// <summary>What the last block that ran did, for the tests of the runner itself.</summary>
    public double LastRms { get; private set; }

    public async Task RunAsync(DocBlock block)
    {
        if (block.Mode == DocBlockMode.NoRun || block.Language.Length == 0)
        {
            return;
        }

        if (block.Mode == DocBlockMode.CompileOnly && block.Language is not ("csharp" or "cs"))
        {
            throw Fail(block, "compile-only is for C# host code.");
        }

        switch (block.Language)
        {
            case "lua":
                await RunLuaAsync(block, block.Code);
                break;
            case "csharp" or "cs" when block.Mode == DocBlockMode.CompileOnly:
                Compile(block);
                break;
            case "csharp" or "cs":
                await RunCSharpAsync(block, block.Code);
                break;
            case "json":
                await RunJsonAsync(block);
                break;
            case "jsonl":
                foreach ((string line, int i) in block.Code.Split('\n').Select((l, i) => (l, i)).Where(x => x.l.Trim().Length > 0))
                {
                    ParseJson(block, line, $"line {i + 1}: ");
                }

                break;
            case "sh" or "bash" or "shell":
                RunShell(block);
                break;
            case "text" or "txt" or "console" or "output" or "toml" or "ini" or "yaml" or "log" or "diff":
                // Text, transcripts and configuration formats, like a block without a language.
                break;
            default:
                throw Fail(block, $"no runner for a '{block.Language}' block; mark it <!-- doc-test: no-run; why: ... --> or give it a language that runs (lua, csharp, json, sh).");
        }
    }

    public void Dispose()
    {
        _lua?.Dispose();
        _cs?.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    private async Task RunLuaAsync(DocBlock block, string code)
    {
        if (_lua is null)
        {
            _luaSession = LuaPiece.CreateSession(new LiveSessionOptions { SampleRate = SampleRate, MaxBlockFrames = BlockFrames });
            _lua = new LuaWorkspace(_luaSession);
            _lua.Diagnostics += message => { lock (_diagnostics) { _diagnostics.Add(message); } };
        }

        string before = Shape(_luaSession!.Graph);
        Evaluation result = await _lua.EvaluateAsync(code, "example.lua");
        if (!result.Ok)
        {
            throw Fail(block, $"the Lua evaluation failed: {result.Error}");
        }

        LuaWorkspace lua = _lua;
        await ListenAsync(block, _luaSession, before, position => lua.PumpAsync(position));
    }

    private async Task RunCSharpAsync(DocBlock block, string code)
    {
        if (_cs is null)
        {
            NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
            var graph = new GraphDescription();
            graph.Add("out", "out");
            _csSession = new LiveSession(registry, graph, new LiveSessionOptions { SampleRate = SampleRate, MaxBlockFrames = BlockFrames });
            _cs = new CSharpWorkspace(_csSession, registry);
        }

        string before = Shape(_csSession!.Graph);
        Evaluation result = await _cs.EvaluateAsync(code);
        if (!result.Ok)
        {
            throw Fail(block, "the C# snippet failed: " + string.Join("; ", result.Diagnostics.Where(d => d.IsError)));
        }

        CSharpWorkspace cs = _cs;
        await ListenAsync(block, _csSession, before, position =>
        {
            cs.Pump(position + (SampleRate / 10));
            return Task.CompletedTask;
        });
        if (cs.Faults() is { Count: > 0 } faults)
        {
            throw Fail(block, "nodes were silenced: " + string.Join("; ", faults));
        }
    }

    /// <summary>
    /// Renders two bars after the block. A block that changed the graph must sound in the second bar (its commit
    /// has landed by then, wherever in the bar it ran: what came before no longer plays); a block that only played
    /// notes or changed parameters, somewhere in the two.
    /// </summary>
    private async Task ListenAsync(DocBlock block, LiveSession session, string graphBefore, Func<long, Task> pump)
    {
        bool committed = Shape(session.Graph) != graphBefore;
        long bar = (long)Math.Round(SampleRate * 60.0 / session.Options.Tempo.ToDouble() * session.Options.BeatsPerBar);
        long frames = 2 * bar;
        double energy = 0;
        long measured = 0;
        for (long done = 0; done < frames; done += BlockFrames)
        {
            await pump(session.Renderer.Position);
            session.Renderer.Render(BlockFrames);
            for (int c = 0; c < session.Renderer.OutputChannels; c++)
            {
                foreach (float x in session.Renderer.Output(c, BlockFrames))
                {
                    if (!float.IsFinite(x))
                    {
                        throw Fail(block, $"the output holds {x} at sample {session.Renderer.Position}.");
                    }

                    if (done >= bar || !committed)
                    {
                        energy += (double)x * x;
                        measured++;
                    }
                }
            }

            session.Maintain();
        }

        lock (_diagnostics)
        {
            if (_diagnostics.Count > 0)
            {
                string reported = string.Join("; ", _diagnostics);
                _diagnostics.Clear();
                throw Fail(block, "a callback failed while it played: " + reported);
            }
        }

        LastRms = Math.Sqrt(energy / measured);
        if (block.Mode != DocBlockMode.Silent && LastRms < SilenceRms)
        {
            throw Fail(block, $"nothing reaches `out`: {(committed ? "the bar after its commit" : "the two bars after it")} {(committed ? "is" : "are")} silent (RMS {LastRms:G3}). If the block is not meant to sound by itself, mark it <!-- doc-test: silent; why: ... -->.");
        }
    }

    /// <summary>The graph's nodes and edges without parameter values (which events also change).</summary>
    private static string Shape(GraphDescription graph) =>
        string.Join(" ", graph.Nodes.Select(n => $"{n.Id}:{n.Type}:{n.Channels}").Concat(graph.Edges.Select(e => e.ToString())));

    private async Task RunJsonAsync(DocBlock block)
    {
        JsonElement json = ParseJson(block, block.Code, "");

        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("nodes", out _))
        {
            string file = Path.Combine(_temp, "graph.json");
            File.WriteAllText(file, block.Code);
            RenderThroughTheCommand(block, ["render", file, "--seconds", "1"]);
        }
        else if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("language", out JsonElement language) && json.TryGetProperty("code", out JsonElement code))
        {
            switch (language.GetString())
            {
                case "lua":
                    await RunLuaAsync(block, code.GetString()!);
                    break;
                case "cs" or "csharp":
                    await RunCSharpAsync(block, code.GetString()!);
                    break;
                default:
                    throw Fail(block, $"an eval request in language '{language}': expected lua or cs.");
            }
        }

        // Any other JSON (a protocol message, a saved file) must at least be JSON.
    }

    private static JsonElement ParseJson(DocBlock block, string text, string where)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException e)
        {
            throw Fail(block, $"{where}invalid JSON: {e.Message}");
        }
    }

    private void RunShell(DocBlock block)
    {
        foreach (string rawLine in block.Code.Split('\n'))
        {
            List<string> words = ShellWords(rawLine);
            int start = words.Count > 0 && words[0] == "liveengine" ? 1 : DotnetRunArguments(words);
            if (start < 0)
            {
                continue;
            }

            string[] args = [.. words.Skip(start)];
            System.CommandLine.ParseResult parsed = LiveEngine.Cli.LiveEngineCommand.Create().Parse(args);
            if (parsed.Errors.Count > 0)
            {
                throw Fail(block, $"`liveengine {string.Join(' ', args)}`: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            }

            if (args.Length > 0 && args[0] == "render")
            {
                RenderThroughTheCommand(block, args);
            }
        }
    }

    /// <summary>Runs <c>liveengine render</c> for 1 s into a temporary file (paths relative to the repository made absolute); it must sound.</summary>
    private void RenderThroughTheCommand(DocBlock block, string[] args)
    {
        string wav = Path.Combine(_temp, "render.wav");
        var run = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--seconds" or "-s" or "--out" or "-o")
            {
                i++;
                continue;
            }

            string inRepository = Path.Combine(_root, args[i]);
            run.Add(!Path.IsPathRooted(args[i]) && (File.Exists(inRepository) || Directory.Exists(inRepository)) ? inRepository : args[i]);
        }

        run.AddRange(["--seconds", "1", "--out", wav]);
        File.Delete(wav);
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, [.. run]);
        if (result.ExitCode != 0)
        {
            throw Fail(block, $"`liveengine {string.Join(' ', args)}` exited with {result.ExitCode}: {result.Error.Trim()}");
        }

        WavFile file = WavFile.Read(wav);
        double energy = file.Channels.Sum(c => c.Sum(x => (double)x * x));
        LastRms = Math.Sqrt(energy / (file.Frames * (double)file.ChannelCount));
        if (block.Mode != DocBlockMode.Silent && LastRms < SilenceRms)
        {
            throw Fail(block, $"`liveengine {string.Join(' ', args)}` rendered silence (RMS {LastRms:G3}).");
        }
    }

    /// <summary>Where the liveengine arguments start in <c>dotnet run --project src/LiveEngine.Cli ... -- ARGS</c>, or -1.</summary>
    private static int DotnetRunArguments(List<string> words)
    {
        if (words.Count < 2 || words[0] != "dotnet" || words[1] != "run")
        {
            return -1;
        }

        int project = words.IndexOf("--project");
        int separator = words.IndexOf("--");
        return project > 0 && project + 1 < words.Count && words[project + 1].TrimEnd('/') == "src/LiveEngine.Cli" && separator > 0 ? separator + 1 : -1;
    }

    /// <summary>A shell line's words: quotes removed, a trailing comment and a trailing <c>&amp;</c> dropped.</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in line)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        if (words.Count > 0 && words[^1] == "&")
        {
            words.RemoveAt(words.Count - 1);
        }

        return words;
    }

    /// <summary>Compiles C# host code as the body of a method whose parameters are the marker's <c>given</c> variables.</summary>
    private static void Compile(DocBlock block)
    {
        var source = new StringBuilder();
        foreach (string name in EngineNamespaces())
        {
            source.Append("using ").Append(name).AppendLine(";");
        }

        foreach (string alias in block.Usings)
        {
            source.Append("using ").Append(alias).AppendLine(";");
        }

        bool isAsync = block.Code.Contains("await ", StringComparison.Ordinal);
        source.Append("internal static class DocExample { internal static ")
            .Append(isAsync ? "async System.Threading.Tasks.Task" : "void")
            .Append(" Run(").Append(string.Join(", ", block.Given)).AppendLine(") {")
            .Append("#line ").Append(block.Line + 1).Append(" \"").Append(block.Document).AppendLine("\"")
            .AppendLine(block.Code)
            .AppendLine("#line default")
            .AppendLine("} }");

        CSharpCompilation compilation = CSharpCompilation.Create(
            "DocExample",
            [CSharpSyntaxTree.ParseText(source.ToString(), new CSharpParseOptions(LanguageVersion.Preview))],
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        Diagnostic[] errors = [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];
        if (errors.Length > 0)
        {
            throw Fail(block, "the C# does not compile: " + string.Join("; ", errors.Select(e =>
            {
                FileLinePositionSpan at = e.Location.GetMappedLineSpan();
                return $"{at.Path}:{at.StartLinePosition.Line + 1}: {e.Id}: {e.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })));
        }
    }

    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))]);

    private static MetadataReference[] References() => s_references.Value;

    /// <summary>
    /// The public namespaces of the engine's libraries, plus the ones every snippet has.
    /// </summary>
    private static IEnumerable<string> EngineNamespaces()
    {
        Assembly[] engine =
        [
            typeof(LiveSession).Assembly, typeof(BuiltinNodeTypes).Assembly, typeof(WavFile).Assembly,
            typeof(LuaPiece).Assembly, typeof(CSharpWorkspace).Assembly, typeof(LiveEngine.Midi.Ump.UmpMessage).Assembly,
        ];
        return new[] { "System", "System.Collections.Generic", "System.Linq", "System.Net", "System.Threading.Tasks" }
            .Concat(engine.SelectMany(a => a.GetExportedTypes()).Select(t => t.Namespace).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
    }

    private static DocExampleException Fail(DocBlock block, string message) => new($"{block.Location} (```{block.Language}): {message}");
}

/// <summary>A documentation example that does not do what its document says; the message names the file and line.</summary>
internal sealed class DocExampleException(string message) : Exception(message);
