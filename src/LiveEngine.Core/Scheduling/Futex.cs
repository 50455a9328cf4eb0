using System.Runtime.InteropServices;

namespace LiveEngine.Scheduling;

/// <summary>
/// Linux futex wait/wake on a word of pinned memory: parking without a user-space lock, so that the audio thread
/// waking workers never contends for a mutex (ManualResetEventSlim and SemaphoreSlim take a Monitor lock in Set).
/// Where futexes are unavailable, <see cref="Wait"/> degrades to a short sleep and <see cref="Wake"/> to nothing;
/// callers always re-check their condition, so that is slower but still correct.
/// </summary>
internal static unsafe partial class Futex
{
    private const long SysFutexX64 = 202;
    private const long SysFutexArm64 = 98;
    private const int FutexWaitPrivate = 128;
    private const int FutexWakePrivate = 129;

    private static readonly long s_sysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => SysFutexX64,
        Architecture.Arm64 => SysFutexArm64,
        _ => -1,
    };

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && s_sysFutex >= 0;

    /// <summary>Sleeps while <c>*address == expected</c>, or until woken, a signal, or about 20 ms passes.</summary>
    public static void Wait(int* address, int expected)
    {
        if (!IsSupported)
        {
            Thread.Sleep(0);
            return;
        }

        // A timeout bounds the damage of any lost wake-up: the waiter re-checks at least every 20 ms. (A lost
        // wake-up costs only parallelism: worker 0 steals what a sleeping worker was dealt.) At 1 ms an idle
        // worker woke a thousand times a second.
        TimeSpec timeout = new() { Seconds = 0, Nanoseconds = 20_000_000 };
        Syscall(s_sysFutex, (nint)address, FutexWaitPrivate, expected, (nint)(&timeout));
    }

    /// <summary>Wakes up to <paramref name="count"/> threads waiting on <paramref name="address"/>. Never blocks.</summary>
    public static void Wake(int* address, int count)
    {
        if (IsSupported)
        {
            Syscall(s_sysFutex, (nint)address, FutexWakePrivate, count, 0);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // glibc's syscall() is variadic; for integer arguments the x86-64 and AArch64 conventions pass them in the
    // same registers as a fixed-argument call, so this declaration is safe on both.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = false)]
    private static partial long Syscall(long number, nint address, int operation, int value, nint timeout);
}
