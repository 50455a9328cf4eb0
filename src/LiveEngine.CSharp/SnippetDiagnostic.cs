using System.Diagnostics;
using System.Globalization;

namespace LiveEngine.CSharp;

/// <summary>A compiler, admission or run-time message about a snippet, positioned in the snippet itself.</summary>
/// <param name="Severity">"error" or "warning".</param>
/// <param name="Id">The compiler's id (CS0103), "ADMIT" for an admission rejection, "RUN" for an exception.</param>
/// <param name="Message">The message.</param>
/// <param name="Line">1-based line in the snippet; 0 when the message has no position.</param>
/// <param name="Column">1-based column in the snippet; 0 when the message has no position.</param>
public sealed record SnippetDiagnostic(string Severity, string Id, string Message, int Line, int Column)
{
    public bool IsError => Severity == "error";

    /// <summary>
    /// An exception thrown by a snippet's code, positioned at the snippet's innermost frame (from its PDB); a stop
    /// (<see cref="SnippetStoppedException"/>, id <c>STOP</c>) at the loop, jump or method where it was stopped.
    /// </summary>
    public static SnippetDiagnostic FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is SnippetStoppedException stop)
        {
            return new SnippetDiagnostic("error", "STOP", stop.Message, stop.Line, stop.Column);
        }

        foreach (StackFrame frame in new StackTrace(exception, fNeedFileInfo: true).GetFrames())
        {
            if (frame.GetFileName() == "snippet" && frame.GetFileLineNumber() > 0)
            {
                // An instrumented submission's columns are mapped back to the snippet as typed.
                (int line, int column) = (frame.GetFileLineNumber(), frame.GetFileColumnNumber());
                if (SnippetSourceMap.Of(frame.GetMethod()?.Module.Assembly) is { } map)
                {
                    (line, column) = map.ToTyped(line, column);
                }

                return new SnippetDiagnostic("error", "RUN", $"{exception.GetType().Name}: {exception.Message}", line, column);
            }
        }

        return new SnippetDiagnostic("error", "RUN", $"{exception.GetType().Name}: {exception.Message}", 0, 0);
    }

    public override string ToString() => Line > 0
        ? string.Create(CultureInfo.InvariantCulture, $"({Line},{Column}): {Severity} {Id}: {Message}")
        : $"{Severity} {Id}: {Message}";
}
