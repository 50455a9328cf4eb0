using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.RealTime;

/// <summary>
/// Real-time scheduling and memory locking for the engine's own threads (Linux): SCHED_FIFO for a worker through
/// <c>sched_setscheduler</c>, and <c>mlockall</c> so that no page of the process is swapped out or faulted in
/// during a performance. Each call degrades gracefully: where the system refuses (no CAP_SYS_NICE, an
/// RLIMIT_RTPRIO of 0, a container), the thread keeps its normal priority and the result says why.
/// </summary>
public static partial class RealTimeThread
{
    private const int SchedOther = 0;
    private const int SchedFifo = 1;
    private const int McLCurrent = 1;
    private const int McLFuture = 2;

    /// <summary>
    /// Gives the calling thread SCHED_FIFO at <paramref name="priority"/> (1..99; JACK's own clients run near 70-80).
    /// On Linux, <c>sched_setscheduler(0, …)</c> applies to the calling thread only.
    /// </summary>
    public static RealTimeResult TryPromoteCurrentThread(int priority)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(priority, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 99);
        if (!OperatingSystem.IsLinux())
        {
            return new RealTimeResult(false, "normal priority (SCHED_FIFO is Linux only here)");
        }

        var parameter = new SchedParam { Priority = priority };
        if (sched_setscheduler(0, SchedFifo, ref parameter) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return new RealTimeResult(false, $"normal priority (sched_setscheduler SCHED_FIFO {priority} refused: {Marshal.GetPInvokeErrorMessage(errno)})");
        }

        return new RealTimeResult(true, $"SCHED_FIFO {priority}");
    }

    /// <summary>True if the calling thread runs under SCHED_FIFO.</summary>
    public static bool IsCurrentThreadFifo() => OperatingSystem.IsLinux() && sched_getscheduler(0) == SchedFifo;

    /// <summary>Puts the calling thread back to the normal policy (SCHED_OTHER).</summary>
    public static void DemoteCurrentThread()
    {
        if (OperatingSystem.IsLinux())
        {
            var parameter = new SchedParam { Priority = 0 };
            sched_setscheduler(0, SchedOther, ref parameter);
        }
    }

    /// <summary>Locks every current and future page of the process in memory (<c>mlockall(MCL_CURRENT | MCL_FUTURE)</c>).</summary>
    public static RealTimeResult TryLockMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new RealTimeResult(false, "memory not locked (mlockall is Linux only here)");
        }

        if (mlockall(McLCurrent | McLFuture) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return new RealTimeResult(false, $"memory not locked (mlockall refused: {Marshal.GetPInvokeErrorMessage(errno)})");
        }

        return new RealTimeResult(true, "memory locked (mlockall)");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setscheduler(int pid, int policy, ref SchedParam parameter);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getscheduler(int pid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mlockall(int flags);
}

/// <summary>Whether a real-time request was granted, and in words what the thread or process got.</summary>
public readonly record struct RealTimeResult(bool Granted, string Description);
