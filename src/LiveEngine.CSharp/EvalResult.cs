namespace LiveEngine.CSharp;

/// <summary>The outcome of one C# submission.</summary>
public sealed record EvalResult
{
    /// <summary>True when the snippet compiled, its node classes were admitted and its code ran without an exception.</summary>
    public bool Success { get; init; }

    /// <summary>The value of a trailing expression, or null.</summary>
    public object? Value { get; init; }

    /// <summary>What the snippet printed (<see cref="LiveGlobals.Print"/>).</summary>
    public string Output { get; init; } = "";

    /// <summary>Errors and warnings, positioned in the snippet.</summary>
    public IReadOnlyList<SnippetDiagnostic> Diagnostics { get; init; } = [];

    /// <summary>Node types the snippet defined and the registry now holds, with what admission measured.</summary>
    public IReadOnlyList<AdmissionMeasurement> AdmittedNodes { get; init; } = [];

    /// <summary>Node types the snippet redefined whose playing instances were swapped.</summary>
    public IReadOnlyList<string> Redefined { get; init; } = [];

    /// <summary>Time spent compiling (both parts), in milliseconds.</summary>
    public double CompileMs { get; init; }

    /// <summary>Time spent admitting node types, in milliseconds.</summary>
    public double AdmissionMs { get; init; }

    /// <summary>Time spent running the snippet's code, in milliseconds.</summary>
    public double RunMs { get; init; }

    public IEnumerable<SnippetDiagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public override string ToString() => Success
        ? Output + ValueText.Format(Value)
        : string.Join(Environment.NewLine, Errors);
}
