using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Text;
using LiveEngine.Languages;
using LiveEngine.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;

namespace LiveEngine.CSharp;

/// <summary>
/// Turns one snippet into two compilations: its node classes (top-level classes deriving from
/// <see cref="UserNode"/>) become a plain library that is admitted and loaded on its own, and the rest becomes a
/// script submission chained to the previous ones. Control thread; Roslyn allocates heavily, which is why this runs
/// in the front process and never in the engine.
/// </summary>
/// <remarks>
/// Design: both texts keep every character's line and column (what belongs to the other part is blanked with
/// spaces), so diagnostics from either compilation point into the snippet as the user typed it. Node classes are
/// kept apart from the submission chain so that a redefined node's assembly can be unloaded: a script submission
/// stays alive for as long as the REPL state does, and anything it referenced would too.
/// </remarks>
internal static class SnippetCompiler
{
    /// <summary>Namespaces every snippet and node class imports.</summary>
    public static readonly ImmutableArray<string> DefaultUsings =
    [
        "System",
        "System.Collections.Generic",
        "System.Linq",
        "LiveEngine.Commands",
        "LiveEngine.Control",
        "LiveEngine.CSharp",
        "LiveEngine.Graph",
        "LiveEngine.Live",
        "LiveEngine.Nodes",
        "LiveEngine.Time",
    ];

