namespace LiveEngine.Scheduling;

/// <summary>
/// Decides from measurements whether a snapshot's blocks should run in parallel or serially. After a warm-up,
/// it times a window of blocks in each mode and runs the faster; the chosen mode's cost is then followed block
/// by block (a moving average), and every <see cref="ProbeInterval"/> blocks the other mode is timed again in a
/// fresh window, so a change of load or graph cost is noticed. A window's first half is not counted (the mode
/// warms up: woken workers, caches), and its second half counts by its median, so one block in which the thread
/// was preempted (milliseconds, against microseconds of work) cannot decide the mode. Both modes render the same
/// bits, so switching is inaudible. Audio thread only.
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
    private WindowSamples _window;
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

                // A preempted block (milliseconds) counts as at most 4× the estimate: a real change of cost still
                // moves it within a few blocks, one outlier no longer flips the mode until the next probe.
                double sample = chosen > 0 ? Math.Min(ticksPerFrame, 4 * chosen) : ticksPerFrame;
                chosen += Alpha * (sample - chosen);
                Decide();
            }

            return;
        }

        int position = (int)(block % WindowBlocks);
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
                Decide();
            }
        }
    }

    private void Decide() => Serial = _parallelTicksPerFrame >= _serialTicksPerFrame * ParallelMargin;

    /// <summary>The counted half of a window, inline in the struct (nothing to allocate on the audio thread).</summary>
    [System.Runtime.CompilerServices.InlineArray(WindowBlocks / 2)]
    private struct WindowSamples
    {
        private double _first;
    }
}
