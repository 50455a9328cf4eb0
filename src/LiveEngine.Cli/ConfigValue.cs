using Tomlyn.Parsing;

namespace LiveEngine.Cli;

/// <summary>
/// One value of a <c>repl.config</c> key as Tomlyn read it: its kind (<see cref="TomlParseEventKind.None"/> when the value
/// is not valid TOML), the decoded scalar, the text as written (for messages) and, for an invalid value, Tomlyn's reason.
/// </summary>
internal readonly record struct ConfigValue(TomlParseEventKind Kind, object? Scalar, string Text, string? Problem = null)
{
    /// <summary>The value as a message shows it: the text as written, and why TOML refused it where the text alone does not say.</summary>
    public string Shown => Problem is null ? Text : $"{Text} ({Problem})";
}
