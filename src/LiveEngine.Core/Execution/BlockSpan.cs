namespace LiveEngine.Execution;

/// <summary>
/// One block as the render thread ran it (a segment, where a commit split the device's block): its number in the
/// timeline, <see cref="Start"/> to <see cref="End"/> in <see cref="System.Diagnostics.Stopwatch"/> ticks, its frames,
/// and whether it ran on worker 0 alone (the serial executor, or the parallel one's adaptive serial path).
/// </summary>
public readonly record struct BlockSpan(long Block, long Start, long End, int Frames, bool Serial);
