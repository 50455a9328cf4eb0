namespace LiveEngine.Nodes;

/// <summary>Roles a node type plays in graph compilation.</summary>
[Flags]
public enum NodeTypeFlags
{
    None = 0,

    /// <summary>
    /// The node delays its input by at least one block, so an edge into it does not make a dependency
    /// within the block: the only way to feed back. The node must derive from <see cref="FeedbackBoundaryNode"/>.
    /// </summary>
    FeedbackBoundary = 1,

    /// <summary>The graph's output: its input channels are what a host plays or writes. At most one per graph.</summary>
    GraphOutput = 2,

    /// <summary>
    /// Process may run for an unbounded time (user code): the parallel executor's watchdog guards its jobs. The
    /// built-in types do bounded work and are not guarded, which spares every job an atomic operation.
    /// </summary>
    Untrusted = 4,

    /// <summary>
    /// The node answers to the present: it reads live input (an audio input, a sensor). It and everything downstream of
    /// it belong to the real-time domain and are never rendered ahead (docs/scheduler.md, "Render-ahead").
    /// </summary>
    LiveInput = 8,

    /// <summary>
    /// The node would rather run in the deferred (render-ahead) domain: it has latency to hide or runs elsewhere (a GPU
    /// job). The hook for domain placement; a node pinned live (option <c>live = on</c>) or fed by a live node still runs live.
    /// </summary>
    PrefersDeferred = 16,
}
