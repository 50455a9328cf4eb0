using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// Sleeping shorter than a millisecond, for pacing threads. On Linux <c>clock_nanosleep(CLOCK_MONOTONIC)</c>
/// sleeps to the nanosecond (the wake-up is as late as the kernel's timer slack and scheduling make it, which
/// <see cref="TrySetFineTimerSlack"/> trims); <see cref="Thread.Sleep(int)"/> elsewhere, in whole milliseconds
/// rounded down, so a caller that must not oversleep spins the rest. Allocation-free after the first call.
/// </summary>
internal static partial class MonotonicSleep
{
    private const int ClockMonotonic = 1;
    private const int PrSetTimerSlack = 29;
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Sleeps for about <paramref name="stopwatchTicks"/> (never much longer, perhaps shorter off Linux).</summary>
    public static void Sleep(long stopwatchTicks)
    {
        if (stopwatchTicks <= 0)
        {
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            Thread.Sleep((int)(stopwatchTicks * 1000 / Stopwatch.Frequency));
            return;
        }

        long nanoseconds = (long)((double)stopwatchTicks * NanosecondsPerSecond / Stopwatch.Frequency);
        var request = new Timespec { Seconds = nanoseconds / NanosecondsPerSecond, Nanoseconds = nanoseconds % NanosecondsPerSecond };

        // A signal may end the sleep early (EINTR): the caller spins the rest of the way, so it is not retried.
        _ = clock_nanosleep(ClockMonotonic, 0, in request, IntPtr.Zero);
    }

    /// <summary>
    /// Asks Linux to wake the calling thread's timers within 1 ns of their expiry instead of the default 50 µs
    /// (<c>prctl(PR_SET_TIMERSLACK)</c>; real-time threads get no slack anyway). False where refused or not Linux.
    /// </summary>
    public static bool TrySetFineTimerSlack() => OperatingSystem.IsLinux() && prctl(PrSetTimerSlack, 1, 0, 0, 0) == 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_nanosleep(int clock, int flags, in Timespec request, IntPtr remaining);

    [LibraryImport("libc")]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
