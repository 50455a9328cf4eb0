using System.Globalization;
using System.Text;
using LiveEngine.Snapshots;

namespace LiveEngine.Cli;

/// <summary>The voice banks of a snapshot in one or a few lines, for <c>bench</c> and <c>:graph</c>.</summary>
internal static class BankSummary
{
    public static string Format(GraphSnapshot snapshot)
    {
        if (snapshot.Banks.Count == 0)
        {
            return "  banks             none";
        }

        var text = new StringBuilder();
        foreach (IGrouping<(string Name, string Consumer), BankInfo> kind in snapshot.Banks.GroupBy(b => (b.Name, snapshot.NodeIds[b.ConsumerNode])))
        {
            int lanes = kind.Sum(b => b.LaneCount);
            string sizes = string.Join(" ", kind.Select(b => b.LaneCount.ToString(CultureInfo.InvariantCulture)));
            text.Append(CultureInfo.InvariantCulture, $"  banks             {kind.Count()} × {kind.Key.Name} → {kind.Key.Consumer}: {lanes} voices in lanes of {sizes}\n");
        }

        return text.ToString().TrimEnd('\n');
    }
}
