using System.Collections.Concurrent;
using RadLine;
using Spectre.Console;

namespace LiveEngine.Frontend.Repl;

/// <summary>
/// The REPL's key source: the terminal's keys, plus a way for notices (xruns, faulted nodes, failing callbacks)
/// to appear while the performer types. A notice is printed on its own line above the prompt, and a synthetic
/// key that does nothing makes the line editor redraw the line being typed below it, so the typing is not
/// corrupted and nothing typed is lost.
/// </summary>
internal sealed class ReplInput : IInputSource
{
    /// <summary>The key that only makes the editor redraw.</summary>
    public const ConsoleKey RedrawKey = ConsoleKey.F24;

    private readonly IAnsiConsole _console;
    private readonly ConcurrentQueue<string> _notices = new();

    public ReplInput(IAnsiConsole console) => _console = console;

    public bool ByPassProcessing => false;

    /// <summary>Set while the line editor reads keys; notices are printed directly otherwise.</summary>
    public volatile bool Editing;

    public void Post(string markup)
    {
        if (Editing)
        {
            _notices.Enqueue(markup);
        }
        else
        {
            _console.MarkupLine(markup);
        }
    }

    public bool IsKeyAvailable() => !_notices.IsEmpty || Console.KeyAvailable;

    public ConsoleKeyInfo ReadKey()
    {
        if (_notices.TryDequeue(out string? markup))
        {
            // Clear the line being typed, print the notice, and let the editor redraw its line below it.
            Console.Out.Write("\r\u001b[2K");
            Console.Out.Flush();
            _console.MarkupLine(markup);
            return new ConsoleKeyInfo('\0', RedrawKey, false, false, false);
        }

        return Console.ReadKey(intercept: true);
    }
}

/// <summary>The command bound to <see cref="ReplInput.RedrawKey"/>: changes nothing, so the editor just redraws.</summary>
internal sealed class RedrawCommand : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
    }
}
