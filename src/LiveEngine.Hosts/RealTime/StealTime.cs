using System.Globalization;

namespace LiveEngine.Hosts.RealTime;

/// <summary>
/// Steal time: how long the hypervisor ran something else while this virtual machine's CPUs wanted to run (Linux
/// /proc/stat, the <c>steal</c> column of the <c>cpu</c> line, summed over the CPUs). A thread whose CPU is taken
/// away wakes as late as the CPU comes back, whatever its priority, affinity or kernel: on this project's VMs the
/// late periods of the null driver rise and fall with it (docs/audio.md, "Late periods"). Read on the control side.
/// </summary>
public static class StealTime
{
    // /proc/stat counts in USER_HZ, which Linux fixes at 100 for user space whatever the kernel's own tick.
    private const int TicksPerSecond = 100;

    /// <summary>The steal time of every CPU together since boot; null where there is no /proc/stat (not Linux).</summary>
    public static TimeSpan? ReadTotal()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/stat"))
            {
                if (line.StartsWith("cpu ", StringComparison.Ordinal))
                {
                    return Parse(line);
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

    /// <summary>
    /// The steal column of a /proc/stat <c>cpu</c> line (<c>cpu user nice system idle iowait irq softirq steal …</c>);
    /// null where the line has none (kernels before 2.6.11).
    /// </summary>
    public static TimeSpan? Parse(string cpuLine)
    {
        ArgumentNullException.ThrowIfNull(cpuLine);
        string[] fields = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 8 && long.TryParse(fields[8], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks)
            ? TimeSpan.FromSeconds(ticks / (double)TicksPerSecond)
            : null;
    }

    /// <summary>
    /// In words, for a report: <c>the host took 2.40 s of the 2 CPUs' 120.0 s (2.0 %) (steal time)</c>; empty where
    /// either reading is missing.
    /// </summary>
    public static string Describe(TimeSpan? before, TimeSpan? after, TimeSpan wall)
    {
        if (before is not { } start || after is not { } end || wall <= TimeSpan.Zero)
        {
            return "";
        }

        int cpus = CpuCount();
        double cpuSeconds = wall.TotalSeconds * cpus;
        double stolen = (end - start).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture, $"the host took {stolen:0.00} s of the {cpus} CPUs' {cpuSeconds:0.0} s ({stolen / cpuSeconds:P1}) (steal time)");
    }

    // The machine's CPUs as /proc/stat lists them (cpu0, cpu1, …), whatever this process's own affinity.
    private static int CpuCount()
    {
        try
        {
            int count = File.ReadLines("/proc/stat").Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3]));
            return count > 0 ? count : Environment.ProcessorCount;
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
    }
}
