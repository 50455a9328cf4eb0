using System.Diagnostics;

namespace LiveEngine.Live;

/// <summary>
/// A fixed-capacity binary min-heap of parameter events ordered by sample, then by the order they were made.
/// Audio thread only; allocation-free after construction.
/// </summary>
internal sealed class EventHeap
{
    private readonly ParameterEvent[] _items;

    public EventHeap(int capacity)
    {
        _items = new ParameterEvent[capacity];
    }

    public int Count { get; private set; }

    public bool IsFull => Count == _items.Length;

    public long NextSample => Count == 0 ? long.MaxValue : _items[0].Sample;

    public void Push(in ParameterEvent item)
    {
        Debug.Assert(!IsFull, "Event heap overflow: check IsFull before pushing.");
        int i = Count++;
        _items[i] = item;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Less(_items[i], _items[parent]))
            {
                break;
            }

            (_items[i], _items[parent]) = (_items[parent], _items[i]);
            i = parent;
        }
    }

    public ParameterEvent Pop()
    {
        Debug.Assert(Count > 0, "Pop from an empty event heap.");
        ParameterEvent top = _items[0];
        _items[0] = _items[--Count];
        _items[Count] = default;
        int i = 0;
        while (true)
        {
            int left = (2 * i) + 1;
            int smallest = i;
            if (left < Count && Less(_items[left], _items[smallest]))
            {
                smallest = left;
            }

            if (left + 1 < Count && Less(_items[left + 1], _items[smallest]))
            {
                smallest = left + 1;
            }

            if (smallest == i)
            {
                return top;
            }

            (_items[i], _items[smallest]) = (_items[smallest], _items[i]);
            i = smallest;
        }
    }

    private static bool Less(in ParameterEvent a, in ParameterEvent b) =>
        a.Sample < b.Sample || (a.Sample == b.Sample && a.Sequence < b.Sequence);
}
