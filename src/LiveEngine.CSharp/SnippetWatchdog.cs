using System.Diagnostics;

namespace LiveEngine.CSharp;

/// <summary>
/// One background thread that raises each armed <see cref="SnippetBudget"/>'s alarm at its deadline. Control side:
/// it sleeps until the earliest deadline (or until a budget is armed), so a snippet's checks never read a clock.
/// </summary>
internal static class SnippetWatchdog
{
    // An object, not a Lock: the thread sleeps with Monitor.Wait.
    private static readonly object s_lock = new();
    private static readonly List<(SnippetBudget Budget, long DeadlineTicks)> s_armed = [];
    private static Thread? s_thread;

    /// <summary>Raises <paramref name="budget"/>'s alarm at <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp), unless it is forgotten first.</summary>
    public static void Watch(SnippetBudget budget, long deadline)
    {
        lock (s_lock)
        {
            s_armed.Add((budget, deadline));
            if (s_thread is null)
            {
                // Above normal: on a loaded machine the runaway snippet's thread must not keep its watchdog waiting.
                s_thread = new Thread(Run) { IsBackground = true, Name = "C# snippet watchdog", Priority = ThreadPriority.AboveNormal };
                s_thread.Start();
            }

            Monitor.Pulse(s_lock);
        }
    }

    /// <summary>Stops watching <paramref name="budget"/> (it has finished).</summary>
    public static void Forget(SnippetBudget budget)
    {
        lock (s_lock)
        {
            s_armed.RemoveAll(a => a.Budget == budget);
        }
    }

    private static void Run()
    {
        lock (s_lock)
        {
            while (true)
            {
                long now = Stopwatch.GetTimestamp();
                long next = long.MaxValue;
                for (int i = s_armed.Count - 1; i >= 0; i--)
                {
                    (SnippetBudget budget, long deadline) = s_armed[i];
                    if (now >= deadline)
                    {
                        budget.Alarm();
                        s_armed.RemoveAt(i);
                    }
                    else
                    {
                        next = Math.Min(next, deadline);
                    }
                }

                int waitMs = next == long.MaxValue
                    ? Timeout.Infinite
                    : (int)Math.Clamp(((next - now) * 1000 / Stopwatch.Frequency) + 1, 1, int.MaxValue);
                Monitor.Wait(s_lock, waitMs);
            }
        }
    }
}
