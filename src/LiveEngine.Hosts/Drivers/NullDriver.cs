using System.Diagnostics;
using LiveEngine.Hosts.RealTime;
using LiveEngine.Live;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// A driver for machines without audio: a dedicated thread renders one block per period of real time and
/// throws the samples away, so a performance behaves as with a sound card (time passes at the real rate, late
/// blocks are counted as xruns) without one. The thread sleeps (<see cref="MonotonicSleep"/>, to the nanosecond on
/// Linux) until shortly before each deadline and spins the rest of the way, so blocks start on time without
/// burning a core between them: the margin follows how late the kernel actually wakes the thread. With a
/// real-time priority the thread asks for SCHED_FIFO and keeps its normal priority where that is refused
/// (<see cref="RealTime"/> says which).
/// </summary>
public sealed class NullDriver : IAudioDriver
{
    // How far behind its schedule the driver may fall and still catch up, in periods.
    private const int CatchUpPeriods = 4;

    private readonly LiveRenderer _renderer;
    private readonly int _blockFrames;
    private readonly int _sampleRate;
    private readonly int _realTimePriority;
    private readonly AudioCpuIsolation? _isolation;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _started = new();
    private volatile bool _stopping;

    private NullDriver(LiveRenderer renderer, int sampleRate, int blockFrames, BlockTimeStats stats, int realTimePriority, AudioCpuIsolation? isolation)
    {
        _isolation = isolation;
        _renderer = renderer;
        _sampleRate = sampleRate;
        _blockFrames = blockFrames;
        _realTimePriority = realTimePriority;
        Stats = stats;
        _thread = new Thread(Run) { IsBackground = true, Name = "liveengine null driver", Priority = ThreadPriority.Highest };
    }

    public string Name => "null";

    public BlockTimeStats Stats { get; }

    /// <summary>The pacing thread's scheduling: SCHED_FIFO where granted, else why not.</summary>
    public RealTimeResult RealTime { get; private set; }

    /// <summary>Where the pacing thread runs: on the audio CPUs of an <see cref="AudioCpuIsolation"/> (or why not); not granted without one.</summary>
    public RealTimeResult Placement { get; private set; }

    /// <summary>Never: no server can go away.</summary>
    public bool IsShutDown => false;

    public int SampleRate => _sampleRate;

    public int BufferFrames => _blockFrames;

    /// <param name="renderer">The session's audio side.</param>
    /// <param name="sampleRate">Frames per second of real time.</param>
    /// <param name="blockFrames">Frames per period.</param>
    /// <param name="stats">Where the measurements go (shared by drivers that replace one another); null: a new one.</param>
    /// <param name="realTimePriority">SCHED_FIFO priority for the pacing thread (1..99), or 0 for a normal thread.</param>
    /// <param name="isolation">Run the pacing thread on these audio CPUs (null: wherever the OS puts it).</param>
    public static NullDriver Start(LiveRenderer renderer, int sampleRate, int blockFrames, BlockTimeStats? stats = null, int realTimePriority = 0, AudioCpuIsolation? isolation = null)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockFrames, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockFrames, renderer.MaxBlockFrames);
        // Compile the render path now, not in the first real-time callbacks.
        renderer.WarmUp();
        stats ??= new BlockTimeStats();
        stats.SampleRate = 0;
        stats.AttachThread();
        var driver = new NullDriver(renderer, sampleRate, blockFrames, stats, realTimePriority, isolation);
        driver._thread.Start();
        driver._started.Wait();
        return driver;
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        _started.Dispose();
    }

    private void Run()
    {
        RealTime = _realTimePriority > 0
            ? RealTimeThread.TryPromoteCurrentThread(_realTimePriority)
            : new RealTimeResult(false, "normal priority (none asked for)");
        Placement = _isolation?.TryAddCurrentThread() ?? new RealTimeResult(false, "any CPU");
        MonotonicSleep.TrySetFineTimerSlack();
        _started.Set();
        long period = Stopwatch.Frequency * _blockFrames / _sampleRate;
        long guard = Stopwatch.Frequency / 100_000;
        long maxMargin = period / 4;
        long wakeLate = Stopwatch.Frequency / 20_000;
        long deadline = Stopwatch.GetTimestamp() + period;
        while (!_stopping)
        {
            // How late this block starts behind its place in the schedule: the wake-up's lateness (or a catch-up
            // block's), which a late period's record keeps beside the block's own time.
            Stats.RecordStartLate(Stopwatch.GetTimestamp() - (deadline - period));
            unsafe
            {
                RendererPump.Pump(_renderer, null, _blockFrames, Stats);
            }

            long end = Stopwatch.GetTimestamp();
            if (end > deadline)
            {
                // Missed the period: count it. Up to CatchUpPeriods behind, keep the schedule (the next blocks start
                // at once), so a late wake-up on a busy machine loses no time; further behind (a stall), start the
                // schedule again from now rather than racing through a long burst.
                Stats.RecordXrun(XrunSource.LatePeriod, _renderer.Position);
                deadline = end - deadline < CatchUpPeriods * period ? deadline + period : end + period;
                continue;
            }

            // Sleep until the kernel's usual lateness (plus a guard) before the deadline, then spin the rest: the
            // spin costs about the guard per period, where a fixed margin would spin its whole width on a machine
            // whose timers wake early enough. The estimate follows a low quantile of the lateness (down fast, up
            // slowly): on a loaded machine the odd late wake-up costs a little jitter, not a margin spun every period.
            long wake = deadline - Math.Min(wakeLate + guard, maxMargin);
            if (wake > end)
            {
                MonotonicSleep.Sleep(wake - end);
                long late = Math.Clamp(Stopwatch.GetTimestamp() - wake, 0, maxMargin);
                wakeLate += late < wakeLate ? (late - wakeLate) / 4 : (late - wakeLate) / 32;
            }

            while (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(20);
            }

            deadline += period;
        }
    }
}
