using RadLine;

namespace LiveEngine.Frontend.Repl;

/// <summary>Tab completion: REPL commands after ':', otherwise the current language's names (DSL, stdlib, C#) and node types.</summary>
internal sealed class ReplCompletion(Func<string, int, IReadOnlyList<string>> complete, IReadOnlyList<string> commands, IReadOnlyList<string> nodeTypes) : ITextCompletion
{
    public IEnumerable<string>? GetCompletions(string prefix, string word, string suffix)
    {
        if (prefix.Length == 0 && word.StartsWith(':'))
        {
            return commands.Where(c => c.StartsWith(word, StringComparison.Ordinal));
        }

        var names = new SortedSet<string>(StringComparer.Ordinal);
        string code = prefix + word;
        foreach (string name in complete(code, code.Length))
        {
            names.Add(name);
        }

        foreach (string type in nodeTypes)
        {
            if (type.StartsWith(word, StringComparison.Ordinal))
            {
                names.Add(type);
            }
        }

        return names.Count == 0 ? null : names;
    }
}
