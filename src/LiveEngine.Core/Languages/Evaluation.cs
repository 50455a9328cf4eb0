namespace LiveEngine.Languages;

/// <summary>
/// What one evaluation of live code did, in any language (Lua, C#) and at any layer (the language's workspace, the
/// front end's language adapter, the REPL, the editor socket): the one evaluation-result type of the command path.
/// </summary>
/// <remarks>
/// A workspace fills in what it knows: Lua gives its value as text and its error as <c>chunk:line: message</c>; C#
/// gives the value as the object, positioned <see cref="Diagnostics"/> and what admission measured. The front end's
/// adapters return the same record with the value folded into <see cref="Output"/> as text (and <see cref="Value"/>
/// null) and the error prefixed by the source's name, which is what the REPL, the socket and the stage view show.
/// </remarks>
public sealed record Evaluation
{
    /// <summary>True when the code ran to its end (C#: compiled, its node classes admitted, no exception).</summary>
    public bool Ok { get; init; }

    /// <summary>What the code printed (in the front end's adapters: followed by its value as text).</summary>
    public string Output { get; init; } = "";

    /// <summary>What the code returned (Lua: as text; C#: the object), or null.</summary>
    public object? Value { get; init; }

    /// <summary>The failure as one message, with where (null when <see cref="Ok"/>); nothing the code built was committed then.</summary>
    public string? Error { get; init; }

    /// <summary>Errors and warnings, positioned in the code as typed (C#; Lua's error is in <see cref="Error"/>).</summary>
    public IReadOnlyList<EvaluationDiagnostic> Diagnostics { get; init; } = [];

    /// <summary>The sample where the graph the evaluation committed lands (its latest commit), where the language knows it; else null.</summary>
    public long? CommitSample { get; init; }

    /// <summary>Node types the code defined and the registry now holds, with what admission measured.</summary>
    public IReadOnlyList<AdmissionMeasurement> AdmittedNodes { get; init; } = [];

    /// <summary>Node types the code redefined whose playing instances were swapped.</summary>
    public IReadOnlyList<string> Redefined { get; init; } = [];

    /// <summary>Time spent compiling, in milliseconds (0 for a language that does not report it).</summary>
    public double CompileMs { get; init; }

    /// <summary>Time spent admitting node types, in milliseconds.</summary>
    public double AdmissionMs { get; init; }

    /// <summary>Time spent running the code, in milliseconds (0 for a language that does not report it).</summary>
    public double RunMs { get; init; }

    /// <summary>The error diagnostics.</summary>
    public IEnumerable<EvaluationDiagnostic> Errors => Diagnostics.Where(d => d.IsError);

    /// <summary>A successful evaluation that printed <paramref name="output"/> and returned <paramref name="value"/>.</summary>
    public static Evaluation Success(string output, object? value = null) => new() { Ok = true, Output = output, Value = value };

    /// <summary>A failed evaluation, its error with where, and what it printed before it failed.</summary>
    public static Evaluation Failure(string error, string output = "") => new() { Ok = false, Output = output, Error = error };

    public override string ToString() => Ok ? (Output + (Value?.ToString() ?? "")).TrimEnd('\n') : "error: " + Error;
}
