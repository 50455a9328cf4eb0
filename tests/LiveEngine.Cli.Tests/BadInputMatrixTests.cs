using System.Text.RegularExpressions;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// docs/bad-input.md promises a test per row. Every <c>Class.Method</c> it names must exist in tests/, so a renamed or
/// deleted test cannot leave a row that nothing holds.
/// </summary>
public sealed partial class BadInputMatrixTests
{
    [Fact]
    public void EveryTestTheMatrixNames_ExistsInTheTestSources()
    {
        string root = RenderCommandTests.RepositoryRoot();
        string matrix = File.ReadAllText(Path.Combine(root, "docs", "bad-input.md"));
        string[] sources = [.. Directory.GetFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)];

        var named = TestReference().Matches(matrix).Select(m => (Class: m.Groups[1].Value, Method: m.Groups[2].Value)).Distinct().ToList();
        Assert.True(named.Count >= 40, $"docs/bad-input.md names only {named.Count} tests; has its format changed?");

        var missing = new List<string>();
        foreach ((string type, string method) in named)
        {
            // A trailing * names every test of the class that starts with the prefix.
            string prefix = method.TrimEnd('*');
            bool found = sources.Any(s => Regex.IsMatch(s, $@"\bclass {type}\b")
                && Regex.IsMatch(s, $@"\b(void|Task) {Regex.Escape(prefix)}{(method.EndsWith('*') ? @"\w*" : "")}\("));
            if (!found)
            {
                missing.Add($"{type}.{method}");
            }
        }

        Assert.True(missing.Count == 0, "docs/bad-input.md names tests that do not exist: " + string.Join(", ", missing));
    }

    [GeneratedRegex(@"`([A-Z]\w*Tests)\.(\w+\*?)`")]
    private static partial Regex TestReference();
}
