using System.Globalization;
using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.RealTime;

/// <summary>
/// CPU isolation done by the engine itself (Linux, <c>sched_setaffinity</c>): the audio threads (a driver's audio
/// thread, the executor's workers) run only on <see cref="AudioCpus"/>, and every other thread of the process (the
/// thread that commits, the socket threads, the GC's and the thread pool's) only on <see cref="OtherCpus"/>, so that
/// none of our own threads ever queues on the audio CPU. Other processes and the kernel are not ours to move: on a
/// machine whose other load runs on every CPU this buys little (docs/audio.md, "Late periods").
/// </summary>
/// <remarks>
/// Linux gives a new thread its creator's mask, so once <see cref="RestrictOtherThreads"/> has run, threads made
/// later by the control side inherit <see cref="OtherCpus"/>, and an audio thread moves itself (or is moved by its
/// thread id, for a thread a library made) with <see cref="TryAddCurrentThread"/> / <see cref="TryAddThread"/>.
/// Adding and restricting take a lock: they run at a thread's start or on the control thread, never inside a block.
/// </remarks>
public sealed partial class AudioCpuIsolation
{
    // A cpu_set_t of 1024 CPUs, as glibc's.
    private const int MaskBytes = 128;
    private const int MaxCpus = MaskBytes * 8;

    private readonly Lock _gate = new();
    private readonly HashSet<int> _audioThreads = [];
    private readonly byte[] _audioMask;
    private readonly byte[] _otherMask;

    private AudioCpuIsolation(IReadOnlyList<int> audioCpus, IReadOnlyList<int> otherCpus)
    {
        AudioCpus = audioCpus;
        OtherCpus = otherCpus;
        _audioMask = Mask(audioCpus);
        _otherMask = Mask(otherCpus);
    }

    /// <summary>The CPUs the audio threads run on.</summary>
    public IReadOnlyList<int> AudioCpus { get; }

    /// <summary>The CPUs every other thread of the process runs on: those the process may use, less <see cref="AudioCpus"/>.</summary>
    public IReadOnlyList<int> OtherCpus { get; }

    /// <summary>
    /// Reads a CPU list as Linux writes one (<c>1</c>, <c>2-3</c>, <c>0,2</c>): the audio CPUs. Null for <c>off</c> or
    /// an empty text (no isolation). Every CPU must be one the process may use (<paramref name="allowedCpus"/>; the
    /// process's own mask), and at least one of those must be left for the other threads.
    /// </summary>
    /// <exception cref="FormatException">The text is not a CPU list, or asks for a CPU the process may not use, or for all of them.</exception>
    public static AudioCpuIsolation? Parse(string? text, IReadOnlyList<int> allowedCpus)
    {
        ArgumentNullException.ThrowIfNull(allowedCpus);
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text == "off")
        {
            return null;
        }

        var audio = new SortedSet<int>();
        foreach (string part in text.Split(','))
        {
            string[] range = part.Trim().Split('-');
            if (range.Length is < 1 or > 2
                || !int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                || !int.TryParse(range[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int last)
                || last < first
                || last >= MaxCpus)
            {
                throw new FormatException($"'{text}' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).");
            }

            for (int cpu = first; cpu <= last; cpu++)
            {
                audio.Add(cpu);
            }
        }

        string allowed = Format(allowedCpus);
        foreach (int cpu in audio)
        {
            if (!allowedCpus.Contains(cpu))
            {
                throw new FormatException($"CPU {cpu} is not one this process may use ({(allowedCpus.Count == 0 ? "none known: CPU affinity is Linux only" : allowed)}).");
            }
        }

        int[] others = [.. allowedCpus.Where(cpu => !audio.Contains(cpu)).Order()];
        if (others.Length == 0)
        {
            throw new FormatException($"'{text}' leaves no CPU for the engine's other threads (this process may use {allowed}): name fewer audio CPUs.");
        }

        return new AudioCpuIsolation([.. audio], others);
    }

    /// <summary>The CPUs the calling process may use (its current mask; Linux), in order; empty elsewhere.</summary>
    public static IReadOnlyList<int> ProcessCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var mask = new byte[MaskBytes];
        if (sched_getaffinity(Environment.ProcessId, MaskBytes, mask) != 0)
        {
            return [];
        }

