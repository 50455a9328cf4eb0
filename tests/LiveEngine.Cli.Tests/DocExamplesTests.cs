namespace LiveEngine.Tests.Cli;

/// <summary>
/// Every code block of README.md, docs/*.md and stdlib/README.md does what its document says (see
/// <see cref="DocExampleRunner"/> for how each language runs), so the documentation cannot drift from the code.
/// A block that is not meant to run as it stands carries a marker with its reason.
/// </summary>
public sealed class DocExamplesTests
{
    public static TheoryData<string> Documents() => [.. DocumentPaths()];

    private static IEnumerable<string> DocumentPaths() =>
        new[] { "README.md", "stdlib/README.md" }.Concat(
            Directory.GetFiles(Path.Combine(RenderCommandTests.RepositoryRoot(), "docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task EveryCodeBlock_RunsAsItsDocumentSays(string document)
    {
        string root = RenderCommandTests.RepositoryRoot();
        List<DocBlock> blocks = DocBlock.Parse(document, File.ReadAllText(Path.Combine(root, document)));
        var failures = new List<string>();
        using (var runner = new DocExampleRunner(root))
        {
            foreach (DocBlock block in blocks)
            {
                try
                {
                    await runner.RunAsync(block);
                }
                catch (DocExampleException e)
                {
                    failures.Add(e.Message);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void TheDocuments_HoldTheExamplesThatRun_AndFewMarkers()
    {
        string root = RenderCommandTests.RepositoryRoot();
        List<DocBlock> all = [.. DocumentPaths().SelectMany(d => DocBlock.Parse(d, File.ReadAllText(Path.Combine(root, d))))];

        // The tutorial, the C# node and the socket's eval example are among the blocks that run and must sound.
        Assert.True(all.Count(b => b.Document == "docs/lua.md" && b.Language == "lua" && b.Mode == DocBlockMode.Run) >= 7);
        Assert.Contains(all, b => b.Document == "docs/csharp.md" && b.Language == "csharp" && b.Mode == DocBlockMode.Run && b.Code.Contains("class Fold", StringComparison.Ordinal));
        Assert.Contains(all, b => b.Document == "docs/protocol.md" && b.Language == "json" && b.Code.Contains("\"code\"", StringComparison.Ordinal));
        List<DocBlock> marked = [.. all.Where(b => b.Mode != DocBlockMode.Run)];
        Assert.All(marked, b => Assert.False(string.IsNullOrWhiteSpace(b.Why), b.Location));
        Assert.True(marked.Count(b => b.Mode is DocBlockMode.NoRun or DocBlockMode.Silent) <= 4, "blocks not run or not heard: " + string.Join(", ", marked.Select(b => b.Location)));
    }

    [Fact]
    public async Task ABrokenExample_IsReportedWithItsFileAndLine()
    {
        const string Markdown = """
            # A page

            ```lua
            out(sine{220})
            ```

            ```lua
            out(saw{55} >> lpf{cutof = 800})
            ```

            ```lua
            _ = saw{55} >> lpf{cutoff = 800}
            ```

            ```csharp
            Graph().Add("s", "saw", ("freqHz", 110)).Chain("s", "out").Commit(NextBar);
            ```

            ```json
            {"nodes": [{"id": "osc", "type": "sine"}, {"id": "out", "type": "out"}], "edges": [{"from": "osc", "too": "out"}]}
            ```

            ```sh
            liveengine render examples/techno.lua --secs 30 --out techno.wav
            ```

            <!-- doc-test: compile-only; why: host code -->
            ```csharp
            LiveSession s = LuaPiece.CreateSessionn();
            ```

            ```json
            {"jsonrpc": "2.0", "id": 1,
            ```

            ```rust
            fn main() {}
            ```

            ```toml
            [engine]
            ```
            """;
        List<DocBlock> blocks = DocBlock.Parse("page.md", Markdown);
        var messages = new List<string?>();
        using (var runner = new DocExampleRunner(RenderCommandTests.RepositoryRoot()))
        {
            foreach (DocBlock block in blocks)
            {
                messages.Add((await Record.ExceptionAsync(() => runner.RunAsync(block)))?.Message);
            }
        }

        Assert.Null(messages[0]);
        Assert.StartsWith("page.md:7 (```lua): the Lua evaluation failed:", messages[1]);
        Assert.Contains("cutof", messages[1]);
        Assert.StartsWith("page.md:11 (```lua): nothing reaches `out`: the bar after its commit is silent", messages[2]);
        Assert.Null(messages[3]);
        Assert.StartsWith("page.md:19 (```json):", messages[4]);
        Assert.Contains("too", messages[4]);
        Assert.StartsWith("page.md:23 (```sh): `liveengine render examples/techno.lua --secs 30 --out techno.wav`:", messages[5]);
        Assert.StartsWith("page.md:28 (```csharp): the C# does not compile: page.md:29: CS0117", messages[6]);
        Assert.StartsWith("page.md:32 (```json): invalid JSON:", messages[7]);
        Assert.StartsWith("page.md:36 (```rust): no runner for a 'rust' block", messages[8]);
        Assert.Null(messages[9]);
    }

    [Fact]
    public void AMarkerWithoutAReason_IsRefused()
    {
        const string Markdown = """
            <!-- doc-test: no-run -->
            ```lua
            out(sine{220})
            ```
            """;
        FormatException e = Assert.Throws<FormatException>(() => DocBlock.Parse("page.md", Markdown));
        Assert.StartsWith("page.md:2: a doc-test marker says why", e.Message);
    }
}
