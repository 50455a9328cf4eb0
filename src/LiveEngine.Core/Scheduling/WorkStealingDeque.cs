using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiveEngine.Scheduling;

/// <summary>
/// A fixed-capacity Chase–Lev work-stealing deque of job indices. The owning worker pushes and pops at the
/// bottom (LIFO, <see cref="LocalPush"/>/<see cref="TryLocalPop"/>); any other worker steals from the top
/// (FIFO, <see cref="TrySteal"/>). Lock-free, allocation-free after construction, never blocks.
/// </summary>
/// <remarks>
/// Design: D. Chase and Y. Lev, "Dynamic Circular Work-Stealing Deque" (SPAA 2005), with the memory orderings
/// of N. M. Lê et al., "Correct and Efficient Work-Stealing for Weak Memory Models" (PPoPP 2013). The buffer
/// never grows: a snapshot has a known job count, and the scheduler sizes every deque to hold all of them.
/// .NET's Interlocked operations are full fences, which covers the seq_cst fences of the paper.
/// </remarks>
public sealed class WorkStealingDeque
{
    private readonly int[] _items;
    private readonly int _mask;

    // Owner writes _bottom; thieves read it. Thieves CAS _top; the owner CASes it only for the last item.
    // Padded apart so that the owner's pushes do not invalidate the thieves' cache line of _top.
    private PaddedIndex _top;
    private PaddedIndex _bottom;

    public WorkStealingDeque(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _items = new int[size];
        _mask = size - 1;
    }

    public int Capacity => _items.Length;

    /// <summary>Number of items; exact only when no other thread touches the deque.</summary>
    public int Count => (int)Math.Max(0, Volatile.Read(ref _bottom.Value) - Volatile.Read(ref _top.Value));

    /// <summary>Adds <paramref name="item"/> at the bottom. Owner only. The scheduler guarantees room (capacity ≥ jobs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LocalPush(int item)
    {
        long bottom = _bottom.Value;
        Debug.Assert(bottom - Volatile.Read(ref _top.Value) < _items.Length, "Deque overflow: it must be sized for every job of the snapshot.");
        _items[bottom & _mask] = item;

        // Release: the item is written before a thief can see the new bottom.
        Volatile.Write(ref _bottom.Value, bottom + 1);
    }

    /// <summary>Takes the most recently pushed item. Owner only; false when empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLocalPop(out int item)
    {
        long bottom = _bottom.Value - 1;

        // Full fence: the decrement of bottom must be visible before top is read (the seq_cst fence of Lê et al.).
        Interlocked.Exchange(ref _bottom.Value, bottom);
        long top = Volatile.Read(ref _top.Value);
        if (top > bottom)
        {
            _bottom.Value = bottom + 1;
            item = -1;
            return false;
        }

        item = _items[bottom & _mask];
        if (top < bottom)
        {
            return true;
        }

        // The last item: race the thieves for it with a CAS on top.
        bool won = Interlocked.CompareExchange(ref _top.Value, top + 1, top) == top;
        _bottom.Value = bottom + 1;
        if (!won)
        {
            item = -1;
        }

        return won;
    }

    /// <summary>Takes the oldest item. Any thread but the owner; false when empty or when another thief won the race.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySteal(out int item)
    {
        // Acquire top, then (after a full fence in the paper; Volatile.Read of bottom suffices on .NET's
        // model because the owner publishes bottom with a full-fence exchange in pop) read bottom.
        long top = Volatile.Read(ref _top.Value);
        Interlocked.MemoryBarrier();
        long bottom = Volatile.Read(ref _bottom.Value);
        if (top >= bottom)
        {
            item = -1;
            return false;
        }

        item = _items[top & _mask];

        // The CAS claims the item; a failure means the owner or another thief took it first.
        if (Interlocked.CompareExchange(ref _top.Value, top + 1, top) != top)
        {
            item = -1;
            return false;
        }

        return true;
    }

    /// <summary>The item a thief would take next, or -1: a hint for choosing a victim, stale as soon as read.</summary>
    public int PeekTop()
    {
        long top = Volatile.Read(ref _top.Value);
        long bottom = Volatile.Read(ref _bottom.Value);
        return top < bottom ? Volatile.Read(ref _items[top & _mask]) : -1;
    }

    /// <summary>Empties the deque. Only when no other thread uses it (between blocks).</summary>
    public void Clear()
    {
        _top.Value = 0;
        _bottom.Value = 0;
    }

    [Conditional("DEBUG")]
    public void AssertInvariants()
    {
        long top = Volatile.Read(ref _top.Value);
        long bottom = Volatile.Read(ref _bottom.Value);
        Debug.Assert(bottom >= top - 1, "bottom fell more than one below top: a pop ran concurrently with another pop (pop is owner-only).");
        Debug.Assert(bottom - top <= _items.Length, "More items than capacity: a push overflowed.");
    }
}
