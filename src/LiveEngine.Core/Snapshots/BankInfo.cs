namespace LiveEngine.Snapshots;

/// <summary>One voice bank of a snapshot, for display (<c>:graph</c>, <c>bench</c>) and tests.</summary>
/// <param name="Name">The bank kind, e.g. "saw>rlpf>gain>pan".</param>
/// <param name="Job">The bank's job index.</param>
/// <param name="LaneNodes">LaneNodes[lane][stage]: node indices of each lane, in lane order.</param>
/// <param name="ConsumerNode">The node whose input the bank's sum feeds.</param>
public sealed record BankInfo(string Name, int Job, int[][] LaneNodes, int ConsumerNode)
{
    public int LaneCount => LaneNodes.Length;
}
