using System.Text.RegularExpressions;

namespace LiveEngine.Tests.Cli;

/// <summary>How a documentation code block is checked, as its marker says (no marker: <see cref="Run"/>).</summary>
internal enum DocBlockMode
{
    /// <summary>Run it, and hear it: something must reach <c>out</c>.</summary>
    Run,

    /// <summary>Run it; it is not meant to sound by itself (the marker says why).</summary>
    Silent,

    /// <summary>C# host code: compiled against the engine's assemblies, not run (the marker says why).</summary>
    CompileOnly,

    /// <summary>Not meant to run (the marker says why).</summary>
    NoRun,
}

/// <summary>
/// A fenced code block of a Markdown file: its language (the info string's first word), its text, the line of its
/// opening fence, and what the HTML comment right above it says, if anything:
/// <c>&lt;!-- doc-test: no-run|silent|compile-only[; given: Type name, ...][; using: Alias = Namespace.Type, ...]; why: REASON --&gt;</c>.
/// </summary>
internal sealed partial record DocBlock(string Document, int Line, string Language, string Code, DocBlockMode Mode, string? Why, IReadOnlyList<string> Given, IReadOnlyList<string> Usings)
{
    /// <summary>Where a failure points: the document and the line of the opening fence.</summary>
    public string Location => $"{Document}:{Line}";

    /// <summary>Every fenced block of <paramref name="markdown"/>, named <paramref name="document"/> in messages.</summary>
    public static List<DocBlock> Parse(string document, string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<DocBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            string info = trimmed[3..].Trim();
            string indent = lines[i][..(lines[i].Length - trimmed.Length)];
            int open = i;
            var code = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                code.Add(lines[i].StartsWith(indent, StringComparison.Ordinal) ? lines[i][indent.Length..] : lines[i]);
            }

            if (i == lines.Length)
            {
                throw new FormatException($"{document}:{open + 1}: the code block is never closed.");
            }

            string language = info.Split(' ', 2)[0];
            string? marker = open > 0 ? MarkerPattern().Match(lines[open - 1].Trim()) is { Success: true } m ? m.Groups[1].Value : null : null;
            (DocBlockMode mode, string? why, List<string> given, List<string> usings) = ParseMarker(document, open + 1, marker);
            blocks.Add(new DocBlock(document, open + 1, language, string.Join('\n', code), mode, why, given, usings));
        }

        return blocks;
    }

    private static (DocBlockMode Mode, string? Why, List<string> Given, List<string> Usings) ParseMarker(string document, int line, string? marker)
    {
        if (marker is null)
        {
            return (DocBlockMode.Run, null, [], []);
        }

        // The reason comes last and may hold any text, semicolons too.
        int whyAt = marker.IndexOf("why:", StringComparison.Ordinal);
        string? why = whyAt < 0 ? null : marker[(whyAt + 4)..].Trim();
        string[] parts = (whyAt < 0 ? marker : marker[..whyAt]).Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        DocBlockMode mode = parts.Length == 0 ? (DocBlockMode)(-1) : parts[0] switch
        {
            "no-run" => DocBlockMode.NoRun,
            "silent" => DocBlockMode.Silent,
            "compile-only" => DocBlockMode.CompileOnly,
            _ => (DocBlockMode)(-1),
        };
        if (!Enum.IsDefined(mode))
        {
            throw new FormatException($"{document}:{line}: the doc-test marker must start with no-run, silent or compile-only, not '{marker}'.");
        }

        var given = new List<string>();
        var usings = new List<string>();
        foreach (string part in parts.Skip(1))
        {
            int colon = part.IndexOf(':', StringComparison.Ordinal);
            string key = colon < 0 ? part : part[..colon].Trim();
            string value = colon < 0 ? "" : part[(colon + 1)..].Trim();
            switch (key)
            {
                case "given":
                    given.AddRange(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "using":
                    usings.AddRange(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                    break;
                default:
                    throw new FormatException($"{document}:{line}: unknown key '{key}' in the doc-test marker (keys: given, using, and why last).");
            }
        }

        if (string.IsNullOrWhiteSpace(why))
        {
            throw new FormatException($"{document}:{line}: a doc-test marker says why the block is not run as it stands ('why: ...').");
        }

        return (mode, why, given, usings);
    }

    [GeneratedRegex(@"^<!--\s*doc-test:\s*(.*?)\s*-->$")]
    private static partial Regex MarkerPattern();
}
