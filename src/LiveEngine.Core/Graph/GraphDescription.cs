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
    };

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

    public string ToJson() => JsonSerializer.Serialize(this, s_jsonOptions);

    public static GraphDescription FromJson(string json) =>
        JsonSerializer.Deserialize<GraphDescription>(json, s_jsonOptions) ?? throw new JsonException("The JSON holds no graph description (it is 'null').");
}
