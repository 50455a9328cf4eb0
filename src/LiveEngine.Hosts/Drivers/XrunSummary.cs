using System.Globalization;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// Where the xruns' periods went, in words, for the reports of <c>play</c> and <c>engine soak</c>: per source, how
/// late the blocks started behind their period's start and how long they took (<see cref="XrunRecord"/>). A late
/// period whose block was short started late (the thread was woken or run late); one whose block was long was slow.
/// </summary>
public static class XrunSummary
{
    /// <summary>One line per source in <paramref name="log"/>, e.g. <c>late periods: 18; started late p50 2412 µs, max 5102 µs; block p50 401 µs, max 610 µs</c>.</summary>
    public static string Describe(IReadOnlyList<XrunRecord> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Count == 0)
        {
            return "xruns logged: none";
        }

        var lines = new List<string>();
        foreach (IGrouping<XrunSource, XrunRecord> source in log.GroupBy(x => x.Source).OrderBy(g => g.Key))
        {
            int[] late = [.. source.Where(x => x.StartLateUs >= 0).Select(x => x.StartLateUs).Order()];
            int[] block = [.. source.Where(x => x.BlockUs >= 0).Select(x => x.BlockUs).Order()];
            string line = $"{Plural(source.Key)} logged: {source.Count()}";
            if (late.Length > 0)
            {
                line += string.Create(CultureInfo.InvariantCulture, $"; started late p50 {Median(late)} µs, max {late[^1]} µs");
            }

            if (block.Length > 0)
            {
                line += string.Create(CultureInfo.InvariantCulture, $"; block p50 {Median(block)} µs, max {block[^1]} µs");
            }

            lines.Add(line);
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>For one xrun's line: <c>, started 2412 µs late, block 401 µs</c>; empty where neither was measured.</summary>
    public static string Where(XrunRecord xrun)
    {
        string late = xrun.StartLateUs >= 0 ? string.Create(CultureInfo.InvariantCulture, $", started {xrun.StartLateUs} µs late") : "";
        string block = xrun.BlockUs >= 0 ? string.Create(CultureInfo.InvariantCulture, $", block {xrun.BlockUs} µs") : "";
        return late + block;
    }

    /// <summary>The words for a source: server xrun, deadline miss, late period.</summary>
    public static string Name(XrunSource source) => source switch
    {
        XrunSource.Server => "server xrun",
        XrunSource.Deadline => "deadline miss",
        _ => "late period",
    };

    private static string Plural(XrunSource source) => source == XrunSource.Deadline ? "deadline misses" : Name(source) + "s";

    private static int Median(int[] sorted) => sorted[(sorted.Length - 1) / 2];
}
