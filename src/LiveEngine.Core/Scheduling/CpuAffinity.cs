using System.Runtime.InteropServices;

namespace LiveEngine.Scheduling;

/// <summary>
/// Pins a thread to one CPU (Linux <c>sched_setaffinity</c>), so that a worker keeps its caches and the
/// scheduler never migrates it in the middle of a block. Elsewhere it does nothing and says so.
/// </summary>
public static unsafe partial class CpuAffinity
{
    // A cpu_set_t of 1024 CPUs, as glibc's.
    private const int MaskBytes = 128;

    /// <summary>Pins the calling thread to <paramref name="cpu"/>; false (and why in <paramref name="refusal"/>) where that is not possible.</summary>
    public static bool TryPinCurrentThread(int cpu, out string? refusal)
    {
        if (!OperatingSystem.IsLinux())
        {
            refusal = "CPU affinity is only set on Linux";
            return false;
        }

        if (cpu < 0 || cpu >= MaskBytes * 8)
        {
            refusal = $"CPU {cpu} is outside 0..{(MaskBytes * 8) - 1}";
            return false;
        }

        byte* mask = stackalloc byte[MaskBytes];
        new Span<byte>(mask, MaskBytes).Clear();
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        if (sched_setaffinity(0, MaskBytes, mask) != 0)
        {
            refusal = $"sched_setaffinity refused CPU {cpu} (errno {Marshal.GetLastPInvokeError()})";
            return false;
        }

        refusal = null;
        return true;
    }

    /// <summary>The CPUs the calling thread may run on (Linux); empty elsewhere.</summary>
    public static IReadOnlyList<int> CurrentThreadCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        byte* mask = stackalloc byte[MaskBytes];
        if (sched_getaffinity(0, MaskBytes, mask) != 0)
        {
            return [];
        }

        var cpus = new List<int>();
        for (int cpu = 0; cpu < MaskBytes * 8; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, byte* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, byte* mask);
}
