using LiveEngine.Graph;
using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>
/// Replaces the graph with <paramref name="Graph"/> at <paramref name="When"/>; with <paramref name="Patch"/>, adds its
/// nodes and edges to the latest graph instead (<see cref="GraphDescription.MergePatch"/>). The receipt has the commit
/// sample and the commit's sequence number.
/// </summary>
public readonly record struct CommitCommand(GraphDescription Graph, Quantization When, bool Patch = false) : ILiveCommand
{
    public CommandKind Kind => CommandKind.Commit;
}
