namespace LiveEngine.Commands;

/// <summary>
/// Admits the node classes of a compiled user assembly (C# <c>UserNode</c>s) after the session's own admission run
/// (allocation, cost, finite output); the receipt lists the node types registered. A rejection is an
/// <see cref="ArgumentException"/> naming the class and why; nothing is registered then.
/// </summary>
/// <param name="Image">The assembly image.</param>
/// <param name="Pdb">Its portable PDB, or empty.</param>
public readonly record struct AdmitNodesCommand(ReadOnlyMemory<byte> Image, ReadOnlyMemory<byte> Pdb) : ILiveCommand
{
    public CommandKind Kind => CommandKind.AdmitNodes;
}
