using LiveEngine.Graph;
using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>
/// Replaces the graph with <paramref name="Graph"/> at <paramref name="When"/>; with <paramref name="Patch"/>, adds its
/// nodes and edges to the latest graph instead (<see cref="GraphDescription.MergePatch"/>). The receipt has the commit
/// sample and the commit's sequence number. With <paramref name="Owned"/>, the graph is the command's own (decoded
/// from a message, or built for this commit alone): the session keeps it without a copy, and nobody may change it
/// afterwards (a copy of the 1,200-node <c>session</c> graph is about 0.66 MB of garbage per commit). Not on the wire:
/// the decoder sets it, since what it decodes is nobody else's.
/// </summary>
public readonly record struct CommitCommand(GraphDescription Graph, Quantization When, bool Patch = false, bool Owned = false) : ILiveCommand
{
    public CommandKind Kind => CommandKind.Commit;
}
