using System.Diagnostics;

using LiveEngine.Languages;

namespace LiveEngine.CSharp;

/// <summary>C# diagnostics of a snippet as <see cref="EvaluationDiagnostic"/>s.</summary>
public static class SnippetDiagnostics
{
    /// <summary>
    /// An exception thrown by a snippet's code, positioned at the snippet's innermost frame (from its PDB); a stop
    /// (<see cref="SnippetStoppedException"/>, id <c>STOP</c>) at the loop, jump or method where it was stopped.
    /// </summary>
    public static EvaluationDiagnostic FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is SnippetStoppedException stop)
        {
            return new EvaluationDiagnostic("error", "STOP", stop.Message, stop.Line, stop.Column);
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

                return new EvaluationDiagnostic("error", "RUN", $"{exception.GetType().Name}: {exception.Message}", line, column);
            }
        }

        return new EvaluationDiagnostic("error", "RUN", $"{exception.GetType().Name}: {exception.Message}", 0, 0);
    }
}
