using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Completion;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LiveEngine.CSharp;

/// <summary>
/// Completion and signature help over a Roslyn <see cref="AdhocWorkspace"/> holding one script document: the
/// REPL's chained submissions followed by the snippet being edited, so earlier variables and functions complete.
/// Control thread; callers serialise.
/// </summary>
internal sealed class CompletionHost : IDisposable
{
    private readonly AdhocWorkspace _workspace = new();
    private readonly ProjectId _project;
    private DocumentId? _document;
    private string _history = "";

    public CompletionHost()
    {
        _project = ProjectId.CreateNewId();
        ProjectInfo info = ProjectInfo.Create(
            _project,
            VersionStamp.Create(),
            "snippets",
            "snippets",
            LanguageNames.CSharp,
            compilationOptions: SnippetCompiler.ScriptOptions(SnippetCompiler.DefaultUsings),
            parseOptions: SnippetCompiler.ScriptParseOptions,
            metadataReferences: SnippetCompiler.References,
            isSubmission: true,
            hostObjectType: typeof(LiveGlobals));
        _workspace.AddProject(info);
    }

    /// <summary>Sets the text that precedes every snippet: the chained submissions, with their usings first.</summary>
    public void SetHistory(string history, IReadOnlyList<string> usings) =>
        _history = string.Concat(usings.Select(u => u + "\n")) + history;

    public async Task<IReadOnlyList<CompletionSuggestion>> CompletionsAsync(string code, int position)
    {
        Document document = Place(code);
        CompletionService service = CompletionService.GetService(document) ?? throw new InvalidOperationException("Roslyn's C# completion service is not available (Microsoft.CodeAnalysis.CSharp.Features missing?).");
        CompletionList list = await service.GetCompletionsAsync(document, _history.Length + position).ConfigureAwait(false);
        int replaceStart = Math.Max(0, list.Span.Start - _history.Length);
        string typed = code.Substring(replaceStart, Math.Max(0, position - replaceStart));
        return [.. list.ItemsList
            .Where(i => i.FilterText.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .OrderBy(i => i.SortText, StringComparer.Ordinal)
            .Select(i => new CompletionSuggestion(i.DisplayText, i.Tags.FirstOrDefault() ?? "", replaceStart, list.Span.Length))];
    }

    public async Task<SignatureHelp?> SignatureHelpAsync(string code, int position)
    {
        Document document = Place(code);
        int at = _history.Length + position;
        SyntaxNode? root = await document.GetSyntaxRootAsync().ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync().ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        SyntaxToken token = root.FindToken(Math.Max(0, at - 1));
        ArgumentListSyntax? arguments = token.Parent?.AncestorsAndSelf().OfType<ArgumentListSyntax>()
            .FirstOrDefault(a => a.OpenParenToken.Span.End <= at && (a.CloseParenToken.IsMissing || at <= a.CloseParenToken.SpanStart));
        if (arguments?.Parent is not { } call)
        {
            return null;
        }

        IEnumerable<IMethodSymbol> methods = call switch
        {
            InvocationExpressionSyntax invocation => model.GetMemberGroup(invocation.Expression).OfType<IMethodSymbol>(),
            BaseObjectCreationExpressionSyntax creation => (model.GetTypeInfo(creation).Type as INamedTypeSymbol)?.InstanceConstructors ?? [],
            _ => [],
        };
        List<IMethodSymbol> overloads = [.. methods];
        if (overloads.Count == 0)
        {
            return null;
        }

        int active = arguments.Arguments.GetSeparators().Count(s => s.SpanStart < at);
        ISymbol? chosen = model.GetSymbolInfo(call).Symbol;
        int best = chosen is null ? overloads.FindIndex(m => m.Parameters.Length > active) : overloads.FindIndex(m => SymbolEqualityComparer.Default.Equals(m, chosen));
        return new SignatureHelp([.. overloads.Select(m => m.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat))], Math.Max(0, best), active);
    }

    public void Dispose() => _workspace.Dispose();

    private Document Place(string code)
    {
        SourceText text = SourceText.From(_history + code);
        Solution solution = _workspace.CurrentSolution;
        if (_document is null)
        {
            var id = DocumentId.CreateNewId(_project);
            _workspace.AddDocument(DocumentInfo.Create(id, "snippet.csx", sourceCodeKind: SourceCodeKind.Script, loader: TextLoader.From(TextAndVersion.Create(text, VersionStamp.Create()))));
            _document = id;
            solution = _workspace.CurrentSolution;
        }

        solution = solution.WithDocumentText(_document, text);
        if (!_workspace.TryApplyChanges(solution))
        {
            throw new InvalidOperationException("The completion workspace rejected a text change.");
        }

        return _workspace.CurrentSolution.GetDocument(_document)!;
    }
}
