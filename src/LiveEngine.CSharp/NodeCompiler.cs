using System.Globalization;
using System.Text;
using LiveEngine.Languages;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LiveEngine.CSharp;

/// <summary>
/// Compiles the node classes of a snippet into assembly bytes without running anything: the front process's half of
/// shipping a node type to the engine process, whose half is <see cref="NodeAdmission.Admit"/>. Control side only.
/// </summary>
public static class NodeCompiler
{
    private static long s_assemblies;

    /// <summary>Compiles every top-level <see cref="UserNode"/> class of <paramref name="code"/>; other code is ignored.</summary>
    public static NodeAssembly Compile(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        SyntaxTree tree = CSharpSyntaxTree.ParseText(code, SnippetCompiler.ScriptParseOptions, path: "snippet", encoding: Encoding.UTF8);
        List<ClassDeclarationSyntax> classes = SnippetCompiler.NodeClasses(tree);
        var diagnostics = new List<EvaluationDiagnostic>();
        SnippetCompiler.AddDiagnostics(tree.GetDiagnostics(), diagnostics);
        if (classes.Count == 0 || diagnostics.Exists(d => d.IsError))
        {
            if (classes.Count == 0)
            {
                diagnostics.Add(new EvaluationDiagnostic("error", "NODE", "no class deriving from UserNode", 0, 0));
            }

            return new NodeAssembly(null, null, diagnostics, []);
        }

        string name = "LiveEngine.UserNodes.c" + Interlocked.Increment(ref s_assemblies).ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N");
        (byte[]? image, byte[]? pdb) = SnippetCompiler.CompileLibrary(name, SnippetCompiler.LibraryText(code, tree, classes), [], diagnostics);
        return new NodeAssembly(image, pdb, diagnostics, [.. classes.Select(c => c.Identifier.ValueText)]);
    }
}
