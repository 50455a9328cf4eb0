namespace LiveEngine.Graph;

/// <summary>A node in a graph description: plain data.</summary>
public sealed class NodeSpec
{
    public NodeSpec()
    {
    }

    public NodeSpec(string id, string type, IReadOnlyDictionary<string, double>? parameters = null, int? channels = null)
    {
        Id = id;
        Type = type;
        Channels = channels;
        if (parameters is not null)
        {
            foreach (KeyValuePair<string, double> pair in parameters)
            {
                Parameters[pair.Key] = pair.Value;
            }
        }
    }

    /// <summary>Stable identity: a live change keeps the state of the node with the same id and type.</summary>
    public string Id { get; set; } = "";

    /// <summary>The node type's registered name.</summary>
    public string Type { get; set; } = "";

    /// <summary>Channel count for ports sized per node; the type's default when absent.</summary>
    public int? Channels { get; set; }

    /// <summary>Parameter values by name; parameters not named keep their defaults.</summary>
    public Dictionary<string, double> Parameters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Non-numeric options by name (for example which sample a player plays).</summary>
    public Dictionary<string, string> Options { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A deep copy (see <see cref="GraphDescription.Clone"/>).</summary>
    public NodeSpec Clone() => new()
    {
        Id = Id ?? "",
        Type = Type ?? "",
        Channels = Channels,
        Parameters = Parameters is null ? new(StringComparer.Ordinal) : new(Parameters, StringComparer.Ordinal),
        Options = Options is null ? new(StringComparer.Ordinal) : new(Options, StringComparer.Ordinal),
    };

    /// <summary>How the node reads in messages and the REPL: <c>osc (sine, freqHz=220)</c>.</summary>
    public override string ToString() =>
        $"{Id} ({Type}{string.Concat((Parameters ?? []).Select(p => $", {p.Key}={p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}"))})";

    /// <summary>Whether two option maps hold the same keys with the same values (a node prepared with one fits the other).</summary>
    public static bool SameOptions(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        // A loop, not LINQ: this runs for every node of every commit, and most nodes have no options (or the very
        // options of the graph before: the engine's decoder shares what arrives unchanged).
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        int count = CountOf(a);
        if (count != CountOf(b))
        {
            return false;
        }

        if (count == 0)
        {
            return true;
        }

        foreach (KeyValuePair<string, string> pair in a)
        {
            if (!b.TryGetValue(pair.Key, out string? value) || value != pair.Value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The count without an interface call for the two kinds of map the compiler compares (a spec's dictionary, a
    /// snapshot's shared empty map): a call site that sees both dispatches through the runtime's resolver, and this
    /// runs for every node several times per commit.
    /// </summary>
    private static int CountOf(IReadOnlyDictionary<string, string> options) =>
        ReferenceEquals(options, System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty) ? 0
        : options is Dictionary<string, string> dictionary ? dictionary.Count
        : options.Count;
}
