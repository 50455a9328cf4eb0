using System.Diagnostics;

namespace LiveEngine.Cli;

/// <summary>
/// When this process reached <c>Main</c> and when it started, for <c>render --timing</c>: the part of a whole-process
/// render that comes before the graph (the runtime's own start, the command line).
/// </summary>
internal static class ProcessTiming
{
    /// <summary>The Stopwatch timestamp taken first thing in <c>Main</c> (0 before <see cref="MarkMain"/>).</summary>
    public static long MainStarted { get; private set; }

    /// <summary>Takes the timestamp of <see cref="MainStarted"/>. Called once, first thing in <c>Main</c>.</summary>
    public static void MarkMain() => MainStarted = Stopwatch.GetTimestamp();

    /// <summary>
    /// Wall time from the process's start (the kernel's record of it, to its clock tick: 10 ms on most Linux systems)
    /// to <paramref name="timestamp"/>, a Stopwatch timestamp taken in this process; null where the system does not say.
    /// </summary>
    public static TimeSpan? SinceProcessStart(long timestamp)
    {
        try
        {
            DateTime started = Process.GetCurrentProcess().StartTime;
            TimeSpan sinceTimestamp = Stopwatch.GetElapsedTime(timestamp);
            return DateTime.Now - started - sinceTimestamp;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
