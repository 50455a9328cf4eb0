using System.Globalization;

namespace LiveEngine.Languages;

/// <summary>A compiler, admission or run-time message about evaluated code, positioned in the code as typed.</summary>
/// <param name="Severity">"error" or "warning".</param>
/// <param name="Id">The compiler's id (C#: CS0103), "ADMIT" for an admission rejection, "RUN" for an exception, "STOP" for a runaway stopped.</param>
/// <param name="Message">The message.</param>
/// <param name="Line">1-based line in the code; 0 when the message has no position.</param>
/// <param name="Column">1-based column in the code; 0 when the message has no position.</param>
public sealed record EvaluationDiagnostic(string Severity, string Id, string Message, int Line, int Column)
{
    public bool IsError => Severity == "error";

    public override string ToString() => Line > 0
        ? string.Create(CultureInfo.InvariantCulture, $"({Line},{Column}): {Severity} {Id}: {Message}")
        : $"{Severity} {Id}: {Message}";
}
