using LiveEngine.CSharp;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LiveEngine.Frontend.Languages;

/// <summary>C# in the front end: a <see cref="CSharpWorkspace"/> (Roslyn, collectible generations, admission of user nodes) behind <see cref="ILiveLanguage"/>.</summary>
public sealed class CSharpLanguage : ILiveLanguage
{
    private static readonly CSharpParseOptions s_script = new(kind: SourceCodeKind.Script);
    private readonly CSharpWorkspace _workspace;
    private readonly long _lookahead;

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
        EvalResult result = await _workspace.EvaluateAsync(code, cancellationToken).ConfigureAwait(false);
        string output = result.Output + (result.Value is { } value ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : "");
        if (result.Success)
        {
            return Evaluation.Success(output.TrimEnd('\n'));
        }

        string errors = string.Join("\n", result.Errors.Select(d => $"{source}:{d}"));
        return Evaluation.Failure(errors.Length > 0 ? errors : result.ToString(), output);
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

    public void StopAll() => _workspace.Globals.StopAll();

    public void Dispose() => _workspace.Dispose();
}
