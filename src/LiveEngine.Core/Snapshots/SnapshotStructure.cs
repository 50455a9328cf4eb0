using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// What a snapshot's jobs, order, buffers and banks were derived from besides its nodes: a compile whose nodes,
/// edges, bank kinds and options are the same can share them (see GraphCompiler's edit of parameters only).
/// Never changed once made.
/// </summary>
internal sealed record SnapshotStructure(
    int NodeCount,
    List<GraphCompiler.ResolvedEdge> Edges,
    IReadOnlyList<BankDescriptor> BankDescriptors,
    List<BankPlanner.PlannedBank> Banks,
    bool Banking,
    bool MeasuredCosts);
