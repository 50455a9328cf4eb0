namespace LiveEngine.Snapshots;

/// <summary>
/// The compiler's working memory, kept per thread and reused by every compile on it: a commit of a 1,200-node
/// graph otherwise made megabytes of short-lived lists, sets and bitsets (docs/performance.md, "Allocation per
/// commit"). What a snapshot keeps is never taken from here. Control thread only; one compile at a time per thread.
/// </summary>
internal sealed class CompileScratch
{
    // Integer arrays by purpose: two uses of one slot must not overlap in time.
    public const int CycleStarts = 0;
    public const int CycleSuccessors = 1;
    public const int CycleNext = 2;
    public const int CycleParent = 3;
    public const int IntoStarts = 4;
    public const int IntoEdges = 5;
    public const int Cursor = 6;
    public const int BankOfNode = 7;
    public const int NodeJob = 8;
    public const int OutputValueBase = 9;
    public const int PredecessorStarts = 10;
    public const int ProducerMark = 11;
    public const int Remaining = 12;
    public const int BufferOfValue = 13;
    public const int ReadsLeft = 14;
    public const int ReaderStarts = 15;
    public const int Readers = 16;
    public const int LastValueOfBuffer = 17;
    public const int OutStarts = 18;
    public const int OutEdges = 19;
    public const int ReleasedHead = 20;
    public const int ReleasedNext = 21;
    public const int ReleasedBuffer = 22;
    public const int FreeEntryOfBuffer = 23;
    private const int IntSlots = 24;

    // Double arrays by purpose (admission's prediction).
    public const int JobNs = 0;
    public const int NodeNs = 1;
    public const int MixNs = 2;
    public const int BankNs = 3;
    public const int BottomLevels = 4;
    private const int DoubleSlots = 5;

    // An array above this many elements is not kept: a graph that large is rare, and its memory should not stay.
    private const int KeepLimit = 1 << 21;

    [ThreadStatic]
    private static CompileScratch? s_current;

    private readonly int[][] _ints = new int[IntSlots][];
    private byte[] _bytes = [];
    private bool[] _flags = [];
    private ulong[] _bits = [];
    private float[] _floats = [];
    private readonly double[][] _doubles = new double[DoubleSlots][];

    private CompileScratch()
    {
        for (int i = 0; i < DoubleSlots; i++)
        {
            _doubles[i] = [];
        }
    }

    /// <summary>This thread's scratch.</summary>
    public static CompileScratch Current => s_current ??= new CompileScratch();

    public Dictionary<string, GraphCompiler.ResolvedNode> NodesById { get; } = new(StringComparer.Ordinal);

    /// <summary>The ids a resolution added to an index lent to it (<see cref="GraphCompiler"/>), taken out again after it.</summary>
    public List<string> LentIds { get; } = [];

    public Stack<int> Stack { get; } = new();

    public List<int> Values { get; } = [];

    /// <summary>The bank planner's chain under test (node indices).</summary>
    public List<int> LaneChain { get; } = [];

    /// <summary>The bank planner's candidate lane sources: nodes with no input connected.</summary>
    public List<int> LaneSources { get; } = [];

    public List<int> Predecessors { get; } = [];

    public List<int> FreeBuffers { get; } = [];

    public List<GraphCompiler.ResolvedEdge> Sources { get; } = [];

    public List<(int Base, int Step)> Operands { get; } = [];

    public List<(int Base, int Step)> Reduced { get; } = [];

    /// <summary>An integer array of at least <paramref name="length"/> elements for <paramref name="slot"/>, zeroed if <paramref name="clear"/>.</summary>
    public int[] Ints(int slot, int length, bool clear)
    {
        int[] array = _ints[slot] ??= [];
        if (array.Length < length)
        {
            array = new int[Math.Max(length, Math.Min(2 * array.Length, KeepLimit))];
            if (length <= KeepLimit)
            {
                _ints[slot] = array;
            }
        }
        else if (clear)
        {
            Array.Clear(array, 0, length);
        }

        return array;
    }

    /// <summary>A zeroed byte array of at least <paramref name="length"/> elements.</summary>
    public byte[] Bytes(int length) => Take(ref _bytes, length);

    /// <summary>A zeroed bool array of at least <paramref name="length"/> elements.</summary>
    public bool[] Flags(int length) => Take(ref _flags, length);

    /// <summary>A zeroed float array of at least <paramref name="length"/> elements.</summary>
    public float[] Floats(int length) => Take(ref _floats, length);

    /// <summary>A zeroed double array of at least <paramref name="length"/> elements for <paramref name="slot"/> (two uses of one slot must not overlap).</summary>
    public double[] Doubles(int slot, int length) => Take(ref _doubles[slot], length);

    /// <summary>A zeroed bitset of at least <paramref name="length"/> words.</summary>
    public ulong[] Bits(int length) => Take(ref _bits, length);

    /// <summary>Drops the references a compile left in the collections, so that scratch keeps no graph alive.</summary>
    public void Release()
    {
        NodesById.Clear();
        LentIds.Clear();
        Sources.Clear();
    }

    private static T[] Take<T>(ref T[] kept, int length)
    {
        if (kept.Length < length)
        {
            var array = new T[Math.Max(length, Math.Min(2 * kept.Length, KeepLimit))];
            if (length <= KeepLimit)
            {
                kept = array;
            }

            return array;
        }

        Array.Clear(kept, 0, length);
        return kept;
    }
}
