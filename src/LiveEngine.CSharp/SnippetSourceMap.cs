using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.Text;

namespace LiveEngine.CSharp;

/// <summary>
/// Where a position of an instrumented snippet (<see cref="SnippetInstrumenter"/>) was in the snippet as typed, so
/// that compiler diagnostics and run-time exceptions name the typed line and column. Instrumentation adds no line
/// break, so lines are the same; a column moves by what was inserted before it on its line.
/// </summary>
internal sealed class SnippetSourceMap
{
    private static readonly ConditionalWeakTable<System.Reflection.Assembly, SnippetSourceMap> s_byAssembly = [];

    private readonly SourceText _typed;
    private readonly SourceText _instrumented;

    // Sorted by position: each edit's start in the instrumented text, its length there, and its start in the typed text.
    private readonly (int Start, int Length, int TypedStart, int TypedLength)[] _edits;

    public SnippetSourceMap(SourceText typed, SourceText instrumented, (int Start, int Length, int TypedStart, int TypedLength)[] edits)
    {
        _typed = typed;
        _instrumented = instrumented;
        _edits = edits;
    }

    /// <summary>The map of the snippet compiled into <paramref name="assembly"/>, for its exceptions' stack frames.</summary>
    public static void Register(System.Reflection.Assembly assembly, SnippetSourceMap map) => s_byAssembly.AddOrUpdate(assembly, map);

    public static SnippetSourceMap? Of(System.Reflection.Assembly? assembly) =>
        assembly is not null && s_byAssembly.TryGetValue(assembly, out SnippetSourceMap? map) ? map : null;

    /// <summary>The typed position of instrumented position <paramref name="position"/> (inside inserted text: where it was inserted).</summary>
    public int ToTyped(int position)
    {
        int shift = 0;
        foreach ((int start, int length, int typedStart, int typedLength) in _edits)
        {
            if (position < start)
            {
                break;
            }

            if (position < start + length)
            {
                return typedStart + (position - start < typedLength ? position - start : typedLength);
            }

            shift = (start + length) - (typedStart + typedLength);
        }

        return position - shift;
    }

    /// <summary>The typed 1-based line and column of an instrumented 1-based line and column.</summary>
    public (int Line, int Column) ToTyped(int line, int column)
    {
        if (line < 1 || line > _instrumented.Lines.Count)
        {
            return (line, column);
        }

        TextLine at = _instrumented.Lines[line - 1];
        int position = ToTyped(Math.Min(at.Start + Math.Max(column - 1, 0), at.End));
        LinePosition typed = _typed.Lines.GetLinePosition(position);
        return (typed.Line + 1, typed.Character + 1);
    }
}
