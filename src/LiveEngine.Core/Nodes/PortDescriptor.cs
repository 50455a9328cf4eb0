namespace LiveEngine.Nodes;

/// <summary>A typed audio port: a name and a channel count.</summary>
/// <param name="Name">Port name, unique among the node type's inputs (or outputs).</param>
/// <param name="Channels">Channel count, or <see cref="NodeChannels"/> for "as many as the node has".</param>
public readonly record struct PortDescriptor(string Name, int Channels)
{
    /// <summary>The port has the node's own channel count (set per node in the graph description).</summary>
    public const int NodeChannels = 0;

    /// <summary>The channel count of this port on a node with <paramref name="nodeChannels"/> channels.</summary>
    public int ResolveChannels(int nodeChannels) => Channels == NodeChannels ? nodeChannels : Channels;

    public static PortDescriptor Mono(string name) => new(name, 1);

    public static PortDescriptor Stereo(string name) => new(name, 2);

    public static PortDescriptor PerNode(string name) => new(name, NodeChannels);
}
