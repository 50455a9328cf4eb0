using System.Diagnostics;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// What a real-time driver measures on its audio thread: a histogram of block times (1 µs buckets up to 20 ms,
/// preallocated), callbacks, xruns, and the bytes the audio thread allocated after its warm-up. Recorded
/// without allocation or locks; read by the control thread (percentiles are approximate while it runs).
/// </summary>
public sealed class BlockTimeStats
{
    private const int Buckets = 20_001;

    /// <summary>Callbacks not counted in the allocation figure: the first ones attach the thread and run cold code.</summary>
    public const int WarmUpCallbacks = 200;

    private readonly long[] _histogram = new long[Buckets];
    private long _callbacks;
    private long _xruns;
    private long _allocatedAtWarmUp = -1;
    private long _allocatedLast;

    public long Callbacks => Volatile.Read(ref _callbacks);

    public long Xruns => Volatile.Read(ref _xruns);

    /// <summary>Bytes the audio thread allocated after its first <see cref="WarmUpCallbacks"/> callbacks (-1 before then).</summary>
    public long AllocatedAfterWarmUp => _allocatedAtWarmUp < 0 ? -1 : Volatile.Read(ref _allocatedLast) - _allocatedAtWarmUp;

    /// <summary>Audio thread: one block took <paramref name="ticks"/>.</summary>
    public void RecordBlock(long ticks)
    {
        long us = ticks * 1_000_000 / Stopwatch.Frequency;
        _histogram[Math.Min(us, Buckets - 1)]++;
        long callbacks = _callbacks + 1;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        if (callbacks == WarmUpCallbacks)
        {
            _allocatedAtWarmUp = allocated;
        }

        Volatile.Write(ref _allocatedLast, allocated);
        Volatile.Write(ref _callbacks, callbacks);
    }

    /// <summary>Any thread: the server reported an xrun.</summary>
    public void RecordXrun() => Interlocked.Increment(ref _xruns);

    /// <summary>The block time (µs) below which <paramref name="fraction"/> of blocks fell.</summary>
    public double PercentileUs(double fraction)
    {
        long total = 0;
        foreach (long count in _histogram)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        long target = (long)Math.Ceiling(total * fraction);
        long seen = 0;
        for (int us = 0; us < Buckets; us++)
        {
            seen += _histogram[us];
            if (seen >= target)
            {
                return us;
            }
        }

        return Buckets - 1;
    }

    public double MaxUs()
    {
        for (int us = Buckets - 1; us >= 0; us--)
        {
            if (_histogram[us] > 0)
            {
                return us;
            }
        }

        return 0;
    }
}
