using System.Numerics;
using LiveEngine.Snapshots;

namespace LiveEngine.Live;

/// <summary>
/// Per-node level meters and a scope that can be pointed at one node's output, for display (the stage view's
/// graph meters and node scope, docs/ui.md). Set on a renderer (<see cref="LiveRenderer.Probe"/>); the job that
/// runs a node writes that node's meter and, for the node picked, copies its output into <see cref="Scope"/>,
/// right after the node's Process and before any other job may reuse its buffer. Everything the audio side
/// touches is preallocated: it allocates nothing, takes no lock and waits for nothing. A reader on any thread
/// takes the peak and RMS accumulated since its previous read (<see cref="ReadMeters"/>).
/// </summary>
/// <remarks>
/// Each node's slot is written by the one job that runs the node, so writers never share a slot. A read starts a
/// new interval by bumping <see cref="_interval"/>; a writer that finds its slot stamped with an older interval
/// starts the slot over. A block written while a read is in progress may count in either interval: display only.
/// </remarks>
public sealed class NodeProbe
{
    /// <summary>Nodes metered: the first this many node indices of a snapshot.</summary>
    public const int MaxNodes = 4096;

    // The slot after the nodes' is the output's, as played.
    private const int OutputSlot = MaxNodes;

    private readonly float[] _peak = new float[MaxNodes + 1];
    private readonly double[] _sumSquares = new double[MaxNodes + 1];
    private readonly long[] _frames = new long[MaxNodes + 1];
    private readonly int[] _slotInterval = new int[MaxNodes + 1];
    private int _interval = 1;
    private volatile bool _metering;
    private volatile string? _scopeNodeId;

    // Audio side: the scope node's index in the snapshot it was resolved for.
    private GraphSnapshot? _resolvedSnapshot;
    private string? _resolvedId;
    private int _scopeNodeIndex = -1;

    // Audio side writes, readers read.
    private volatile GraphSnapshot? _meteredSnapshot;
    private long _scopeStart;
    private volatile string? _publishedScopeId;

    /// <summary>The picked node's output, mixed to one channel, written by the job that runs it.</summary>
    public OutputTap Scope { get; } = new();

    /// <summary>Whether jobs meter their nodes (off: the probe costs one branch per job). Any thread.</summary>
    public bool Metering
    {
        get => _metering;
        set => _metering = value;
    }

    /// <summary>The node whose output <see cref="Scope"/> shows (null: none). Any thread; takes effect at the next block.</summary>
    public string? ScopeNodeId
    {
        get => _scopeNodeId;
        set
        {
            // The same name again keeps the frames already copied (the audio side compares references).
            if (!string.Equals(value, _scopeNodeId, StringComparison.Ordinal))
            {
                _scopeNodeId = value;
            }
        }
    }

    /// <summary>The snapshot last rendered with this probe, whose node indices <see cref="ReadMeters"/> reports. Any thread.</summary>
    public GraphSnapshot? MeteredSnapshot => _meteredSnapshot;

    /// <summary>
    /// Copies the picked node's latest frames, oldest first, into <paramref name="destination"/> (only frames written
    /// since that node was picked); returns how many. Any thread.
    /// </summary>
    public int CopyScope(Span<float> destination, out long end)
    {
        // Picked anew and no block rendered since: the ring holds the previous node's frames only.
        if (!ReferenceEquals(_publishedScopeId, _scopeNodeId))
        {
            end = Scope.Written;
            return 0;
        }

        long available = Scope.Written - Volatile.Read(ref _scopeStart);
        int frames = (int)Math.Clamp(available, 0, destination.Length);
        if (frames == 0)
        {
            end = Scope.Written;
            return 0;
        }

        return Scope.CopyLatest(destination[..frames], out end);
    }

    /// <summary>
    /// Writes, for node i of <see cref="MeteredSnapshot"/> (i &lt; the spans' length), the peak and RMS of its
    /// output since the previous read (0 for a node that ran no block meanwhile), and starts a new interval.
    /// Returns how many nodes were written; <paramref name="output"/> is the output's, as played (a node of type
    /// <c>out</c> runs no job of its own). <paramref name="snapshot"/> is the snapshot whose node indices were read:
    /// pair the counts with its ids, never with a <see cref="MeteredSnapshot"/> read before or after (a commit may
    /// land between). One reader at a time.
    /// </summary>
    public int ReadMeters(Span<float> peak, Span<float> rms, out (float Peak, float Rms) output, out GraphSnapshot? snapshot)
    {
        snapshot = _meteredSnapshot;
        int count = snapshot is null ? 0 : Math.Min(Math.Min(snapshot.Nodes.Length, MaxNodes), Math.Min(peak.Length, rms.Length));
        int interval = Volatile.Read(ref _interval);
        for (int n = 0; n < count; n++)
        {
            (peak[n], rms[n]) = ReadSlot(n, interval);
        }

        output = ReadSlot(OutputSlot, interval);
        Interlocked.Increment(ref _interval);
        return count;
    }

