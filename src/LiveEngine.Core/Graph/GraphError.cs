namespace LiveEngine.Graph;

/// <summary>What kind of mistake a graph description holds.</summary>
public enum GraphErrorKind
{
    DuplicateNodeId,
    UnknownNodeType,
    UnknownNode,
    UnknownParameter,
    ParameterOutOfRange,
    InvalidChannelCount,
    UnknownPort,
    PortMismatch,
    Cycle,
    MultipleOutputs,

    /// <summary>Reported by an engine in another process; the message is its validator's, which says what.</summary>
    Engine,

    /// <summary>Admission control refused the graph: its predicted block time is over the limit (the message names its costliest nodes).</summary>
    OverBudget,

    /// <summary>A node refused its options or parameters when it was prepared (a bad <c>gpu</c> or <c>mode</c> value); the message is the node's own.</summary>
    InvalidOption,
}

/// <summary>One mistake in a graph description; the message names the nodes, ports or parameters involved.</summary>
public sealed record GraphError(GraphErrorKind Kind, string Message)
{
    public override string ToString() => Message;
}
