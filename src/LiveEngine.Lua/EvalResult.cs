namespace LiveEngine.Lua;

/// <summary>
/// What one evaluation gave: <see cref="Value"/> (what the code returned, as text, or null), <see cref="Output"/>
/// (what it printed), or <see cref="Error"/> (the message, starting with <c>chunk:line:</c>; nothing it built
/// was committed then).
/// </summary>
public sealed record EvalResult(bool Ok, string? Value, string Output, string? Error)
{
    /// <summary>The sample where the graph the evaluation committed lands (its latest commit); null if it committed none.</summary>
    public long? CommitSample { get; init; }

    public static EvalResult Success(string? value, string output) => new(true, value, output, null);

    public static EvalResult Failure(string error, string output = "") => new(false, null, output, error);

    public override string ToString() => Ok ? (Output + (Value ?? "")).TrimEnd('\n') : "error: " + Error;
}
