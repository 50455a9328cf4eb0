using System.Collections.Concurrent;
using System.Diagnostics;
using RadLine;
using Spectre.Console;

namespace LiveEngine.Frontend.Repl;

/// <summary>
/// The REPL's key source: the terminal's keys, plus a way for notices (xruns, faulted nodes, failing callbacks)
/// to appear while the performer types. Notices are printed on their own lines above the prompt, and a synthetic
/// key that does nothing makes the line editor redraw the line being typed below them, so the typing is not
/// corrupted and nothing typed is lost.
/// </summary>
/// <remarks>
/// Keys come first: a notice is shown only when no key waits, and at most every <see cref="NoticeIntervalMs"/>
/// (all the notices waiting then, at once). The editor reads every key that is already there before it acts on
/// them, so a flood of notices that counted as keys would otherwise keep it reading, and the performer's keys
/// would wait behind the flood.
/// </remarks>
internal sealed class ReplInput : IInputSource
{
    /// <summary>The key that only makes the editor redraw.</summary>
    public const ConsoleKey RedrawKey = ConsoleKey.F24;

    /// <summary>Shortest time between two prints of the waiting notices.</summary>
    public const int NoticeIntervalMs = 20;

    private static readonly long s_noticeIntervalTicks = Stopwatch.Frequency * NoticeIntervalMs / 1000;

    private readonly IAnsiConsole _console;
    private readonly ConcurrentQueue<string> _notices = new();

    // Editor thread only.
    private long _lastNoticesPrinted;

    public ReplInput(IAnsiConsole console) => _console = console;

    /// <summary>
    /// True: RadLine takes five or more keys that are already waiting for a paste and turns their Enter into a new
    /// line. Text and Enter that arrive together (tmux send-keys, vim-slime, an editor's terminal, a paste, or keys
    /// typed while notices print) then became a continuation instead of being evaluated. Every Enter submits; the
    /// REPL itself continues a chunk the language finds unfinished, for typed and pasted lines alike.
    /// </summary>
    public bool ByPassProcessing => true;

    /// <summary>Set while the line editor reads keys; notices are printed directly otherwise.</summary>
    public volatile bool Editing;

    private volatile bool _closed;

    /// <summary>After the REPL ends: notices are no longer shown.</summary>
    public void Close() => _closed = true;

    public void Post(string markup)
    {
        if (_closed)
        {
            return;
        }

        if (Editing)
        {
            _notices.Enqueue(markup);
        }
        else
        {
            _console.MarkupLine(markup);
        }
    }

    public bool IsKeyAvailable() => Console.KeyAvailable || NoticesDue;

    public ConsoleKeyInfo ReadKey()
    {
        if (!Console.KeyAvailable && NoticesDue)
        {
            PrintNotices();
            return new ConsoleKeyInfo('\0', RedrawKey, false, false, false);
        }

        return Console.ReadKey(intercept: true);
    }

    private bool NoticesDue => !_notices.IsEmpty && Stopwatch.GetTimestamp() - _lastNoticesPrinted >= s_noticeIntervalTicks;

    private void PrintNotices()
    {
        // Clear the line being typed, print the notices, and let the editor redraw its line below them.
        Console.Out.Write("\r\u001b[2K");
        Console.Out.Flush();
        // Those waiting now, not those that arrive meanwhile: a flood must not keep the keys waiting.
        for (int n = _notices.Count; n > 0 && _notices.TryDequeue(out string? markup); n--)
        {
            _console.MarkupLine(markup);
        }

        _lastNoticesPrinted = Stopwatch.GetTimestamp();
    }
}
