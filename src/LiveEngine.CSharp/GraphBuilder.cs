using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.CSharp;

/// <summary>
/// The fluent graph DSL of C# snippets: <c>Graph().Add("osc", "saw", ("freqHz", 110)).Chain("osc", "out").Commit(NextBar)</c>.
/// A builder edits a private copy of a graph description; nothing reaches the session before <see cref="Commit(Quantization)"/>,
/// which validates the whole graph and changes nothing when it is invalid. Control thread.
/// </summary>
public sealed class GraphBuilder
{
    private readonly ILiveSession _session;
    private readonly Action _committed;

    internal GraphBuilder(ILiveSession session, GraphDescription graph, Action committed)
    {
        _session = session;
        Description = graph;
        _committed = committed;
    }

    /// <summary>The description being built (a copy; edit it freely).</summary>
    public GraphDescription Description { get; }

    /// <summary>Adds node <paramref name="id"/> of <paramref name="type"/> with parameter values (name, value).</summary>
    public GraphBuilder Add(string id, string type, params (string Name, double Value)[] parameters) => Add(id, type, null, parameters);

    /// <summary>Adds a node with an explicit channel count.</summary>
    public GraphBuilder Add(string id, string type, int? channels, params (string Name, double Value)[] parameters)
    {
        if (Description.Nodes.Exists(n => n.Id == id))
        {
            throw new ArgumentException($"The graph already has a node '{id}'; use Set to change it or Remove it first.");
        }

        Description.Add(id, type, parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal), channels);
        return this;
    }

    /// <summary>Sets a parameter value in the description (it changes the sound when committed).</summary>
    public GraphBuilder Set(string id, string parameter, double value)
    {
        Find(id).Parameters[parameter] = value;
        return this;
    }

    /// <summary>Sets a non-numeric option of a node (a sample's name, say).</summary>
    public GraphBuilder Option(string id, string option, string value)
    {
        Find(id).Options[option] = value;
        return this;
    }

    /// <summary>Removes a node and every edge that touches it.</summary>
    public GraphBuilder Remove(string id)
    {
        Description.Nodes.Remove(Find(id));
        Description.Edges.RemoveAll(e => e.From == id || e.To == id);
        return this;
    }

    public GraphBuilder Connect(string from, string to, string fromPort = EdgeSpec.DefaultOutput, string toPort = EdgeSpec.DefaultInput)
    {
        Description.Connect(from, to, fromPort, toPort);
        return this;
    }

    /// <summary>Removes the edges from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public GraphBuilder Disconnect(string from, string to)
    {
        Description.Edges.RemoveAll(e => e.From == from && e.To == to);
        return this;
    }

    /// <summary>Connects each node's "out" to the next node's "in".</summary>
    public GraphBuilder Chain(params string[] ids)
    {
        Description.Chain(ids);
        return this;
    }

    /// <summary>Validates, compiles and schedules the graph to land at <paramref name="when"/>; throws with the precise errors otherwise.</summary>
    public CommandReceipt Commit(Quantization when)
    {
        CommandReceipt receipt = _session.Commit(Description, when);
        _committed();
        return receipt;
    }

    /// <summary>Commits at the next bar line.</summary>
    public CommandReceipt Commit() => Commit(Quantization.NextBar);

    public override string ToString() => Description.ToJson();

    private NodeSpec Find(string id) =>
        Description.Nodes.Find(n => n.Id == id) ?? throw new ArgumentException($"The graph has no node '{id}'.");
}
