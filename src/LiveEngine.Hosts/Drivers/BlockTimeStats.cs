using System.Diagnostics;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// What a real-time driver measures on its audio thread: a histogram of block times (1 µs buckets up to 20 ms,
/// preallocated), a histogram of how late each block started behind its period's start (where the driver knows
/// it), callbacks, xruns with timestamps and where their period's time went (the server's, our own deadline misses
/// and late periods), and the bytes the audio thread allocated after its warm-up. Recorded without allocation or locks; read by the control thread
/// (percentiles are approximate while it runs). Drivers that replace one another in a host may share one
/// instance, so that the figures cover the whole performance; only one driver records at a time.
/// </summary>
public sealed class BlockTimeStats
{
    private const int Buckets = 20_001;

    /// <summary>Xruns kept with their timestamps (the most recent ones); the counters count them all.</summary>
    public const int XrunLogCapacity = 1024;

    /// <summary>Callbacks not counted in the allocation figure: the first ones attach the thread and run cold code.</summary>
    public const int WarmUpCallbacks = 200;

    private readonly long[] _histogram = new long[Buckets];
    private readonly long[] _startLateHistogram = new long[Buckets];
    private readonly XrunRecord[] _xrunLog = new XrunRecord[XrunLogCapacity];
    private long _xrunsLogged;
    private long _busyTicks;
    private long _callbacks;
    private long _callbacksSinceAttach;
    private long _xruns;
    private long _deadlineMisses;
    private long _allocatedAtWarmUp = -1;
    private long _allocatedLast;

    // The null driver's backup pacer, which renders the blocks its main thread is too late for: its own thread's count.
    private long _backupAllocatedAtWarmUp = -1;
    private long _backupAllocatedLast;
    private int _sampleRate;

    // Audio thread writes, any thread reads (a report): the latest block's start lateness and time, in µs (-1: none yet).
    private int _lastStartLateUs = -1;
    private int _lastBlockUs = -1;

    public long Callbacks => Volatile.Read(ref _callbacks);

    /// <summary>Stopwatch ticks spent in callbacks, in all.</summary>
    public long BusyTicks => Volatile.Read(ref _busyTicks);

    /// <summary>Xruns the server reported, plus periods the null driver started late.</summary>
    public long Xruns => Volatile.Read(ref _xruns);

    /// <summary>Callbacks that took longer than their period (our own timing; the server may or may not have noticed).</summary>
    public long DeadlineMisses => Volatile.Read(ref _deadlineMisses);

    /// <summary>The stream's sample rate, which turns a callback's frames into its deadline (0: no deadline check).</summary>
    public int SampleRate
    {
        get => Volatile.Read(ref _sampleRate);
        set => Volatile.Write(ref _sampleRate, value);
    }

    /// <summary>
    /// Bytes the current audio thread allocated after its first <see cref="WarmUpCallbacks"/> callbacks (-1 before
    /// then). Counts from the last <see cref="AttachThread"/>.
    /// </summary>
    /// <remarks>
    /// With the null driver's backup pacer, the backup thread's bytes are added, counted from the end of the first
    /// block it renders after the warm-up.
    /// </remarks>
    public long AllocatedAfterWarmUp => Volatile.Read(ref _allocatedAtWarmUp) < 0
        ? -1
        : Volatile.Read(ref _allocatedLast) - _allocatedAtWarmUp + (Volatile.Read(ref _backupAllocatedAtWarmUp) < 0 ? 0 : Volatile.Read(ref _backupAllocatedLast) - _backupAllocatedAtWarmUp);

    /// <summary>Control thread, before a (new) driver starts: allocation is counted on a new thread from here.</summary>
    public void AttachThread()
    {
        Volatile.Write(ref _allocatedAtWarmUp, -1);
        Volatile.Write(ref _backupAllocatedAtWarmUp, -1);
        Volatile.Write(ref _callbacksSinceAttach, 0);
    }

    /// <summary>
    /// Audio thread, before a block: it started <paramref name="ticks"/> (Stopwatch ticks) behind its period's start
    /// (the null driver's schedule, JACK's: one period after the previous callback's start). Goes to the start-lateness histogram and to the next logged xrun.
    /// </summary>
    public void RecordStartLate(long ticks)
    {
        long us = Math.Max(0, ticks) * 1_000_000 / Stopwatch.Frequency;
        _startLateHistogram[Math.Min(us, Buckets - 1)]++;
        Volatile.Write(ref _lastStartLateUs, (int)Math.Min(us, int.MaxValue));
    }

