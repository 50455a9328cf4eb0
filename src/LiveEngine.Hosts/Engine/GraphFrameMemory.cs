using LiveEngine.Graph;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// The encoded bytes of the graph a connection decoded last (<see cref="StringTable.LastGraph"/>), with where each of its
/// nodes and edges starts in them: <see cref="GraphCodec.Read"/> shares a node or edge of that graph when the next graph
/// holds the very same bytes at the same place, found by comparing the two encodings (sequential, vectorised) instead of
/// decoding and comparing the names of every node. Sound because an encoded node or edge is self-delimiting: bytes that
/// equal one node's whole encoding decode to that node and end where it ends. Two sets of buffers, swapped when a decode
/// succeeds, so a frame refused half way leaves the last graph's bytes as they were; they grow to the largest graph and
/// are reused, so a steady stream of commits allocates nothing here. One thread at a time (the connection's).
/// </summary>
public sealed class GraphFrameMemory
{
    private GraphDescription? _lastGraph;
    private byte[] _lastBytes = [];
    private int _lastLength;
    private int[] _lastNodeStarts = [];
    private int _lastNodeCount;
    private int[] _lastEdgeStarts = [];
    private int _lastEdgeCount;

    private byte[] _nextBytes = [];
    private int[] _nextNodeStarts = [];
    private int[] _nextEdgeStarts = [];

    /// <summary>The graph whose bytes these are (null before the first).</summary>
    public GraphDescription? Graph => _lastGraph;

    /// <summary>
    /// Where node <paramref name="index"/> of the graph being decoded starts, from the graph's first byte; with
    /// <paramref name="index"/> = the node count, where the edge count starts.
    /// </summary>
    internal void MarkNode(int index, int offset) => Mark(ref _nextNodeStarts, index, offset);

    /// <summary>As <see cref="MarkNode"/> for edge <paramref name="index"/>; the edge count marks where the graph ends.</summary>
    internal void MarkEdge(int index, int offset) => Mark(ref _nextEdgeStarts, index, offset);

    /// <summary>
    /// The length of node <paramref name="index"/> of the last graph if <paramref name="unread"/> starts with its very
    /// bytes; 0 otherwise (no last graph, no such node, other bytes).
    /// </summary>
    internal int MatchNode(int index, ReadOnlySpan<byte> unread) => Match(_lastNodeStarts, _lastNodeCount, index, unread);

    /// <summary>As <see cref="MatchNode"/> for edge <paramref name="index"/> of the last graph.</summary>
    internal int MatchEdge(int index, ReadOnlySpan<byte> unread) => Match(_lastEdgeStarts, _lastEdgeCount, index, unread);

    /// <summary><paramref name="graph"/>, just decoded from <paramref name="encoded"/> (its first byte to its last), becomes the last graph, its marks with it.</summary>
    internal void Keep(GraphDescription graph, ReadOnlySpan<byte> encoded, int nodeCount, int edgeCount)
    {
        if (_nextBytes.Length < encoded.Length)
        {
            _nextBytes = new byte[Math.Max(encoded.Length, _nextBytes.Length * 2)];
        }

        encoded.CopyTo(_nextBytes);
        (_lastBytes, _nextBytes) = (_nextBytes, _lastBytes);
        (_lastNodeStarts, _nextNodeStarts) = (_nextNodeStarts, _lastNodeStarts);
        (_lastEdgeStarts, _nextEdgeStarts) = (_nextEdgeStarts, _lastEdgeStarts);
        _lastGraph = graph;
        _lastLength = encoded.Length;
        _lastNodeCount = nodeCount;
        _lastEdgeCount = edgeCount;
    }

    private static void Mark(ref int[] starts, int index, int offset)
    {
        if (index >= starts.Length)
        {
            Array.Resize(ref starts, Math.Max(index + 1, starts.Length * 2));
        }

        starts[index] = offset;
    }

    private int Match(int[] starts, int count, int index, ReadOnlySpan<byte> unread)
    {
        if (index >= count)
        {
            return 0;
        }

        int start = starts[index];
        int length = starts[index + 1] - start;
        return length <= unread.Length && start + length <= _lastLength && unread[..length].SequenceEqual(_lastBytes.AsSpan(start, length)) ? length : 0;
    }
}