    public static readonly CSharpParseOptions ScriptParseOptions = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);

    public static readonly CSharpParseOptions LibraryParseOptions = new(LanguageVersion.Latest, kind: SourceCodeKind.Regular);

    private const string AggressiveOptimization = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(CreateReferences);

    /// <summary>The assemblies snippets and node classes compile against: the runtime's basics and the engine's.</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    /// <summary>
    /// Script submissions are control code, compiled for debugging: the JIT then inlines nothing into them, so an
    /// exception's stack trace keeps the snippet's line (node classes, which are DSP, compile optimised). Not a
    /// concurrent build: a snippet is one small tree, and Roslyn's parallel work waits for thread-pool threads, which
    /// a busy pool hands out only after its starvation check (0.5 s and more).
    /// </summary>
    public static CSharpCompilationOptions ScriptOptions(IEnumerable<string> usings) => new(
        OutputKind.DynamicallyLinkedLibrary,
        usings: usings,
        optimizationLevel: OptimizationLevel.Debug,
        allowUnsafe: true,
        concurrentBuild: false,
        nullableContextOptions: NullableContextOptions.Disable);

    /// <summary>Finds the node classes of <paramref name="tree"/> (a script tree).</summary>
    public static List<ClassDeclarationSyntax> NodeClasses(SyntaxTree tree) =>
        [.. tree.GetCompilationUnitRoot().Members.OfType<ClassDeclarationSyntax>().Where(IsNodeClass)];

    private static bool IsNodeClass(ClassDeclarationSyntax declaration) =>
        declaration.BaseList is { } bases && bases.Types.Any(t => t.Type.ToString() is "UserNode" or "LiveEngine.CSharp.UserNode" or "CSharp.UserNode");

    /// <summary>The snippet with the node classes blanked out: what the script submission compiles.</summary>
    public static string ScriptText(string text, IReadOnlyList<ClassDeclarationSyntax> nodes)
    {
        var builder = new StringBuilder(text);
        foreach (ClassDeclarationSyntax node in nodes)
        {
            Blank(builder, node.FullSpan.Start, node.FullSpan.End);
        }

        return builder.ToString();
    }

    /// <summary>A submission's text with its using directives blanked (the completion document lists them first).</summary>
    public static string WithoutUsings(string text, SyntaxTree tree)
    {
        var builder = new StringBuilder(text);
        foreach (UsingDirectiveSyntax directive in tree.GetCompilationUnitRoot().Usings)
        {
            Blank(builder, directive.Span.Start, directive.Span.End);
        }

        return builder.ToString();
    }

    /// <summary>
    /// The node classes alone (plus the snippet's using directives), each method marked AggressiveOptimization so
    /// that it is compiled fully optimised on its first call and admission's warm-up is short and final.
    /// </summary>
    public static string LibraryText(string text, SyntaxTree tree, IReadOnlyList<ClassDeclarationSyntax> nodes)
    {
        var keep = new List<(int Start, int End)>();
        keep.AddRange(tree.GetCompilationUnitRoot().Usings.Select(u => (u.Span.Start, u.Span.End)));
        keep.AddRange(nodes.Select(n => (n.FullSpan.Start, n.FullSpan.End)));
        keep.Sort();
        var builder = new StringBuilder(text);
        int position = 0;
        foreach ((int start, int end) in keep)
        {
            Blank(builder, position, Math.Max(position, start));
            position = Math.Max(position, end);
        }

        Blank(builder, position, text.Length);

        // Insert from the end so that earlier positions stay valid. A #line directive after the attribute maps the
        // lines below it back to the snippet's numbering.
        var methods = nodes.SelectMany(n => n.DescendantNodes().OfType<MethodDeclarationSyntax>())
            .Where(m => m.Body is not null || m.ExpressionBody is not null)
            .Where(m => !m.AttributeLists.SelectMany(a => a.Attributes).Any(a => a.Name.ToString().Contains("MethodImpl", StringComparison.Ordinal)))
            .OrderByDescending(m => m.SpanStart);
        foreach (MethodDeclarationSyntax method in methods)
        {
            FileLinePositionSpan at = tree.GetLineSpan(method.Span);
            int line = at.StartLinePosition.Line + 1;
            int column = at.StartLinePosition.Character;
            builder.Insert(method.SpanStart, string.Create(CultureInfo.InvariantCulture, $"{AggressiveOptimization}\n#line {line}\n{new string(' ', column)}"));
        }

        return builder.ToString();
    }

    private static void Blank(StringBuilder builder, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            if (builder[i] is not ('\n' or '\r'))
            {
                builder[i] = ' ';
            }
        }
    }

    /// <summary>Compiles a node library; returns its image and PDB, or the diagnostics.</summary>
    public static (byte[]? Image, byte[]? Pdb) CompileLibrary(string assemblyName, string text, IEnumerable<string> extraUsings, List<EvaluationDiagnostic> diagnostics)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(text, LibraryParseOptions, path: "snippet", encoding: Encoding.UTF8);
        string prelude = string.Concat(DefaultUsings.Select(u => $"global using {u};\n")) + string.Concat(extraUsings.Select(u => "global " + u + "\n"));
        SyntaxTree preludeTree = CSharpSyntaxTree.ParseText(prelude, LibraryParseOptions, path: "prelude", encoding: Encoding.UTF8);
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [preludeTree, tree],
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Disable));
        return Emit(compilation, diagnostics);
    }

    /// <summary>
    /// Emits a script submission with its code made interruptible (<see cref="SnippetInstrumenter"/>); returns the
    /// compilation that was emitted (the next submission chains to it), its image, PDB and source map, or nulls on
    /// errors. Diagnostics are positioned in the snippet as typed.
    /// </summary>
    /// <remarks>
    /// Should the instrumentation break a snippet that compiles as typed (a bug here, or a construct it does not
    /// know), the snippet runs as typed, with a warning that a runaway loop in it would not be stopped.
    /// </remarks>
    /// <param name="tree">The snippet's script tree, as typed.</param>
    /// <param name="create">Makes the submission's compilation of a tree (the typed one is made only when needed).</param>
    /// <param name="diagnostics">Receives the errors and warnings.</param>
    public static (CSharpCompilation Compilation, byte[]? Image, byte[]? Pdb, SnippetSourceMap? Map) EmitInterruptible(
        SyntaxTree tree, Func<SyntaxTree, CSharpCompilation> create, List<EvaluationDiagnostic> diagnostics)
    {
        CSharpCompilation? typed = null;
        (string text, SnippetSourceMap map) = SnippetInstrumenter.Instrument(tree, () => (typed ??= create(tree)).GetSemanticModel(tree));
        SyntaxTree instrumentedTree = CSharpSyntaxTree.ParseText(text, ScriptParseOptions, path: "snippet", encoding: Encoding.UTF8);
        CSharpCompilation instrumented = create(instrumentedTree);
        var found = new List<EvaluationDiagnostic>();
        (byte[]? image, byte[]? pdb) = Emit(instrumented, found, map);
        if (!found.Any(d => d.IsError))
        {
            diagnostics.AddRange(found);
            return (instrumented, image, pdb, map);
        }

        typed ??= create(tree);
        int before = diagnostics.Count;
        AddDiagnostics(typed.GetDiagnostics(), diagnostics);
        if (diagnostics.Skip(before).Any(d => d.IsError))
        {
            return (typed, null, null, null);
        }

        diagnostics.Add(new EvaluationDiagnostic("warning", "STOP", $"this snippet runs without stop checks (a runaway loop in it would not be stopped): {found.First(d => d.IsError)}", 0, 0));
        (image, pdb) = Emit(typed, diagnostics);
        return (typed, image, pdb, null);
    }

    /// <summary>Emits <paramref name="compilation"/>; on errors adds them (positioned in the snippet) and returns nulls.</summary>
    public static (byte[]? Image, byte[]? Pdb) Emit(Compilation compilation, List<EvaluationDiagnostic> diagnostics, SnippetSourceMap? map = null)
    {
        using var image = new MemoryStream();
        using var pdb = new MemoryStream();
        EmitResult result = compilation.Emit(image, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        AddDiagnostics(result.Diagnostics, diagnostics, map);
        return result.Success ? (image.ToArray(), pdb.ToArray()) : (null, null);
    }

    /// <summary>Adds the errors and warnings of <paramref name="found"/>; <paramref name="map"/> positions those of an instrumented text as typed.</summary>
    public static void AddDiagnostics(IEnumerable<Diagnostic> found, List<EvaluationDiagnostic> diagnostics, SnippetSourceMap? map = null)
    {
        foreach (Diagnostic d in found.Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning))
        {
            // Hidden duplicates between the prelude's global usings and the snippet's own are not worth a warning.
            if (d.Id is "CS0105" or "CS8933" or "CS8019")
            {
                continue;
            }

            int line = 0;
            int column = 0;
            if (d.Location.IsInSource)
            {
                FileLinePositionSpan span = d.Location.GetMappedLineSpan();
                line = span.StartLinePosition.Line + 1;
                column = span.StartLinePosition.Character + 1;
                if (map is not null && d.Location.SourceTree?.FilePath == "snippet")
                {
                    (line, column) = map.ToTyped(line, column);
                }
            }

            string severity = d.Severity == DiagnosticSeverity.Error ? "error" : "warning";
            var diagnostic = new EvaluationDiagnostic(severity, d.Id, d.GetMessage(CultureInfo.InvariantCulture), line, column);
            if (!diagnostics.Contains(diagnostic))
            {
                diagnostics.Add(diagnostic);
            }
        }
    }

    private static ImmutableArray<MetadataReference> CreateReferences()
    {
        string[] runtime =
        [
            "System.Runtime",
            "System.Collections",
            "System.Collections.Concurrent",
            "System.Linq",
            "System.Console",
            "System.Memory",
            "System.Numerics.Vectors",
            "System.Runtime.Intrinsics",
            "System.Runtime.InteropServices",
            "System.Threading",
            "netstandard",
        ];
        var locations = new List<string> { typeof(object).Assembly.Location };
        locations.AddRange(runtime.Select(name => Assembly.Load(name).Location));
        locations.Add(typeof(AudioNode).Assembly.Location);
        locations.Add(typeof(Dsp.BuiltinNodeTypes).Assembly.Location);
        locations.Add(typeof(UserNode).Assembly.Location);
        return [.. locations.Distinct(StringComparer.Ordinal).Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    }
}