    /// <summary>
    /// Audio thread: one callback of <paramref name="frames"/> frames, starting at stream position
    /// <paramref name="sample"/>, took <paramref name="ticks"/> (Stopwatch ticks). A callback longer than its period
    /// is a deadline miss, logged with its position and time.
    /// </summary>
    /// <param name="ticks">The callback's time, Stopwatch ticks.</param>
    /// <param name="frames">Its frames.</param>
    /// <param name="sample">Its stream position.</param>
    /// <param name="backupThread">
    /// The null driver's backup pacer rendered it (its allocation is counted on its own thread). The two pacers take
    /// turns through an interlocked claim, so the recording stays single-threaded.
    /// </param>
    public void RecordBlock(long ticks, int frames, long sample, bool backupThread = false)
    {
        Volatile.Write(ref _busyTicks, _busyTicks + ticks);
        long us = ticks * 1_000_000 / Stopwatch.Frequency;
        _histogram[Math.Min(us, Buckets - 1)]++;
        Volatile.Write(ref _lastBlockUs, (int)Math.Min(us, int.MaxValue));
        int sampleRate = _sampleRate;
        if (sampleRate > 0 && ticks * sampleRate > frames * Stopwatch.Frequency)
        {
            Interlocked.Increment(ref _deadlineMisses);
            Log(XrunSource.Deadline, sample);
        }

        long sinceAttach = _callbacksSinceAttach + 1;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        if (backupThread)
        {
            if (sinceAttach >= WarmUpCallbacks && _backupAllocatedAtWarmUp < 0)
            {
                _backupAllocatedAtWarmUp = allocated;
            }

            Volatile.Write(ref _backupAllocatedLast, allocated);
        }
        else
        {
            if (sinceAttach == WarmUpCallbacks || (sinceAttach > WarmUpCallbacks && _allocatedAtWarmUp < 0))
            {
                _allocatedAtWarmUp = allocated;
            }

            Volatile.Write(ref _allocatedLast, allocated);
        }

        _callbacksSinceAttach = sinceAttach;
        Volatile.Write(ref _callbacks, _callbacks + 1);
    }

    /// <summary>Any thread: an xrun at stream position <paramref name="sample"/> (the server's, or a late period).</summary>
    public void RecordXrun(XrunSource source, long sample)
    {
        Interlocked.Increment(ref _xruns);
        Log(source, sample);
    }

    /// <summary>Control thread: the logged xruns, oldest first (at most <see cref="XrunLogCapacity"/>, the most recent).</summary>
    public IReadOnlyList<XrunRecord> XrunLog()
    {
        long logged = Volatile.Read(ref _xrunsLogged);
        long first = Math.Max(0, logged - XrunLogCapacity);
        var records = new List<XrunRecord>((int)(logged - first));
        for (long i = first; i < logged; i++)
        {
            records.Add(_xrunLog[i % XrunLogCapacity]);
        }

        return records;
    }

    /// <summary>The block time (µs) below which <paramref name="fraction"/> of blocks fell.</summary>
    public double PercentileUs(double fraction) => Percentile(_histogram, fraction);

    public double MaxUs() => Max(_histogram);

    /// <summary>
    /// The start lateness (µs behind the period's start) below which <paramref name="fraction"/> of blocks fell; 0
    /// where the driver does not measure it.
    /// </summary>
    public double StartLatePercentileUs(double fraction) => Percentile(_startLateHistogram, fraction);

    public double StartLateMaxUs() => Max(_startLateHistogram);

    /// <summary>Blocks whose start lateness was measured.</summary>
    public long StartLateSamples()
    {
        long total = 0;
        foreach (long count in _startLateHistogram)
        {
            total += count;
        }

        return total;
    }

    private static double Percentile(long[] histogram, double fraction)
    {
        long total = 0;
        foreach (long count in histogram)
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
            seen += histogram[us];
            if (seen >= target)
            {
                return us;
            }
        }

        return Buckets - 1;
    }

    private static double Max(long[] histogram)
    {
        for (int us = Buckets - 1; us >= 0; us--)
        {
            if (histogram[us] > 0)
            {
                return us;
            }
        }

        return 0;
    }

    private void Log(XrunSource source, long sample)
    {
        // The audio thread and the server's xrun thread may log at once: each claims its own slot. A reader may
        // see a claimed slot a moment before it is written (the log is a report, not a synchronisation point).
        long slot = Interlocked.Increment(ref _xrunsLogged) - 1;
        long unixUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        _xrunLog[slot % XrunLogCapacity] = new XrunRecord(source, sample, unixUs, Volatile.Read(ref _lastStartLateUs), Volatile.Read(ref _lastBlockUs));
    }
}
