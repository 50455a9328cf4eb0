namespace LiveEngine.Nodes;

/// <summary>What a node is told when it is prepared: the stream format and its own configuration.</summary>
/// <param name="SampleRate">Frames per second, 22,050 to 192,000.</param>
/// <param name="MaxBlockFrames">The largest block <see cref="AudioNode.Process"/> will be given, 1 to 4,096.</param>
/// <param name="Channels">The node's channel count (see <see cref="PortDescriptor.NodeChannels"/>).</param>
/// <param name="Parameters">Initial parameter values, in the order of the descriptor's parameters.</param>
/// <param name="Seed">A seed derived from the session seed and the node's identity, for seeded randomness.</param>
/// <param name="Options">The node's non-numeric options (for example the name of a sample), or an empty map.</param>
public readonly record struct PrepareContext(
    int SampleRate,
    int MaxBlockFrames,
    int Channels,
    ReadOnlyMemory<float> Parameters,
    ulong Seed,
    IReadOnlyDictionary<string, string> Options);
