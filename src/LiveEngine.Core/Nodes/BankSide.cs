namespace LiveEngine.Nodes;

/// <summary>
/// A source node that feeds a chain stage of a <see cref="BankDescriptor"/> on another port than the chain's own
/// (an envelope into a VCA's cv): a node of one of <see cref="Types"/> with no inputs, whose only edge goes from its
/// output port 0 to input port <see cref="IntoPort"/> of chain stage <see cref="IntoStage"/>.
/// </summary>
/// <param name="Types">The node types accepted.</param>
/// <param name="IntoStage">Index of the chain stage it feeds (a stage with <see cref="BankStage.MaxRepeat"/> 1).</param>
/// <param name="IntoPort">The input port of that stage, not 0 (port 0 carries the chain).</param>
public sealed record BankSide(IReadOnlyList<NodeTypeDescriptor> Types, int IntoStage, int IntoPort);