        var cpus = new List<int>();
        for (int cpu = 0; cpu < MaxCpus; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    /// <summary>The calling thread's kernel thread id (Linux <c>gettid</c>; 0 elsewhere). One system call, no allocation.</summary>
    public static int CurrentThreadId() => OperatingSystem.IsLinux() ? gettid() : 0;

    /// <summary>What Linux says a thread of this process may run on (<c>Cpus_allowed_list</c> in /proc/self/task/TID/status); null if it has gone.</summary>
    public static string? AllowedCpuList(int threadId)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/self/task/{threadId}/status"))
            {
                if (line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
                {
                    return line["Cpus_allowed_list:".Length..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>A CPU list as Linux writes one: <c>0</c>, <c>1-3</c>, <c>0,2</c>.</summary>
    public static string Format(IEnumerable<int> cpus)
    {
        var parts = new List<string>();
        int[] sorted = [.. cpus.Distinct().Order()];
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            parts.Add(j == i ? sorted[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{sorted[i]}-{sorted[j]}"));
            i = j + 1;
        }

        return string.Join(',', parts);
    }

    /// <summary>In words, e.g. <c>audio CPUs 1, other threads 0</c>.</summary>
    public override string ToString() => $"audio CPUs {Format(AudioCpus)}, other threads {Format(OtherCpus)}";

    /// <summary>An audio thread, at its start: moves the calling thread onto <see cref="AudioCpus"/>.</summary>
    public RealTimeResult TryAddCurrentThread() => TryAddThread(CurrentThreadId());

    /// <summary>Moves thread <paramref name="threadId"/> of this process onto <see cref="AudioCpus"/>, for good (a later <see cref="RestrictOtherThreads"/> leaves it there).</summary>
    public RealTimeResult TryAddThread(int threadId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new RealTimeResult(false, "not isolated (CPU affinity is Linux only here)");
        }

        lock (_gate)
        {
            _audioThreads.Add(threadId);
            if (sched_setaffinity(threadId, MaskBytes, _audioMask) != 0)
            {
                return new RealTimeResult(false, $"not isolated (sched_setaffinity refused CPUs {Format(AudioCpus)}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
            }
        }

        return new RealTimeResult(true, $"on CPU {Format(AudioCpus)}");
    }

    /// <summary>
    /// Moves the calling thread onto <see cref="OtherCpus"/> (the null driver's backup pacer, which must not wake on
    /// the CPU whose lateness it covers).
    /// </summary>
    public RealTimeResult TryMoveCurrentThreadToOtherCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new RealTimeResult(false, "not placed (CPU affinity is Linux only here)");
        }

        lock (_gate)
        {
            if (sched_setaffinity(CurrentThreadId(), MaskBytes, _otherMask) != 0)
            {
                return new RealTimeResult(false, $"not placed (sched_setaffinity refused CPUs {Format(OtherCpus)}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
            }
        }

        return new RealTimeResult(true, $"on CPU {Format(OtherCpus)}");
    }

    /// <summary>
    /// Control thread, after the audio threads have been added: moves every other thread of the process onto
    /// <see cref="OtherCpus"/> (the threads in /proc/self/task now; later ones inherit it from their creator).
    /// Returns how many were moved and, in words, any that refused.
    /// </summary>
    public (int Moved, IReadOnlyList<string> Refusals) RestrictOtherThreads()
    {
        var refusals = new List<string>();
        int moved = 0;
        if (!OperatingSystem.IsLinux())
        {
            refusals.Add("CPU affinity is Linux only here");
            return (0, refusals);
        }

        lock (_gate)
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int threadId) || _audioThreads.Contains(threadId))
                {
                    continue;
                }

                if (sched_setaffinity(threadId, MaskBytes, _otherMask) == 0)
                {
                    moved++;
                }
                else
                {
                    int errno = Marshal.GetLastPInvokeError();

                    // ESRCH: the thread ended between the listing and the call.
                    if (errno != 3)
                    {
                        refusals.Add($"thread {threadId}: {Marshal.GetPInvokeErrorMessage(errno)}");
                    }
                }
            }
        }

        return (moved, refusals);
    }

    private static byte[] Mask(IReadOnlyList<int> cpus)
    {
        var mask = new byte[MaskBytes];
        foreach (int cpu in cpus)
        {
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }

        return mask;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, byte[] mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, byte[] mask);

    [LibraryImport("libc")]
    private static partial int gettid();
}
