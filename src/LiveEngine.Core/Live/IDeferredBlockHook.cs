namespace LiveEngine.Live;

/// <summary>
/// Work that belongs to the deferred domain and runs between its blocks (the GPU placement's one accelerator launch per
/// deferred block, <c>LiveEngine.Gpu.GpuConvolutionPlacement</c>). Render-ahead thread only; both members allocate
/// nothing and never throw.
/// </summary>
public interface IDeferredBlockHook
{
    /// <summary>
    /// Before a deferred block: true to render it now; false puts it off (the work started after the last block, a
    /// launch, still runs and this block's nodes would collect it). The live pass of a split graph goes on meanwhile, and
    /// the deferred pass asks again at the render-ahead thread's next wake-up (the device's next read).
    /// </summary>
    bool TryBeginDeferredBlock();

    /// <summary>
    /// After a deferred block. <paramref name="split"/>: the graph is split into live and deferred jobs, so the live pass
    /// renders next, device block by device block, and must not wait: start the work and return. Otherwise (a wholly
    /// deferred graph) the hook may wait for it, up to its own time limit.
    /// </summary>
    void DeferredBlockRendered(bool split);
}
