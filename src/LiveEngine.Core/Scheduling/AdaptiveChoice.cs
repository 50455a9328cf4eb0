namespace LiveEngine.Scheduling;

/// <summary>
/// Decides from measurements whether a snapshot's blocks should run in parallel or serially. After a warm-up,
/// it times a window of blocks in each mode and runs the faster; the chosen mode's cost is then followed block
/// by block (a moving average), and the other mode is timed again in a fresh window now and then (a probe), so a
/// change of load or graph cost is noticed. A window's first half is not counted (the mode warms up: woken
/// workers, caches), and its second half counts by its median, so one block in which the thread was preempted
/// (milliseconds, against microseconds of work) cannot decide the mode. Both modes render the same bits, so
/// switching is inaudible. Audio thread only.
/// </summary>
/// <remarks>
/// Only a window decides. When the moving average says the other mode has become the faster, that mode is probed
/// at once (a window, at least <see cref="MinProbeGap"/> blocks after the last) rather than switched to for single
/// blocks: a single parallel block after serial ones pays for waking the parked workers, counted as its cost, so
/// flips of one block kept a graph that two threads render twice as fast serial for thousands of blocks (the
/// whole-process render of <c>voices-1024</c> on two threads: 99 % of its blocks serial at load, 13 % in a run
/// under <c>chrt</c> whose first comparison fell in start-up noise). Probes come soon after a decision and then
/// ever further apart while they confirm it (<see cref="MinProbeGap"/> doubling up to <see cref="ProbeInterval"/>),
/// so a comparison that start-up disturbed (the warm-up thread, the runtime's tier-up, a worker still waking) is
/// redone within a few hundred blocks, and a settled choice costs as little as before.
/// </remarks>
internal struct AdaptiveChoice
{
    /// <summary>Blocks in a measuring window.</summary>
    public const int WindowBlocks = 16;

    /// <summary>The most blocks between probes of the mode not chosen (once a choice has been confirmed again and again).</summary>
    public const int ProbeInterval = 2048;

    /// <summary>The fewest blocks between the end of one window and the start of the next: the gap after a decision that changed the mode.</summary>
    public const int MinProbeGap = 64;

    // Parallel must win by this factor to be chosen: it costs the other cores' time, so a tie goes serial.
    private const double ParallelMargin = 0.9;
    private const double Alpha = 0.05;

    private long _blocks;
    private double _serialTicksPerFrame;
    private double _parallelTicksPerFrame;
    private WindowSamples _window;
    private int _windowCount;

    // The next probe's first block (after the start-up windows), the gap that led to it, and the earliest block a
    // probe may start at (MinProbeGap after the last window).
    private long _probeStart;
    private long _probeGap;
    private long _earliestProbe;

    // The end of the run of blocks in one mode under way (StartRun), or a block already past.
    private long _runEnd;

    /// <summary>The mode chosen by the latest comparison.</summary>
    public bool Serial { get; private set; }

    /// <summary>The mode of the next block.</summary>
    public readonly bool NextBlockSerial()
    {
        // Start-up: a parallel warm-up window (not counted), a serial window, a parallel window.
        if (_blocks < 3 * WindowBlocks)
        {
            return _blocks / WindowBlocks == 1;
        }

        return InProbe(_blocks) ? !Serial : Serial;
    }

    /// <summary>
    /// Starts a run of up to <paramref name="maxBlocks"/> blocks rendered in one mode (a superblock,
    /// <see cref="ParallelExecutor.ProcessBlocks"/>, mode <see cref="NextBlockSerial"/>) and returns its length: it ends
    /// where a window starts or ends, and no probe that the moving average calls in starts before it ends, so that no
    /// window measures blocks of the other mode. At least 1.
    /// </summary>
    public int StartRun(int maxBlocks)
    {
        long end = _blocks < 3 * WindowBlocks ? (_blocks / WindowBlocks * WindowBlocks) + WindowBlocks
            : InProbe(_blocks) ? _probeStart + WindowBlocks
            : _probeStart > _blocks ? _probeStart
            : long.MaxValue;
        int run = (int)Math.Clamp(end - _blocks, 1, Math.Max(1, maxBlocks));
        _runEnd = _blocks + run;
        return run;
    }

    public void Record(bool serial, double ticksPerFrame)
    {
        long block = _blocks++;
        bool probing = block < 3 * WindowBlocks ? block >= WindowBlocks : InProbe(block);
        if (!probing)
        {
            // The chosen mode, followed continuously.
            if (block >= 3 * WindowBlocks)
            {
                ref double chosen = ref serial ? ref _serialTicksPerFrame : ref _parallelTicksPerFrame;

                // A preempted block (milliseconds) counts as at most 4× the estimate: a real change of cost still
                // moves it within a few blocks, one outlier no longer flips the mode until the next probe.
                double sample = chosen > 0 ? Math.Min(ticksPerFrame, 4 * chosen) : ticksPerFrame;
                chosen += Alpha * (sample - chosen);
                if (SerialIsFaster() != Serial)
                {
                    // The other mode looks faster now: measure it in a window soon, rather than switching to it.
                    _probeStart = Math.Min(_probeStart, Math.Max(Math.Max(block + 1, _runEnd), _earliestProbe));
                }
            }

            return;
        }

        long windowStart = block < 3 * WindowBlocks ? block / WindowBlocks * WindowBlocks : _probeStart;
        int position = (int)(block - windowStart);
        if (position >= WindowBlocks / 2)
        {
            _window[_windowCount++] = ticksPerFrame;
        }

        if (position == WindowBlocks - 1)
        {
            // The window replaces that mode's estimate outright: an old estimate may come from cold code.
            ref double estimate = ref serial ? ref _serialTicksPerFrame : ref _parallelTicksPerFrame;
            Span<double> samples = ((Span<double>)_window)[.._windowCount];
            samples.Sort();
            estimate = (samples[(_windowCount - 1) / 2] + samples[_windowCount / 2]) / 2;
            _windowCount = 0;
            if (block >= (3 * WindowBlocks) - 1)
            {
                bool before = Serial;
                Serial = SerialIsFaster();

                // A probe that confirmed the choice: the next comes twice as far off; a new choice is checked soon.
                bool confirmed = block > (3 * WindowBlocks) - 1 && Serial == before;
                _probeGap = confirmed ? Math.Min(2 * Math.Max(_probeGap, MinProbeGap), ProbeInterval) : MinProbeGap;
                _probeStart = block + 1 + _probeGap;
                _earliestProbe = block + 1 + MinProbeGap;
            }
        }
    }

    private readonly bool InProbe(long block) => block >= _probeStart && block < _probeStart + WindowBlocks;

    private readonly bool SerialIsFaster() => _parallelTicksPerFrame >= _serialTicksPerFrame * ParallelMargin;

    /// <summary>The counted half of a window, inline in the struct (nothing to allocate on the audio thread).</summary>
    [System.Runtime.CompilerServices.InlineArray(WindowBlocks / 2)]
    private struct WindowSamples
    {
        private double _first;
    }
}