    private (float Peak, float Rms) ReadSlot(int slot, int interval)
    {
        bool fresh = Volatile.Read(ref _slotInterval[slot]) == interval;
        long frames = Volatile.Read(ref _frames[slot]);
        return (fresh ? Volatile.Read(ref _peak[slot]) : 0, fresh && frames > 0 ? (float)Math.Sqrt(Volatile.Read(ref _sumSquares[slot]) / frames) : 0);
    }

    /// <summary>Called by the renderer before each segment of <paramref name="snapshot"/>. Render thread; allocates nothing.</summary>
    internal void Prepare(GraphSnapshot snapshot)
    {
        string? id = _scopeNodeId;
        if (!ReferenceEquals(snapshot, _resolvedSnapshot) || !ReferenceEquals(id, _resolvedId))
        {
            if (!ReferenceEquals(id, _resolvedId))
            {
                // Frames of the node picked before are not this one's.
                Volatile.Write(ref _scopeStart, Scope.Written);
            }

            _scopeNodeIndex = id is null ? -1 : snapshot.IndexOfNode(id);
            _resolvedSnapshot = snapshot;
            _resolvedId = id;
            _publishedScopeId = id;
            _meteredSnapshot = snapshot;
        }
    }

    /// <summary>Meters node <paramref name="node"/>'s outputs and copies them to the scope when it is the node picked. The job that ran it.</summary>
    internal unsafe void Observe(int node, float* arena, ReadOnlySpan<int> outputs, int frames)
    {
        if (node == _scopeNodeIndex)
        {
            Scope.Write(arena, outputs, frames);
        }

        if (!_metering || (uint)node >= MaxNodes || outputs.Length == 0)
        {
            return;
        }

        float peak = 0;
        double sumSquares = 0;
        foreach (int offset in outputs)
        {
            Measure(new ReadOnlySpan<float>(arena + offset, frames), ref peak, ref sumSquares);
        }

        Accumulate(node, peak, sumSquares / outputs.Length, frames);
    }

    /// <summary>Meters the mixed output as played (the channels of <paramref name="output"/>). Render or audio thread.</summary>
    internal void ObserveOutput(float[][] output, int frames)
    {
        if (!_metering || output.Length == 0)
        {
            return;
        }

        float peak = 0;
        double sumSquares = 0;
        foreach (float[] channel in output)
        {
            Measure(channel.AsSpan(0, frames), ref peak, ref sumSquares);
        }

        Accumulate(OutputSlot, peak, sumSquares / output.Length, frames);
    }

    private static void Measure(ReadOnlySpan<float> channel, ref float peak, ref double sumSquares)
    {
        var peaks = Vector<float>.Zero;
        var squares = Vector<float>.Zero;
        int i = 0;
        for (; i <= channel.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var x = new Vector<float>(channel[i..]);
            peaks = Vector.Max(peaks, Vector.Abs(x));
            squares += x * x;
        }

        float channelPeak = 0;
        for (int k = 0; k < Vector<float>.Count; k++)
        {
            channelPeak = MathF.Max(channelPeak, peaks[k]);
        }

        float channelSquares = Vector.Sum(squares);
        for (; i < channel.Length; i++)
        {
            float x = channel[i];
            channelPeak = MathF.Max(channelPeak, MathF.Abs(x));
            channelSquares += x * x;
        }

        peak = MathF.Max(peak, channelPeak);
        sumSquares += channelSquares;
    }

    private void Accumulate(int node, float peak, double sumSquares, int frames)
    {
        int interval = Volatile.Read(ref _interval);
        if (_slotInterval[node] != interval)
        {
            _peak[node] = 0;
            _sumSquares[node] = 0;
            _frames[node] = 0;
            Volatile.Write(ref _slotInterval[node], interval);
        }

        _peak[node] = MathF.Max(_peak[node], peak);
        _sumSquares[node] += sumSquares;
        Volatile.Write(ref _frames[node], _frames[node] + frames);
    }
}
