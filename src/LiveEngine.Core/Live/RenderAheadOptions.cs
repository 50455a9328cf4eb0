namespace LiveEngine.Live;

/// <summary>How far and in what blocks <see cref="LiveRenderer.StartRenderAhead"/> renders ahead of the device.</summary>
public sealed record RenderAheadOptions
{
    /// <summary>How far ahead of the device the deferred domain is rendered, in frames (repl.config <c>render_ahead_ms</c>, 100 ms by default).</summary>
    public int AheadFrames { get; init; } = 4_800;

    /// <summary>The deferred domain's block, in frames (repl.config <c>deferred_block_frames</c>, 1,024 by default); at most the session's <see cref="LiveSessionOptions.MaxBlockFrames"/>.</summary>
    public int DeferredBlockFrames { get; init; } = 1_024;

    /// <summary>The device's block, in frames: how far ahead a graph with a live node is rendered (one block).</summary>
    public int DeviceBlockFrames { get; init; } = 64;

    /// <summary>
    /// Whether the reader waits for the render-ahead thread when nothing is ready (an offline render, which has no
    /// deadline), instead of playing silence and counting an underrun (a device).
    /// </summary>
    public bool WaitWhenEmpty { get; init; }

    /// <summary>
    /// Runs on the render-ahead thread before each deferred block, with the block's stream position and frames: the
    /// hook for work that belongs to the deferred domain only (a GPU hand-off started a block ahead). It must allocate
    /// nothing, take no lock and return quickly; null: none.
    /// </summary>
    public Action<long, int>? BeforeDeferredBlock { get; init; }

    /// <summary>Runs first on the render-ahead thread (to give it a real-time priority below the audio thread's).</summary>
    public Action? ThreadStarted { get; init; }

    /// <summary>
    /// Called on the render-ahead thread around each deferred block (the GPU placement's one launch per block,
    /// <c>GpuConvolutionPlacement</c>), of a wholly deferred graph and of a split one; null: none.
    /// </summary>
    public IDeferredBlockHook? DeferredBlockHook { get; init; }

    /// <summary>Frames for <paramref name="milliseconds"/> at <paramref name="sampleRate"/>.</summary>
    public static int FramesFor(double milliseconds, int sampleRate) => (int)Math.Ceiling(milliseconds * sampleRate / 1000);
}
