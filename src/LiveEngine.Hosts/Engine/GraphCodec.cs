using LiveEngine.Graph;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// The binary form of a <see cref="GraphDescription"/> on the engine protocol (docs/engine-protocol.md):
/// <c>u32 node count | node… | u32 edge count | edge…</c>, where a node is <c>string id | string type | i32 channels
/// (-1: the type's default) | u32 parameter count | (string name | f64 value)… | u32 option count | (string name |
/// string value)…</c> and an edge is <c>string from | string from port | string to | string to port</c>. Names are
/// read through the connection's <see cref="StringTable"/>, so a re-commit of a graph of a thousand nodes decodes
/// its ids and parameter names without making new strings; no JSON text is written or parsed.
/// </summary>
public static class GraphCodec
{
    /// <summary>Channels written for a node that takes its type's default.</summary>
    private const int DefaultChannels = -1;

    public static void Write(FrameWriter writer, GraphDescription graph)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(graph);
        List<NodeSpec> nodes = graph.Nodes ?? [];
        writer.WriteInt32(nodes.Count);
        foreach (NodeSpec node in nodes)
        {
            ArgumentNullException.ThrowIfNull(node, nameof(graph));
            writer.WriteString(node.Id ?? "");
            writer.WriteString(node.Type ?? "");
            writer.WriteInt32(node.Channels ?? DefaultChannels);
            Dictionary<string, double> parameters = node.Parameters ?? [];
            writer.WriteInt32(parameters.Count);
            foreach ((string name, double value) in parameters)
            {
                writer.WriteString(name);
                writer.WriteDouble(value);
            }

            Dictionary<string, string> options = node.Options ?? [];
            writer.WriteInt32(options.Count);
            foreach ((string name, string value) in options)
            {
                writer.WriteString(name);
                writer.WriteString(value ?? "");
            }
        }

