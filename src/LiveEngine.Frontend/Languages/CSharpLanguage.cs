using LiveEngine.CSharp;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LiveEngine.Frontend.Languages;

/// <summary>C# in the front end: a <see cref="CSharpWorkspace"/> (Roslyn, collectible generations, admission of user nodes) behind <see cref="ILiveLanguage"/>.</summary>
public sealed class CSharpLanguage : ILiveLanguage
{
    private static readonly CSharpParseOptions s_script = new(kind: SourceCodeKind.Script);
    private readonly CSharpWorkspace _workspace;
    private readonly long _lookahead;

    // Written by the evaluating thread, read by :save; guarded by _sourcesGate.
    private readonly object _sourcesGate = new();
    private readonly Dictionary<string, string> _nodeSources = new(StringComparer.Ordinal);
    private readonly List<string> _usings = [];

    public CSharpLanguage(ILiveSession session, NodeTypeRegistry registry, SnippetLimits? limits = null)
    {
        _workspace = new CSharpWorkspace(session, registry, limits: limits);
        _lookahead = session.Options.SampleRate / 5;
    }

    public string Name => "cs";

    public event Action<string>? Diagnostics;

    public async Task<Evaluation> EvaluateAsync(string code, string source, Quantization quantize, CancellationToken cancellationToken = default)
    {
        _workspace.SwapAt = quantize;
        Evaluation result = await _workspace.EvaluateAsync(code, cancellationToken).ConfigureAwait(false);
        string output = result.Output + ValueText.Format(result.Value);
        if (result.Ok)
        {
            RememberNodeSources(code);
            return result with { Output = output.TrimEnd('\n'), Value = null };
        }

        string errors = string.Join("\n", result.Errors.Select(d => $"{source}:{d}"));
        return result with { Output = output, Value = null, Error = errors.Length > 0 ? errors : result.Error ?? "failed" };
    }

    public bool IsComplete(string code) => SyntaxFactory.IsCompleteSubmission(CSharpSyntaxTree.ParseText(code, s_script));

    public IReadOnlyList<string> Complete(string code, int position) =>
        [.. _workspace.CompletionsAsync(code, position).GetAwaiter().GetResult().Select(c => c.Text).Distinct()];

    public void Pump(long position, bool wait)
    {
        foreach (string failure in _workspace.Pump(position + _lookahead))
        {
            Diagnostics?.Invoke(failure);
        }
    }

    public void AddHostCommand(string name, Func<string, string> command) => _workspace.AddHostCommand(name, command);

    /// <summary>
    /// A C# piece loaded in place of another. <c>EveryBar</c> callbacks carry no name to tell the old piece's from
    /// the new one's, so those running before it stop first, even if the piece then fails (what they scheduled
    /// already still plays); Lua's stop exactly where the new graph lands.
    /// </summary>
    public Task<Evaluation> LoadAsync(string code, string source, Quantization quantize, CancellationToken cancellationToken = default)
    {
        _workspace.Globals.StopAll();
        return EvaluateAsync(code, source, quantize, cancellationToken);
    }

    /// <summary>C# callbacks are per bar and run a bar ahead: they stop now (what they scheduled before <paramref name="sample"/> plays).</summary>
    public void StopAllAt(long sample) => _workspace.Globals.StopAll();

    public void StopAll() => _workspace.Globals.StopAll();

    public IReadOnlyDictionary<string, string> NodeSources
    {
        get
        {
            lock (_sourcesGate)
            {
                return new Dictionary<string, string>(_nodeSources, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// A .csx piece: the usings the session's code declared, the node classes, and a commit of the graph at once.
    /// The graph travels as JSON in a raw string literal, so that it is exactly the graph saved.
    /// </summary>
    public string? WritePiece(IReadOnlyCollection<string> nodeTypes, string graphJson)
    {
        ArgumentNullException.ThrowIfNull(nodeTypes);
        ArgumentNullException.ThrowIfNull(graphJson);
        var text = new System.Text.StringBuilder();
        text.AppendLine("// Saved by the LiveEngine REPL (:save): the graph and the C# node types it uses.");
        text.AppendLine("// Render it with `liveengine render FILE.csx --seconds 30 --out FILE.wav`, or play it again with `:load FILE.csx`.");
        lock (_sourcesGate)
        {
            foreach (string line in _usings)
            {
                text.AppendLine(line);
            }

            text.AppendLine();
            foreach (string type in nodeTypes)
            {
                if (!_nodeSources.TryGetValue(type, out string? source))
                {
                    return null;
                }

                text.AppendLine(source).AppendLine();
            }
        }

        // A raw string literal needs more quotes around it than it holds in a row.
        int quotes = 3;
        for (int run = 0, i = 0; i < graphJson.Length; i++)
        {
            run = graphJson[i] == '"' ? run + 1 : 0;
            quotes = Math.Max(quotes, run + 1);
        }

        string fence = new('"', quotes);
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Session.Commit(GraphDescription.FromJson({fence}");
        text.AppendLine(graphJson);
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{fence}), Now);");
        return text.ToString();
    }

    /// <summary>The node classes (<c>[Node("name")]</c>) and top-level usings of code that evaluated without error.</summary>
    private void RememberNodeSources(string code)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, s_script).GetRoot();
        lock (_sourcesGate)
        {
            foreach (UsingDirectiveSyntax directive in root.Usings)
            {
                string line = directive.ToString().Trim();
                if (!_usings.Contains(line))
                {
                    _usings.Add(line);
                }
            }

            foreach (ClassDeclarationSyntax type in root.DescendantNodes().OfType<ClassDeclarationSyntax>())
            {
                foreach (AttributeSyntax attribute in type.AttributeLists.SelectMany(list => list.Attributes))
                {
                    string name = attribute.Name.ToString();
                    if ((name is "Node" or "NodeAttribute" || name.EndsWith(".Node", StringComparison.Ordinal) || name.EndsWith(".NodeAttribute", StringComparison.Ordinal))
                        && attribute.ArgumentList?.Arguments.FirstOrDefault()?.Expression is LiteralExpressionSyntax { Token.Value: string typeName })
                    {
                        _nodeSources[typeName] = type.ToFullString().Trim();
                    }
                }
            }
        }
    }

    public void Dispose() => _workspace.Dispose();
}
