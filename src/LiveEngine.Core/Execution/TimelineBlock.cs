namespace LiveEngine.Execution;

/// <summary>
/// One block of a <see cref="TimelineReading"/>: its span in nanoseconds from the reading's first block, its frames, and
/// its deadline (the frames' real-time duration). A block that took longer than its deadline is <see cref="Late"/>.
/// </summary>
public readonly record struct TimelineBlock(long Block, double StartNs, double EndNs, int Frames, double DeadlineNs, bool Serial)
{
    /// <summary>The block took longer than its frames last: with a driver at this block size, an xrun.</summary>
    public bool Late => EndNs - StartNs > DeadlineNs;
}
