namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// One pipelined spectral node placed on an <see cref="ISpectralOffload"/>. Its frames are numbered in hop order; the
/// node submits the frames analysed inside a deferred block, the offload computes every submitted frame from the
/// node's oldest pending one on (from the node's host state) in the launch after the block, and the node collects
/// them before they are due. Frames the offload did not compute (no launch came, it failed or was late, the node was
/// released) the node computes itself, in order, with the same result.
/// </summary>
public interface IOffloadedSpectralNode
{
    /// <summary>Render thread, at a hop: whether to submit this frame (false: outside a deferred block, failed, released).</summary>
    bool Accepting { get; }

    /// <summary>Render thread: the frames up to sequence number <paramref name="through"/> wait for a launch.</summary>
    void Submit(long through);

    /// <summary>
    /// Render thread: when the offload computed the frames from <paramref name="head"/> (the oldest pending) on, writes
    /// their synthesised spectra into the pipeline's result slots and the node's state after the last of them into
    /// the node, and returns the last one's sequence number; else changes nothing and returns <paramref name="head"/> − 1.
    /// </summary>
    long TryCollect(long head);

    /// <summary>Control thread: the node no longer uses the offload (it was replaced); nothing is collected from now on.</summary>
    void Release();
}
