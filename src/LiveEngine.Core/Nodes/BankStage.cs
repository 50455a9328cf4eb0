namespace LiveEngine.Nodes;

/// <summary>
/// One stage of a <see cref="BankDescriptor"/>'s chain: a node of any of <see cref="Types"/> (matched by descriptor
/// identity), repeated 1 to <see cref="MaxRepeat"/> times in a row (a run of biquads). Lanes of one bank always have
/// the same number of nodes per stage; the types may differ between lanes where the bank's kernel allows it.
/// </summary>
/// <param name="Types">The node types this stage accepts.</param>
/// <param name="MaxRepeat">How many nodes in a row the stage may take, at least 1.</param>
/// <param name="AllowsOptions">
/// Whether its nodes may carry options (a sampler's <c>sample</c>), which may then differ between lanes: for a stage
/// the bank runs through its own node, lane by lane. The opt-out <c>bank = off</c> still keeps a node out.
/// </param>
public sealed record BankStage(IReadOnlyList<NodeTypeDescriptor> Types, int MaxRepeat = 1, bool AllowsOptions = false)
{
    public bool Accepts(NodeTypeDescriptor type)
    {
        // Indexed, not foreach: an interface's enumerator is an allocation, and the bank planner asks every node.
        for (int i = 0; i < Types.Count; i++)
        {
            if (ReferenceEquals(Types[i], type))
            {
                return true;
            }
        }

        return false;
    }
}
