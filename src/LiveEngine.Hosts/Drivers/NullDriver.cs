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

    // The backup pacer wakes this fraction of a period after the period's start.
    private const int BackupDelayDivisor = 8;

    private readonly LiveRenderer _renderer;
    private readonly int _blockFrames;
    private readonly int _sampleRate;
    private readonly int _realTimePriority;
    private readonly AudioCpuIsolation? _pacers;
    private readonly Thread _thread;
    private readonly Thread? _backup;
    private readonly ManualResetEventSlim _started = new();
    private readonly ManualResetEventSlim _backupStarted = new();
    private volatile bool _stopping;

    // Shared by the pacers (Pace): the claim word and the open period's start (Stopwatch ticks).
    private long _turn;
    private long _nextStart;
    private long _backupBlocks;

    private NullDriver(LiveRenderer renderer, int sampleRate, int blockFrames, BlockTimeStats stats, int realTimePriority, AudioCpuIsolation? pacers, bool backupPacer)
    {
        _pacers = pacers;
        _renderer = renderer;
        _sampleRate = sampleRate;
        _blockFrames = blockFrames;
        _realTimePriority = realTimePriority;
        Stats = stats;
        _thread = new Thread(Run) { IsBackground = true, Name = "liveengine null driver", Priority = ThreadPriority.Highest };
        _backup = backupPacer ? new Thread(RunBackup) { IsBackground = true, Name = "liveengine null backup", Priority = ThreadPriority.Highest } : null;
        _nextStart = Stopwatch.GetTimestamp();
    }

    public string Name => "null";

    public BlockTimeStats Stats { get; }

    /// <summary>The pacing thread's scheduling: SCHED_FIFO where granted, else why not.</summary>
    public RealTimeResult RealTime { get; private set; }

    /// <summary>Where the pacing thread runs: on the audio CPUs of an <see cref="AudioCpuIsolation"/> (or why not); not granted without one.</summary>
    public RealTimeResult Placement { get; private set; }

    /// <summary>The backup pacer's scheduling and CPUs, in words (not granted: none, or not at real-time priority on its own CPUs).</summary>
    public RealTimeResult BackupPacer { get; private set; } = new(false, "no backup pacer");

    /// <summary>Whether a backup pacer runs (asked for, and two CPUs to run on).</summary>
    public bool HasBackupPacer => _backup is not null;

    /// <summary>Blocks the backup pacer rendered because the main pacing thread was late for them.</summary>
    public long BackupBlocks => Interlocked.Read(ref _backupBlocks);

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
    /// <param name="backupPacer">
    /// Start a second pacing thread on other CPUs than the first (<paramref name="isolation"/>'s other CPUs; without
    /// one, the first runs on the last CPU this process may use and the backup on the rest), which renders a period
    /// the first has not started a little after its start. Needs two CPUs; with one it is not started.
    /// </param>
    public static NullDriver Start(LiveRenderer renderer, int sampleRate, int blockFrames, BlockTimeStats? stats = null, int realTimePriority = 0, AudioCpuIsolation? isolation = null, bool backupPacer = false)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockFrames, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockFrames, renderer.MaxBlockFrames);
        // Compile the render path now, not in the first real-time callbacks.
        renderer.WarmUp();
        stats ??= new BlockTimeStats();
        // A block longer than its period is a deadline miss here too (besides the late period it makes): a block that
        // started on time and ran long tells a stall inside the render from a late wake-up.
        stats.SampleRate = sampleRate;
        stats.AttachThread();
        AudioCpuIsolation? pacers = isolation;
        if (backupPacer && pacers is null)
        {
            IReadOnlyList<int> cpus = AudioCpuIsolation.ProcessCpus();
            pacers = cpus.Count >= 2 ? AudioCpuIsolation.Parse(cpus[^1].ToString(System.Globalization.CultureInfo.InvariantCulture), cpus) : null;
        }

        var driver = new NullDriver(renderer, sampleRate, blockFrames, stats, realTimePriority, pacers, backupPacer && pacers is not null);
        driver._thread.Start();
        driver._started.Wait();
        return driver;
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        _backup?.Join();
        _started.Dispose();
        _backupStarted.Dispose();
    }

    private void Run()
    {
        RealTime = _realTimePriority > 0
            ? RealTimeThread.TryPromoteCurrentThread(_realTimePriority)
            : new RealTimeResult(false, "normal priority (none asked for)");
        Placement = _pacers?.TryAddCurrentThread() ?? new RealTimeResult(false, "any CPU");
        MonotonicSleep.TrySetFineTimerSlack();
        if (_backup is not null)
        {
            // Started from here, so that it inherits this thread's real-time setup before it moves to its own CPUs;
            // waited for, so that BackupPacer says what it got when Start returns.
            _backup.Start();
            _backupStarted.Wait();
        }

        _started.Set();
        Pace(backup: false);
    }

    private void RunBackup()
    {
        RealTimeResult priority = _realTimePriority > 0
            ? RealTimeThread.TryPromoteCurrentThread(_realTimePriority)
            : new RealTimeResult(false, "normal priority");
        RealTimeResult placement = _pacers!.TryMoveCurrentThreadToOtherCpus();
        BackupPacer = new RealTimeResult(priority.Granted && placement.Granted, $"backup pacer {priority.Description}, {placement.Description}");
        MonotonicSleep.TrySetFineTimerSlack();
        _backupStarted.Set();
        Pace(backup: true);
    }

    /// <summary>
    /// One pacer's loop. Design: the periods are claimed through <see cref="_turn"/> (even: no block rendering, the
    /// period starting at <see cref="_nextStart"/> open; odd: a block rendering), so that with a backup pacer exactly
    /// one thread renders each block, in order. The main pacer sleeps until just before the period and spins the rest;
    /// the backup sleeps until a little after it (<see cref="BackupDelayDivisor"/>), on another CPU, and renders only a
    /// period still unclaimed then: on a virtual machine whose host takes one CPU away for a few milliseconds, the
    /// block starts on the other instead of waiting for the taken CPU to come back (docs/audio.md, "Late periods").
    /// </summary>
    private void Pace(bool backup)
    {
        long period = Stopwatch.Frequency * _blockFrames / _sampleRate;
        long guard = Stopwatch.Frequency / 100_000;
        long maxMargin = period / 4;
        long backupDelay = period / BackupDelayDivisor;
        long wakeLate = Stopwatch.Frequency / 20_000;
        while (!_stopping)
        {
            // Acquire: the open period's start was written before the turn that opened it.
            long turn = Volatile.Read(ref _turn);
            long start = Volatile.Read(ref _nextStart);
            long now = Stopwatch.GetTimestamp();
            if ((turn & 1) != 0)
            {
                // The other pacer is rendering the block that started at `start`: wait for the next period (a short
                // nap while it catches up on periods already due).
                long next = start + period + (backup ? backupDelay : -Math.Min(wakeLate + guard, maxMargin));
                MonotonicSleep.Sleep(Math.Max(next - now, period / 16));
                continue;
            }

            if (backup)
            {
                if (now < start + backupDelay)
                {
                    MonotonicSleep.Sleep(start + backupDelay - now);
                    continue;
                }
            }
            else
            {
                // Sleep until the kernel's usual lateness (plus a guard) before the period, then spin the rest: the
                // spin costs about the guard per period, where a fixed margin would spin its whole width on a machine
                // whose timers wake early enough. The estimate follows a low quantile of the lateness (down fast, up
                // slowly): on a loaded machine the odd late wake-up costs a little jitter, not a margin spun every period.
                long wake = start - Math.Min(wakeLate + guard, maxMargin);
                if (wake > now)
                {
                    MonotonicSleep.Sleep(wake - now);
                    long late = Math.Clamp(Stopwatch.GetTimestamp() - wake, 0, maxMargin);
                    wakeLate += late < wakeLate ? (late - wakeLate) / 4 : (late - wakeLate) / 32;
                }

                while (Stopwatch.GetTimestamp() < start && Volatile.Read(ref _turn) == turn)
                {
                    Thread.SpinWait(20);
                }
            }

            // Claim the period (full fence); the other pacer took it if this fails.
            if (Interlocked.CompareExchange(ref _turn, turn + 1, turn) != turn)
            {
                continue;
            }

            // How late this block starts behind its place in the schedule: the wake-up's lateness (or a catch-up
            // block's), which a late period's record keeps beside the block's own time.
            Stats.RecordStartLate(Stopwatch.GetTimestamp() - start);
            unsafe
            {
                RendererPump.Pump(_renderer, null, _blockFrames, Stats, backup);
            }

            long end = Stopwatch.GetTimestamp();
            long deadline = start + period;
            if (backup)
            {
                Interlocked.Increment(ref _backupBlocks);
            }

            if (end > deadline)
            {
                // Missed the period: count it. Up to CatchUpPeriods behind, keep the schedule (the next blocks start
                // at once), so a late wake-up on a busy machine loses no time; further behind (a stall), start the
                // schedule again from now rather than racing through a long burst.
                Stats.RecordXrun(XrunSource.LatePeriod, _renderer.Position);
                deadline = end - deadline < CatchUpPeriods * period ? deadline : end;
            }

            // Release: the next period's start before the turn that opens it.
            Volatile.Write(ref _nextStart, deadline);
            Volatile.Write(ref _turn, turn + 2);
        }
    }
}
