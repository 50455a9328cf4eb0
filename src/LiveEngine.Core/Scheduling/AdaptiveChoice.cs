namespace LiveEngine.Scheduling;

/// <summary>
/// Decides from measurements whether a snapshot's blocks should run in parallel or serially. After a warm-up,
/// it times a window of blocks in each mode and runs the faster; the chosen mode's cost is then followed block
/// by block (a moving average), and every <see cref="ProbeInterval"/> blocks the other mode is timed again in a
/// fresh window, so a change of load or graph cost is noticed. A window's first half is not counted (the mode
/// warms up: woken workers, caches). Both modes render the same bits, so switching is inaudible. Audio thread only.
/// </summary>
internal struct AdaptiveChoice
{
    /// <summary>Blocks in a measuring window.</summary>
    public const int WindowBlocks = 16;

    /// <summary>Blocks between probes of the mode not chosen.</summary>
    public const int ProbeInterval = 2048;

    // Parallel must win by this factor to be chosen: it costs the other cores' time, so a tie goes serial.
    private const double ParallelMargin = 0.9;
    private const double Alpha = 0.05;

    private long _blocks;
    private double _serialTicksPerFrame;
    private double _parallelTicksPerFrame;
    private double _windowSum;
    private int _windowCount;

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

        return _blocks % ProbeInterval < WindowBlocks ? !Serial : Serial;
    }

    public void Record(bool serial, double ticksPerFrame)
    {
        long block = _blocks++;
        bool probing = block < 3 * WindowBlocks ? block >= WindowBlocks : block % ProbeInterval < WindowBlocks;
        if (!probing)
        {
            // The chosen mode, followed continuously.
            if (block >= 3 * WindowBlocks)
            {
                ref double chosen = ref serial ? ref _serialTicksPerFrame : ref _parallelTicksPerFrame;
                chosen += Alpha * (ticksPerFrame - chosen);
                Decide();
            }

            return;
        }

        int position = (int)(block % WindowBlocks);
        if (position >= WindowBlocks / 2)
        {
            _windowSum += ticksPerFrame;
            _windowCount++;
        }

        if (position == WindowBlocks - 1)
        {
            // The window replaces that mode's estimate outright: an old estimate may come from cold code.
            ref double estimate = ref serial ? ref _serialTicksPerFrame : ref _parallelTicksPerFrame;
            estimate = _windowSum / _windowCount;
            _windowSum = 0;
            _windowCount = 0;
            if (block >= (3 * WindowBlocks) - 1)
            {
                Decide();
            }
        }
    }

    private void Decide() => Serial = _parallelTicksPerFrame >= _serialTicksPerFrame * ParallelMargin;
}
