using System.Diagnostics;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// <see cref="Stopwatch"/> timestamps as nanoseconds of the monotonic clock, for the engine protocol: on Linux both
/// are CLOCK_MONOTONIC (Stopwatch.Frequency is 10^9), which every process on the machine shares, so a front's arrival
/// time means the same instant in the engine process. Values ≤ 0 mean "no time" and pass through.
/// </summary>
public static class MonotonicTime
{
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    public static long ToNanoseconds(long timestamp) => timestamp <= 0 ? timestamp : (long)(timestamp * s_nanosecondsPerTick);

    public static long FromNanoseconds(long nanoseconds) => nanoseconds <= 0 ? nanoseconds : (long)(nanoseconds / s_nanosecondsPerTick);
}
