namespace LiveEngine.Snapshots;

/// <summary>
/// A live session's memory for its next compiles. The job structure of retired snapshots (jobs, offsets, successors,
/// counts, order, ranks, levels, output offsets), kept by exact length: only arrays that the renderer and the executor
/// read while a snapshot plays, which a retired one no longer does. And the node tables (ids, types, channels,
/// options, index by id) of its latest new shapes, which are never changed and so may be shared by any snapshot.
/// An edit that adds a voice to the ~1,200 nodes of 'session' compiles two snapshots (~110 KB of job structure and
/// ~70 KB of node tables each), and the shapes of a performance recur (a voice added then removed, an undo).
/// What nodes, parameters, banks and fault reporting write is never taken from here. Control thread only (the
/// session's lock).
/// </summary>
internal sealed class SnapshotArrayPool
{
    private const int MaxShapes = 4;

    private readonly Shelf<int> _ints = new();
    private readonly Shelf<double> _doubles = new();
    private readonly Shelf<JobInfo> _jobs = new();
    private readonly List<NodeShape> _shapes = new(MaxShapes + 1);

    /// <summary>The node tables of the session's latest new shapes, most recent last (see <see cref="NodeShape.Of"/>).</summary>
    public IReadOnlyList<NodeShape> RecentShapes => _shapes;

    /// <summary>Keeps <paramref name="shape"/> (with its index by id) for compiles to come; the oldest goes beyond four.</summary>
    public void RememberShape(NodeShape shape)
    {
        _shapes.Add(shape);
        if (_shapes.Count > MaxShapes)
        {
            _shapes.RemoveAt(0);
        }
    }

    /// <summary>A zeroed int array of exactly <paramref name="length"/> elements.</summary>
    public int[] Ints(int length) => _ints.Rent(length);

    /// <summary>A zeroed double array of exactly <paramref name="length"/> elements.</summary>
    public double[] Doubles(int length) => _doubles.Rent(length);

    /// <summary>A cleared job array of exactly <paramref name="length"/> elements.</summary>
    public JobInfo[] Jobs(int length) => _jobs.Rent(length);

    /// <summary>
    /// Keeps the job structure of <paramref name="retired"/> (which is never rendered again) for later compiles,
    /// except the arrays that a snapshot in <paramref name="live"/> shares (an edit of parameters shares them all).
    /// </summary>
    public void Return(GraphSnapshot retired, IReadOnlyList<GraphSnapshot> live)
    {
        ArgumentNullException.ThrowIfNull(retired);
        ArgumentNullException.ThrowIfNull(live);
        if (Shared(retired.Jobs, live, static s => s.Jobs))
        {
            // Every array below is shared along with the jobs (see GraphCompiler's edit of parameters only).
            return;
        }

        _jobs.Return(retired.Jobs);
        ReturnUnshared(retired.ChannelOffsets, live, static s => s.ChannelOffsets);
        ReturnUnshared(retired.SuccessorStarts, live, static s => s.SuccessorStarts);
        ReturnUnshared(retired.Successors, live, static s => s.Successors);
        ReturnUnshared(retired.DependencyCounts, live, static s => s.DependencyCounts);
        ReturnUnshared(retired.TopologicalOrder, live, static s => s.TopologicalOrder);
        ReturnUnshared(retired.Levels, live, static s => s.Levels);
        ReturnUnshared(retired.OutputOffsets, live, static s => s.OutputOffsets);
        if (!Shared(retired.Ranks, live, static s => s.Ranks))
        {
            _doubles.Return(retired.Ranks);
        }
    }

    private void ReturnUnshared(int[] array, IReadOnlyList<GraphSnapshot> live, Func<GraphSnapshot, int[]> field)
    {
        if (!Shared(array, live, field))
        {
            _ints.Return(array);
        }
    }

    private static bool Shared<T>(T[] array, IReadOnlyList<GraphSnapshot> live, Func<GraphSnapshot, T[]> field)
    {
        for (int i = 0; i < live.Count; i++)
        {
            if (ReferenceEquals(field(live[i]), array))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Arrays of one element type by exact length: at most two per length, and at most 64 lengths (then it starts over).</summary>
    private sealed class Shelf<T>
    {
        private const int PerLength = 2;
        private const int MaxLengths = 64;

        private readonly Dictionary<int, T[]?[]> _byLength = [];

        public T[] Rent(int length)
        {
            if (length > 0 && _byLength.TryGetValue(length, out T[]?[]? kept))
            {
                for (int i = 0; i < kept.Length; i++)
                {
                    if (kept[i] is { } array)
                    {
                        kept[i] = null;
                        Array.Clear(array);
                        return array;
                    }
                }
            }

            return length == 0 ? [] : new T[length];
        }

        public void Return(T[] array)
        {
            if (array.Length == 0)
            {
                return;
            }

            if (!_byLength.TryGetValue(array.Length, out T[]?[]? kept))
            {
                if (_byLength.Count >= MaxLengths)
                {
                    _byLength.Clear();
                }

                kept = new T[]?[PerLength];
                _byLength.Add(array.Length, kept);
            }

            for (int i = 0; i < kept.Length; i++)
            {
                if (ReferenceEquals(kept[i], array))
                {
                    return;
                }
            }

            for (int i = 0; i < kept.Length; i++)
            {
                if (kept[i] is null)
                {
                    kept[i] = array;
                    return;
                }
            }
        }
    }
}
