namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// A voice bank that holds the state of a lane's nodes in its own structure-of-arrays memory while it plays them
/// (so that it does not read and write every node every block). A node that a bank owns names it; whoever else
/// needs the node's state (the node rendering alone, another bank, a new instance adopting it) asks the owner for it
/// first.
/// </summary>
internal interface IBankLaneOwner
{
    /// <summary>
    /// Writes the lane's state into those of its nodes this bank still owns and gives them up, so that the nodes
    /// (or another bank) carry on from exactly there; the bank takes its lanes back from their nodes the next time it
    /// plays. Audio path only, for a consumer in a later snapshot than the bank's (never while the bank renders).
    /// </summary>
    void Release(int lane);

    /// <summary>
    /// Writes the lane's state into its nodes without giving them up: for <c>Prepare</c> of a new instance that adopts
    /// a node's state on the control thread while the bank may still play (a read as racy as reading the node
    /// directly, which the bank no longer writes every block).
    /// </summary>
    void CopyToNodes(int lane);
}
