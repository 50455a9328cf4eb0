using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// The repository stands alone: someone who clones it has no folder beside it, so no tracked file (source, test,
/// doc, tool, comment) may send the reader to one — a sibling <c>shared</c> folder, a product brief or a style
/// guide that is not in the repository, or a path on the machine the code was written on.
/// </summary>
public sealed partial class RepositoryCitationTests
{
    /// <summary>This file, which names what it looks for.</summary>
    private const string ThisFile = "tests/LiveEngine.Cli.Tests/RepositoryCitationTests.cs";

    [Fact]
    public void NoTrackedFile_CitesAFileOutsideTheRepository()
    {
        string root = RenderCommandTests.RepositoryRoot();
        List<string> files = TrackedFiles(root);
        files.Remove(ThisFile);
        var names = new HashSet<string>(files.Select(Path.GetFileName)!, StringComparer.Ordinal);
        var citations = new List<string>();
        foreach (string file in files)
        {
            string path = Path.Combine(root, file);
            if (!File.Exists(path) || IsBinary(path))
            {
                continue;
            }

            string[] lines = File.ReadAllLines(path);
            for (int n = 0; n < lines.Length; n++)
            {
                foreach (Match match in OutsideCitation().Matches(lines[n]))
                {
                    // A document name counts only when the repository has no file of that name to cite.
                    if (match.Groups["doc"].Success && names.Contains(match.Groups["doc"].Value))
                    {
                        continue;
                    }

                    citations.Add($"{file}:{n + 1}: {lines[n].Trim()}");
                    break;
                }
            }
        }

        Assert.True(citations.Count == 0, "Files cite something outside the repository; say the thing itself:" + Environment.NewLine + string.Join(Environment.NewLine, citations));
    }

    [Theory]
    [InlineData("The shape is the one in `../shared/BRIEF.md`.")]
    [InlineData("/// The standard workloads of BRIEF.md, so that ...")]
    [InlineData("<!-- empty ones are worse (STYLE.md). -->")]
    [InlineData("see /work/shared/notes.txt")]
    public void ACitationOutsideTheRepository_IsRecognised(string line) => Assert.Matches(OutsideCitation(), line);

    [Theory]
    [InlineData("<Compile Include=\"../Shared/UserLowPassSource.cs\" />")]
    [InlineData("the REPL briefly shows (docs/engine-protocol.md)")]
    [InlineData("liveengine engine --socket /tmp/le.sock")]
    public void ACitationInsideTheRepository_IsNot(string line) => Assert.DoesNotMatch(OutsideCitation(), line);

    /// <summary>The repository's tracked files, as <c>git ls-files</c> lists them (paths relative to the root).</summary>
    private static List<string> TrackedFiles(string root)
    {
        var start = new ProcessStartInfo("git", ["-C", root, "ls-files", "-z"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process git = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        string output = git.StandardOutput.ReadToEnd();
        string error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git ls-files failed in {root}: {error}");
        List<string> files = [.. output.Split('\0', StringSplitOptions.RemoveEmptyEntries)];
        Assert.Contains("README.md", files);
        Assert.Contains(ThisFile, files);
        return files;
    }

    private static bool IsBinary(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8192];
        return head[..stream.Read(head)].Contains((byte)0);
    }

    /// <summary>A sibling <c>shared</c> folder (any number of <c>../</c>), a brief or style guide by name, or a path under <c>/work/</c>.</summary>
    [GeneratedRegex(@"(\.\./)+shared\b|(?<doc>\b(BRIEF|STYLE)\.md)\b|(?<![\w.~])/work/", RegexOptions.CultureInvariant)]
    private static partial Regex OutsideCitation();
}
