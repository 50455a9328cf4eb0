using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveEngine.Graph;

/// <summary>
/// A graph as plain data: nodes and edges, serialisable to JSON so that sessions can be saved and diffed.
/// Compiled into an immutable snapshot by <see cref="Snapshots.GraphCompiler"/>.
/// </summary>
public sealed class GraphDescription
{
    private static readonly JsonSerializerOptions s_jsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly string[] s_graphKeys = ["nodes", "edges"];
    private static readonly string[] s_nodeKeys = ["id", "type", "channels", "parameters", "options"];
    private static readonly string[] s_edgeKeys = ["from", "fromPort", "to", "toPort"];

    public List<NodeSpec> Nodes { get; set; } = [];

    public List<EdgeSpec> Edges { get; set; } = [];

    /// <summary>Adds a node and returns its id, for fluent building in code.</summary>
    public string Add(string id, string type, IReadOnlyDictionary<string, double>? parameters = null, int? channels = null)
    {
        Nodes.Add(new NodeSpec(id, type, parameters, channels));
        return id;
    }

    /// <summary>Connects <paramref name="from"/>'s output port to <paramref name="to"/>'s input port.</summary>
    public void Connect(string from, string to, string fromPort = EdgeSpec.DefaultOutput, string toPort = EdgeSpec.DefaultInput) =>
        Edges.Add(new EdgeSpec(from, to, fromPort, toPort));

    /// <summary>Connects each node to the next through their default ports.</summary>
    public void Chain(params ReadOnlySpan<string> ids)
    {
        for (int i = 1; i < ids.Length; i++)
        {
            Connect(ids[i - 1], ids[i]);
        }
    }

    /// <summary>
    /// A deep copy, equal to what a JSON round trip (<see cref="ToJson"/>, <see cref="FromJson"/>) gives but without
    /// the text: the control plane copies graphs of a thousand nodes on every commit. Strings are shared (they are
    /// immutable); null collections and strings become empty, as the JSON round trip makes them. (One difference: a
    /// NaN or infinite parameter, which JSON cannot hold, is copied instead of thrown on; validation rejects it.)
    /// </summary>
    public GraphDescription Clone()
    {
        var copy = new GraphDescription
        {
            Nodes = new List<NodeSpec>(Nodes?.Count ?? 0),
            Edges = new List<EdgeSpec>(Edges?.Count ?? 0),
        };
        foreach (NodeSpec node in Nodes ?? [])
        {
            copy.Nodes.Add(node?.Clone()!);
        }

        foreach (EdgeSpec edge in Edges ?? [])
        {
            copy.Edges.Add(edge is null ? null! : new EdgeSpec(edge.From ?? "", edge.To ?? "", edge.FromPort ?? EdgeSpec.DefaultOutput, edge.ToPort ?? EdgeSpec.DefaultInput));
        }

        return copy;
    }

    /// <summary>
    /// Applies a patch: nodes of <paramref name="patch"/> replace those with the same id or join (except an output
    /// node when this graph has one, which stays); its edges join unless the same edge is here already.
    /// </summary>
    public void MergePatch(GraphDescription patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        foreach (NodeSpec node in patch.Nodes)
        {
            if (node.Type == "out" && Nodes.Exists(n => n.Type == "out"))
            {
                continue;
            }

            int index = Nodes.FindIndex(n => n.Id == node.Id);
            if (index >= 0)
            {
                Nodes[index] = node;
            }
            else
            {
                Nodes.Add(node);
            }
        }

        foreach (EdgeSpec edge in patch.Edges)
        {
            if (!Edges.Exists(e => e.From == edge.From && e.FromPort == edge.FromPort && e.To == edge.To && e.ToPort == edge.ToPort))
            {
                Edges.Add(edge);
            }
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, s_jsonOptions);

    /// <summary>The description as its JSON (what the REPL shows for a graph value).</summary>
    public override string ToString() => ToJson();

    /// <summary>
    /// Reads a description. A key it does not know (a typo such as <c>"too"</c> for <c>"to"</c>) is an error that
    /// names the key, where it is and the keys allowed there, as is a value of the wrong kind: nothing is ignored.
    /// </summary>
    /// <exception cref="JsonException">The text is not a graph description; the message says what is wrong in the user's terms.</exception>
    public static GraphDescription FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<GraphDescription>(json, s_jsonOptions) ?? throw new JsonException("The JSON holds no graph description (it is 'null').");
        }
        catch (JsonException e) when (e.Path is not null)
        {
            throw new JsonException(Explain(json, e), e.Path, e.LineNumber, e.BytePositionInLine, e);
        }
    }

    /// <summary>What is wrong, without the serializer's .NET type names: the unknown keys, or the value of the wrong kind.</summary>
    private static string Explain(string json, JsonException e)
    {
        var unknown = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                FindUnknownKeys(root, "the top level", "a graph", s_graphKeys, unknown);
                FindUnknownKeysInList(root, "nodes", "a node", s_nodeKeys, unknown);
                FindUnknownKeysInList(root, "edges", "an edge", s_edgeKeys, unknown);
            }
        }
        catch (JsonException)
        {
            // Not even JSON: the serializer's own message says where.
        }

        if (unknown.Count > 0)
        {
            return string.Join(" ", unknown);
        }

        if (e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            string path = e.Path![0] == '$' ? e.Path.TrimStart('$', '.') : e.Path;
            string expected = path.EndsWith(".channels", StringComparison.Ordinal) ? "a whole number"
                : path.Contains(".parameters.", StringComparison.Ordinal) ? "a number"
                : path.Contains(".options.", StringComparison.Ordinal) || path.EndsWith("id", StringComparison.Ordinal) || path.EndsWith("type", StringComparison.Ordinal)
                    || path.Contains("edges[", StringComparison.Ordinal) ? "a string"
                : path is "nodes" or "edges" ? "a list" : "an object";
            return $"The value at '{path}' has the wrong kind: expected {expected}.";
        }

        return e.Message;
    }

    private static void FindUnknownKeysInList(JsonElement root, string list, string what, string[] allowed, List<string> unknown)
    {
        if (root.TryGetProperty(list, out JsonElement items) && items.ValueKind == JsonValueKind.Array)
        {
            int index = 0;
            foreach (JsonElement item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    FindUnknownKeys(item, $"{list}[{index}]", what, allowed, unknown);
                }

                index++;
            }
        }
    }

    private static void FindUnknownKeys(JsonElement element, string where, string what, string[] allowed, List<string> unknown)
    {
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (Array.IndexOf(allowed, property.Name) < 0)
            {
                unknown.Add($"Unknown key '{property.Name}' at {where}: {what} has the keys {string.Join(", ", allowed)}.");
            }
        }
    }
}
