namespace LiveEngine.Scheduling;

/// <summary>
/// Decides from measurements whether a snapshot's blocks should run in parallel or serially. It times blocks
/// in both modes (ticks per frame, as a moving average), runs the faster, and re-probes the slower mode for a
/// few blocks every <see cref="ProbeInterval"/> blocks so that a change in load or graph cost is noticed.
/// Both modes render the same bits, so switching is inaudible. Audio thread only.
/// </summary>
internal struct AdaptiveChoice
{
    /// <summary>Blocks timed in each mode before the first choice, and in each later probe.</summary>
    public const int ProbeBlocks = 16;

    /// <summary>Blocks between probes of the mode not chosen.</summary>
    public const int ProbeInterval = 2048;

    // Parallel must win by this factor to be chosen: it costs the other cores' time, so a tie goes serial.
    private const double ParallelMargin = 0.9;
    private const double Alpha = 0.2;

    private long _blocks;
    private double _serialTicksPerFrame;
    private double _parallelTicksPerFrame;

    /// <summary>The mode chosen by the latest comparison.</summary>
    public bool Serial { get; private set; }

    /// <summary>The mode of the next block: the chosen one, except while probing.</summary>
    public bool NextBlockSerial()
    {
        long phase = _blocks % ProbeInterval;
        if (_blocks < 2 * ProbeBlocks)
        {
            // Start-up: parallel first (warms the workers), then serial.
            return _blocks >= ProbeBlocks;
        }

        return phase < ProbeBlocks ? !Serial : Serial;
    }

    public void Record(bool serial, double ticksPerFrame)
    {
        ref double average = ref serial ? ref _serialTicksPerFrame : ref _parallelTicksPerFrame;
        average = average == 0 ? ticksPerFrame : average + (Alpha * (ticksPerFrame - average));
        _blocks++;
        if (_blocks >= 2 * ProbeBlocks)
        {
            Serial = _parallelTicksPerFrame >= _serialTicksPerFrame * ParallelMargin;
        }
    }
}
