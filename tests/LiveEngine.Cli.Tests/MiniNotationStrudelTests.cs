using System.Diagnostics;
using System.Text;
using LiveEngine.Cli;
using LiveEngine.Patterns;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// LiveEngine's mini-notation against Strudel's own (@strudel/core and @strudel/mini from npm, tools/strudel): every
/// case's events over 2–4 cycles — begin, end and value — must be equal. Needs node and `npm ci --prefix tools/strudel`
/// (.ci/run does both); without them the test fails and says so.
/// </summary>
public sealed class MiniNotationStrudelTests
{
    public static readonly (string Pattern, int Cycles)[] Cases =
    [
        ("bd sd", 2),
        ("bd*2 [sn cp] <hh oh>", 3),
        ("bd [sn sn]", 2),
        ("bd ~ sn ~", 2),
        ("bd - sn", 2),
        ("[bd, hh hh]", 2),
        ("bd*3", 2),
        ("bd/2", 4),
        ("[bd sn]/3", 4),
        ("<bd sn cp>", 4),
        ("<bd [sn sn]>*2", 3),
        ("<a b, c d e>", 4),
        ("{a b c, d e}", 3),
        ("{a b c}%4", 3),
        ("{a b, c d e f g}%<2 3>", 4),
        ("bd(3,8)", 2),
        ("bd(3,8,2)", 2),
        ("bd(5,8,-1)", 2),
        ("bd(<3 5>,8)", 3),
        ("[bd sn](3,8)", 2),
        ("bd(-3,8)", 2),
        ("hh?", 4),
        ("hh*8?", 3),
        ("hh?0.3*8", 3),
        ("[hh?]*8", 3),
        ("bd? sn? hh? cp?", 4),
        ("bd!3 sn", 2),
        ("bd! sn", 2),
        ("bd ! ! sn", 2),
        ("<a b>!2 c", 3),
        ("bd@3 sn", 2),
        ("bd _ _ sn", 2),
        ("[bd sn]@2 hh", 2),
        ("bd . sn sn . hh hh hh", 2),
        ("bd | sn | hh", 4),
        ("[bd | sn | hh]*4", 3),
        ("c4 e4 g4 b4", 2),
        ("0 1 2 3", 2),
        ("0.5 -1 1e2", 2),
        ("bd:3 sn:1", 2),
        ("bd*<2 3>", 4),
        ("bd*[2 3]", 2),
        ("bd*1.5", 3),
        ("[bd sn]!2?", 3),
        ("<bd sn>(3,8)", 2),
        ("bd [~ bd] sn ~", 2),
        ("{bd sn, hh hh hh}", 3),
        ("<[a a] b>/2", 4),
        ("a ~ ~ b@2", 2),
        ("[a b c]*<1 2 3>", 3),
        ("a? b?0.7 [c d]?", 4),
        ("<a b c>?", 4),
        ("{a b c d e}%3", 2),
        ("a(3,8)?", 2),
        ("[a [b c]?]*4 d?", 3),
        ("[<a b> | c d]*2", 4),
        ("a@0.5@0.5 b", 2),
    ];

    [Fact]
    public void EveryCase_GivesStrudelsEvents()
    {
        Dictionary<string, List<string>> strudel = RunStrudel(Cases);
        Assert.DoesNotContain(strudel, pair => pair.Value.Count == 1 && pair.Value[0].StartsWith("! ", StringComparison.Ordinal));
        var mismatches = new StringBuilder();
        foreach ((string pattern, int cycles) in Cases)
        {
            List<string> expected = strudel[pattern];
            List<string> actual = [.. PatternCommand.Format(MiniNotation.Parse(pattern), cycles).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            if (!expected.SequenceEqual(actual))
            {
                mismatches.AppendLine($"\"{pattern}\" over {cycles} cycles:\n  strudel: {string.Join("\n           ", expected)}\n  ours:    {string.Join("\n           ", actual)}");
            }
        }

        Assert.True(Cases.Length >= 40);
        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    /// <summary>
    /// 200 random patterns (a fixed seed) nesting every construct of the table in each other, 2–4 cycles each. A few
    /// that Strudel itself cannot play (it throws "Division by Zero" on some zero weights inside alternations) are
    /// left out; every other one must give Strudel's events.
    /// </summary>
    [Fact]
    public void RandomNestedPatterns_GiveStrudelsEvents()
    {
        var random = new Random(18);
        var cases = new List<(string, int)>();
        while (cases.Count < 200)
        {
            string pattern = RandomPatterns.Stack(random, 0);
            if (!cases.Exists(c => c.Item1 == pattern))
            {
                cases.Add((pattern, random.Next(2, 5)));
            }
        }

        Dictionary<string, List<string>> strudel = RunStrudel(cases);
        var mismatches = new StringBuilder();
        int refused = 0;
        foreach ((string pattern, int cycles) in cases)
        {
            List<string> expected = strudel[pattern];
            if (expected.Count == 1 && expected[0].StartsWith("! ", StringComparison.Ordinal))
            {
                refused++;
                continue;
            }

            List<string> actual = [.. PatternCommand.Format(MiniNotation.Parse(pattern), cycles).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            if (!expected.SequenceEqual(actual))
            {
                mismatches.AppendLine($"\"{pattern}\" over {cycles} cycles:\n  strudel: {string.Join(" ", expected.Take(6))}\n  ours:    {string.Join(" ", actual.Take(6))}");
            }
        }

        Assert.True(refused <= 10, $"Strudel refused {refused} of the 200 random patterns");
        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    private static Dictionary<string, List<string>> RunStrudel(IReadOnlyCollection<(string Pattern, int Cycles)> cases)
    {
        string folder = Path.Combine(RenderCommandTests.RepositoryRoot(), "tools", "strudel");
        Assert.True(
            Directory.Exists(Path.Combine(folder, "node_modules", "@strudel", "mini")),
            $"Strudel is not installed in {folder}: run `npm ci --prefix tools/strudel` (node 20 and npm; .ci/run does it).");
        var start = new ProcessStartInfo("node", ["events.mjs", "--stdin"])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"node is needed to check mini-notation against Strudel and could not be started ({e.Message}); install Node.js 20.");
            throw;
        }

        using (process)
        {
            foreach ((string pattern, int cycles) in cases)
            {
                process.StandardInput.Write($"{cycles}\t{pattern}\n");
            }

            process.StandardInput.Close();
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "node events.mjs did not finish in 60 s");
            Assert.True(process.ExitCode == 0, $"node events.mjs failed ({process.ExitCode}): {error.Result}");

            var blocks = new Dictionary<string, List<string>>();
            List<string>? current = null;
            foreach (string line in output.Split('\n'))
            {
                if (line.StartsWith("# ", StringComparison.Ordinal))
                {
                    current = [];
                    blocks[line[2..]] = current;
                }
                else if ((line.StartsWith('{') || line.StartsWith("! ", StringComparison.Ordinal)) && current is not null)
                {
                    current.Add(line);
                }
            }

            Assert.Equal(cases.Count, blocks.Count);
            return blocks;
        }
    }
}
