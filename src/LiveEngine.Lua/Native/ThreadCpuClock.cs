using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LiveEngine.Lua.Native;

/// <summary>
/// The CPU time of the calling thread, in nanoseconds: what a callback's time limit measures, so that a garbage
/// collection that suspends the thread or a busy machine that deschedules it is not charged to the script (a
/// wall-clock limit would disable a healthy callback during a long GC pause, and an offline render would then
/// depend on the machine's load). Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>; elsewhere the wall clock.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ThreadCpuTimeId = 3;
    private static readonly bool s_useThreadClock = OperatingSystem.IsLinux() && Probe();

    public static long NowNanoseconds()
    {
        if (s_useThreadClock && ClockGetTime(ThreadCpuTimeId, out TimeSpec time) == 0)
        {
            return (time.Seconds * 1_000_000_000L) + time.Nanoseconds;
        }

        return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    private static bool Probe()
    {
        try
        {
            return ClockGetTime(ThreadCpuTimeId, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
