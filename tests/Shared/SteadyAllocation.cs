namespace LiveEngine.Tests;

/// <summary>
/// Bytes that repeated audio-path work allocates on the calling thread, measured in steady state: up to three windows,
/// each prepared outside the measurement. A block that allocates shows in every window; a one-time runtime event in the
/// first one (a method the warm-up made hot tiering up, the runtime's tiering worker started again, while the whole
/// suite loads the machine) does not recur in the next.
/// </summary>
internal static class SteadyAllocation
{
    /// <summary>
    /// Runs <paramref name="prepare"/> (not measured), then <paramref name="measured"/>, until a window allocates nothing
    /// or <paramref name="maxWindows"/> have run; returns each window's bytes.
    /// </summary>
    public static IReadOnlyList<long> Windows(Action measured, Action? prepare = null, int maxWindows = 3)
    {
        var windows = new List<long>(maxWindows);
        while (windows.Count < maxWindows && (windows.Count == 0 || windows[^1] != 0))
        {
            prepare?.Invoke();
            long before = GC.GetAllocatedBytesForCurrentThread();
            measured();
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return windows;
    }

    /// <summary>Asserts that the last of <see cref="Windows"/>' windows allocated nothing, naming every window's bytes.</summary>
    public static void AssertNone(string what, Action measured, Action? prepare = null)
    {
        IReadOnlyList<long> windows = Windows(measured, prepare);
        Assert.True(windows[^1] == 0, $"bytes allocated in each window of {what}: {string.Join(", ", windows)}");
    }
}
