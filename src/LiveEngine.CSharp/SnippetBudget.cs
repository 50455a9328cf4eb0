using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace LiveEngine.CSharp;

/// <summary>
/// The checks a compiled C# snippet makes (<see cref="SnippetInstrumenter"/> puts them in): every loop iteration
/// and every <c>goto</c> calls <see cref="Check"/>, every method, accessor, local function and lambda starts with
/// <see cref="Enter"/>, and every <c>catch</c> filters on <see cref="MayCatch"/>. Snippet code is not meant to
/// call them itself. Control side; while no budget has run out the checks allocate nothing and cost a volatile
/// read and a thread-static decrement (and a stack-pointer comparison at method entry).
/// </summary>
/// <remarks>
/// Design: a budget is armed around an evaluation (or a callback); <see cref="SnippetWatchdog"/> raises its
/// alarm at the deadline, and an interrupt raises it at once. The checks read one process-wide count of raised
/// alarms, so a loop pays almost nothing until some alarm is up; only then does a check look up its own budget,
/// which flows with the code through an <see cref="AsyncLocal{T}"/> (an <c>await</c> continuation or a task the
/// snippet starts is bounded by the same deadline). Every 1024th check on a thread also reads the clock itself, so
/// a tight loop is stopped on time even when a loaded machine is slow to wake the watchdog. Once a budget stops, every later check of its code throws
/// again at once and every snippet <c>catch</c> declines, so the stop reaches the workspace however the snippet
/// tries to swallow it (a catch-all, a loop in a <c>finally</c>). Runaway recursion is stopped at method entry
/// when the evaluation's thread has used <see cref="SnippetLimits.StackBytes"/> of stack since the budget was
/// armed (a depth limit in bytes: deterministic and quick to unwind), and on any thread before the stack is
/// nearly full (a stack overflow cannot be caught in .NET: it kills the process).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SnippetBudget
{
    private const int Running = 0;
    private const int Alarmed = 1;
    private const int Finished = 2;

    // An empty loop's iteration takes about a nanosecond; a thousand of them, a microsecond.
    private const int ChecksPerClockRead = 1024;

    private static readonly AsyncLocal<SnippetBudget?> s_current = new();

    // Budgets whose alarm is up and that have not finished. Written with interlocked operations (the watchdog, an
    // interrupting thread, a finishing evaluation); read volatile by every check.
    private static volatile int s_alarms;

    // The lowest stack address the code this thread runs under a budget may reach; 0 when no budget was armed here.
    [ThreadStatic]
    private static nuint s_stackLimit;

    // Checks left on this thread before one reads the clock itself: a runaway loop is stopped on time even when a
    // loaded machine is slow to wake the watchdog.
    [ThreadStatic]
    private static int s_checksToClock;

    private readonly string _what;
    private readonly long _limitMs;
    private readonly int _stackBytes;

    // Running → Alarmed → Finished, or Running → Finished; compare-exchange only.
    private int _state;

    // Stopwatch timestamp of the deadline; set by Arm before the code runs.
    private long _deadlineTicks = long.MaxValue;

    // The first stop; later checks throw copies of it. Set once (compare-exchange).
    private SnippetStoppedException? _stop;
    private volatile bool _interrupted;

    /// <param name="what">What runs, in the stop message: "C# snippet", "callback".</param>
    /// <param name="limit">Wall-clock time it may run.</param>
    /// <param name="stackBytes">Stack its calls may use on the thread that arms it.</param>
    internal SnippetBudget(string what, TimeSpan limit, int stackBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(stackBytes, 16 << 10);
        _what = what;
        _limitMs = (long)Math.Ceiling(limit.TotalMilliseconds);
        _stackBytes = stackBytes;
    }

    /// <summary>Why the code was stopped (the first stop), or null if it was not.</summary>
    internal SnippetStoppedException? Stopped => Volatile.Read(ref _stop);

    internal long LimitMs => _limitMs;

    /// <summary>
    /// A stop check: throws <see cref="SnippetStoppedException"/> when the running code's budget has run out or was
    /// interrupted. <paramref name="line"/> and <paramref name="column"/> locate the loop or jump in the snippet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(int line, int column)
    {
        if (s_alarms != 0 || --s_checksToClock < 0)
        {
            CheckSlow(line, column);
        }
    }

    /// <summary>The check at a method's, accessor's, local function's or lambda's entry: also stops runaway recursion.</summary>
    public static unsafe void Enter(int line, int column)
    {
        byte probe = 0;
        if ((nuint)(&probe) < s_stackLimit || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            StopRecursion(line, column);
        }

        if (s_alarms != 0 || --s_checksToClock < 0)
        {
            CheckSlow(line, column);
        }
    }

    /// <summary>False while the running code is being stopped: a snippet's <c>catch</c> then lets the exception pass.</summary>
    public static bool MayCatch() => s_alarms == 0 || s_current.Value is not { } budget || Volatile.Read(ref budget._state) != Alarmed;

    /// <summary>
    /// Makes this the budget of the code the calling thread runs next (and of what that code awaits or starts); its
    /// time starts now. Dispose the scope when that code has returned: the budget is then finished.
    /// </summary>
    internal unsafe Scope Arm()
    {
        byte probe = 0;
        var scope = new Scope(this, s_current.Value, s_stackLimit);
        nuint here = (nuint)(&probe);
        s_stackLimit = here > (nuint)_stackBytes ? here - (nuint)_stackBytes : 0;
        _deadlineTicks = Stopwatch.GetTimestamp() + (_limitMs * Stopwatch.Frequency / 1000);
        s_current.Value = this;
        if (_interrupted)
        {
            Alarm();
        }
        else
        {
            SnippetWatchdog.Watch(this, _deadlineTicks);
        }

        return scope;
    }

    /// <summary>Stops the code at its next check (Ctrl+C, a cancelled evaluation). Any thread.</summary>
    internal void Interrupt()
    {
        _interrupted = true;
        Alarm();
    }

    /// <summary>Raises the alarm: the code's next check throws. The watchdog calls it at the deadline. Any thread.</summary>
    internal void Alarm()
    {
        if (Interlocked.CompareExchange(ref _state, Alarmed, Running) == Running)
        {
            Interlocked.Increment(ref s_alarms);
        }
    }

    private void Finish()
    {
        SnippetWatchdog.Forget(this);
        if (Interlocked.Exchange(ref _state, Finished) == Alarmed)
        {
            Interlocked.Decrement(ref s_alarms);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CheckSlow(int line, int column)
    {
        SnippetBudget? budget = s_current.Value;
        if (s_checksToClock < 0)
        {
            s_checksToClock = ChecksPerClockRead;
            if (budget is not null && Volatile.Read(ref budget._state) == Running && Stopwatch.GetTimestamp() >= budget._deadlineTicks)
            {
                budget.Alarm();
            }
        }

        // Another budget's alarm (a callback's, another workspace's) brings this code here too: only its own stops it.
        if (budget is not null && Volatile.Read(ref budget._state) == Alarmed)
        {
            budget.Stop(line, column, recursion: false);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Stop(int line, int column, bool recursion)
    {
        string message = recursion
            ? string.Create(CultureInfo.InvariantCulture, $"{_what} stopped: calls nested too deeply (more than {_stackBytes >> 10} KB of stack: an endless recursion?)")
            : _interrupted
                ? $"{_what} stopped: interrupted"
                : string.Create(CultureInfo.InvariantCulture, $"{_what} stopped: ran longer than {_limitMs} ms (an endless loop?)");
        Interlocked.CompareExchange(ref _stop, new SnippetStoppedException(message, line, column), null);
        Alarm();
        SnippetStoppedException first = _stop;
        throw new SnippetStoppedException(first.Message, first.Line, first.Column);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StopRecursion(int line, int column)
    {
        if (s_current.Value is { } budget && Volatile.Read(ref budget._state) != Finished)
        {
            budget.Stop(line, column, recursion: true);
        }

        throw new SnippetStoppedException("C# code stopped: calls nested too deeply (the stack is nearly full: an endless recursion?)", line, column);
    }

    /// <summary>An armed budget; disposing it finishes the budget and restores what was current before on this thread.</summary>
    internal readonly struct Scope(SnippetBudget budget, SnippetBudget? previous, nuint previousStackLimit) : IDisposable
    {
        public void Dispose()
        {
            budget.Finish();
            s_current.Value = previous;
            s_stackLimit = previousStackLimit;
        }
    }
}
