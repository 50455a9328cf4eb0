namespace LiveEngine.Nodes;

/// <summary>
/// A node that breaks a cycle: it runs as two jobs per block. <see cref="AudioNode.Process"/> produces the
/// outputs from state written in earlier blocks and has no inputs; <see cref="ProcessWrite"/> consumes the
/// inputs and has no outputs. Nothing orders the two within a block, so the output of a block must not
/// depend on the input of the same block.
/// </summary>
public abstract class FeedbackBoundaryNode : AudioNode
{
    /// <summary>Consumes one block of input. Audio path only: allocation-free, never throws.</summary>
    public abstract void ProcessWrite(in ProcessContext context);
}