        List<EdgeSpec> edges = graph.Edges ?? [];
        writer.WriteInt32(edges.Count);
        foreach (EdgeSpec edge in edges)
        {
            ArgumentNullException.ThrowIfNull(edge, nameof(graph));
            writer.WriteString(edge.From ?? "");
            writer.WriteString(edge.FromPort ?? EdgeSpec.DefaultOutput);
            writer.WriteString(edge.To ?? "");
            writer.WriteString(edge.ToPort ?? EdgeSpec.DefaultInput);
        }
    }

    /// <summary>Reads a graph; a count that the frame cannot hold or a negative channel count is <see cref="EngineProtocolException"/>.</summary>
    public static GraphDescription Read(ref FrameReader reader, StringTable? names = null)
    {
        // Every entry takes at least 4 bytes per string: a count larger than what is left is a lie, refused
        // before it sizes a list.
        int graphStart = reader.Offset;
        int nodeCount = Count(ref reader, "node count", minimumEntryBytes: 20);
        var graph = new GraphDescription { Nodes = new List<NodeSpec>(nodeCount) };
        GraphDescription? previous = names?.LastGraph;
        GraphFrameMemory? frame = previous is not null && names!.LastGraphFrame.Graph == previous ? names.LastGraphFrame : null;
        for (int n = 0; n < nodeCount; n++)
        {
            // A node written as the connection's last graph had it at the same place is that node: the session owns
            // both graphs and changes neither, so they share it (a re-commit of 1,200 nodes made ~0.6 MB otherwise).
            // The same bytes say so at once; otherwise its names and values are compared.
            names?.LastGraphFrame.MarkNode(n, reader.Offset - graphStart);
            if (previous is not null && n < previous.Nodes.Count)
            {
                int same = frame?.MatchNode(n, reader.Unread) ?? 0;
                if (same > 0)
                {
                    reader.Skip(same);
                    graph.Nodes.Add(previous.Nodes[n]);
                    continue;
                }

                if (TryReadSame(ref reader, previous.Nodes[n], names!))
                {
                    graph.Nodes.Add(previous.Nodes[n]);
                    continue;
                }
            }

            var node = new NodeSpec
            {
                Id = reader.ReadString("node id", names),
                Type = reader.ReadString("node type", names),
            };
            int channels = reader.ReadInt32("node channels");
            if (channels < DefaultChannels)
            {
                throw new EngineProtocolException($"Node '{node.Id}' has {channels} channels: -1 (the type's default) or more.");
            }

            node.Channels = channels == DefaultChannels ? null : channels;
            for (int p = Count(ref reader, "parameter count", minimumEntryBytes: 12); p > 0; p--)
            {
                string name = reader.ReadString("parameter name", names);
                node.Parameters[name] = reader.ReadDouble("parameter value");
            }

            for (int o = Count(ref reader, "option count", minimumEntryBytes: 8); o > 0; o--)
            {
                string name = reader.ReadString("option name", names);
                node.Options[name] = reader.ReadString("option value", names);
            }

            graph.Nodes.Add(node);
        }

        names?.LastGraphFrame.MarkNode(nodeCount, reader.Offset - graphStart);
        int edgeCount = Count(ref reader, "edge count", minimumEntryBytes: 16);
        graph.Edges = new List<EdgeSpec>(edgeCount);
        for (int e = 0; e < edgeCount; e++)
        {
            // An edge written as the last graph had it at the same place is that edge: the same bytes, or the same names.
            names?.LastGraphFrame.MarkEdge(e, reader.Offset - graphStart);
            if (previous is not null && e < previous.Edges.Count && previous.Edges[e] is { } known)
            {
                int same = frame?.MatchEdge(e, reader.Unread) ?? 0;
                if (same > 0)
                {
                    reader.Skip(same);
                    graph.Edges.Add(known);
                    continue;
                }

                FrameReader edgeAt = reader;
                if (reader.ReadStringEquals("edge source", known.From, names) && reader.ReadStringEquals("edge source port", known.FromPort, names)
                    && reader.ReadStringEquals("edge target", known.To, names) && reader.ReadStringEquals("edge target port", known.ToPort, names))
                {
                    graph.Edges.Add(known);
                    continue;
                }

                reader = edgeAt;
            }

            string from = reader.ReadString("edge source", names);
            string fromPort = reader.ReadString("edge source port", names);
            string to = reader.ReadString("edge target", names);
            string toPort = reader.ReadString("edge target port", names);
            graph.Edges.Add(new EdgeSpec(from, to, fromPort, toPort));
        }

        if (names is not null)
        {
            names.LastGraphFrame.MarkEdge(edgeCount, reader.Offset - graphStart);
            names.LastGraphFrame.Keep(graph, reader.ReadSince(graphStart), nodeCount, edgeCount);
            names.LastGraph = graph;
        }

        return graph;
    }

    /// <summary>
    /// Reads the next node past <paramref name="reader"/> if it is written exactly as <paramref name="known"/> is (id,
    /// type, channels, parameters, options), allocating nothing; otherwise leaves the reader where it was.
    /// </summary>
    private static bool TryReadSame(ref FrameReader reader, NodeSpec known, StringTable names)
    {
        FrameReader at = reader;
        if (!reader.ReadStringEquals("node id", known.Id, names) || !reader.ReadStringEquals("node type", known.Type, names)
            || reader.ReadInt32("node channels") != (known.Channels ?? DefaultChannels))
        {
            reader = at;
            return false;
        }

        int parameterCount = reader.ReadInt32("parameter count");
        if (parameterCount != known.Parameters.Count)
        {
            reader = at;
            return false;
        }

        // The parameters in the order the known node's map lists them (the order they were written and read in, when
        // the front sends the node again unchanged): names compared without decoding. Any other order is looked up.
        FrameReader parametersAt = reader;
        bool inOrder = true;
        foreach ((string knownName, double knownValue) in known.Parameters)
        {
            if (!reader.ReadStringEquals("parameter name", knownName, names))
            {
                inOrder = false;
                break;
            }

            if (BitConverter.DoubleToInt64Bits(reader.ReadDouble("parameter value")) != BitConverter.DoubleToInt64Bits(knownValue))
            {
                reader = at;
                return false;
            }
        }

        if (!inOrder)
        {
            reader = parametersAt;
        }

        for (int p = 0; !inOrder && p < parameterCount; p++)
        {
            string name = reader.ReadString("parameter name", names);
            double value = reader.ReadDouble("parameter value");
            if (!known.Parameters.TryGetValue(name, out double knownValue) || BitConverter.DoubleToInt64Bits(knownValue) != BitConverter.DoubleToInt64Bits(value))
            {
                reader = at;
                return false;
            }
        }

        int optionCount = reader.ReadInt32("option count");
        if (optionCount != known.Options.Count)
        {
            reader = at;
            return false;
        }

        for (int o = 0; o < optionCount; o++)
        {
            string name = reader.ReadString("option name", names);
            string value = reader.ReadString("option value", names);
            if (!known.Options.TryGetValue(name, out string? knownValue) || knownValue != value)
            {
                reader = at;
                return false;
            }
        }

        return true;
    }

    private static int Count(ref FrameReader reader, string what, int minimumEntryBytes)
    {
        int count = reader.ReadInt32(what);
        if (count < 0 || (long)count * minimumEntryBytes > reader.Remaining)
        {
            throw new EngineProtocolException($"The {what} {count} does not fit the {reader.Remaining} byte(s) left in the frame.");
        }

        return count;
    }
}
