using System.Collections.ObjectModel;
using LiveEngine.Graph;
using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// A snapshot's per-node identity arrays: ids, types, channel counts, options and the index by id. When the nodes
/// are those of the previous snapshot (same ids, type definitions, channels and options, in the same order, as
/// after an edit of parameters only), they are the previous snapshot's own arrays: none of them is ever changed.
/// </summary>
internal readonly record struct NodeShape(
    string[] Ids,
    NodeTypeDescriptor[] Types,
    int[] Channels,
    IReadOnlyDictionary<string, string>[] Options,
    Dictionary<string, int>? IndexById)
{
    public static NodeShape Of(GraphCompiler.ResolvedNode[] nodes, GraphSnapshot? previous, SnapshotArrayPool? recent = null)
    {
        if (previous is { NodeIds: string[] ids, NodeTypes: NodeTypeDescriptor[] types, NodeChannels: int[] channels, NodeOptions: IReadOnlyDictionary<string, string>[] options }
            && ids.Length == nodes.Length && Same(nodes, ids, types, channels, options))
        {
            return new NodeShape(ids, types, channels, options, previous.NodeIndexById);
        }

        // A node table a recent snapshot of the session made (never changed once made, so any snapshot may share it):
        // a voice added and then removed, or an undo, comes back to one.
        if (recent is not null)
        {
            foreach (NodeShape known in recent.RecentShapes)
            {
                if (known.Ids.Length == nodes.Length && Same(nodes, known.Ids, known.Types, known.Channels, known.Options))
                {
                    return known;
                }
            }
        }

        var shape = new NodeShape(new string[nodes.Length], new NodeTypeDescriptor[nodes.Length], new int[nodes.Length], new IReadOnlyDictionary<string, string>[nodes.Length], null);
        foreach (GraphCompiler.ResolvedNode node in nodes)
        {
            shape.Ids[node.Index] = node.Spec.Id;
            shape.Types[node.Index] = node.Type;
            shape.Channels[node.Index] = node.Channels;
            // A copy: the description may change after the compile. Most nodes have no options and share one empty map.
            shape.Options[node.Index] = node.Spec.Options.Count == 0
                ? ReadOnlyDictionary<string, string>.Empty
                : new Dictionary<string, string>(node.Spec.Options, StringComparer.Ordinal);
        }

        return shape;
    }

    private static bool Same(GraphCompiler.ResolvedNode[] nodes, string[] ids, NodeTypeDescriptor[] types, int[] channels, IReadOnlyDictionary<string, string>[] options)
    {
        foreach (GraphCompiler.ResolvedNode node in nodes)
        {
            int i = node.Index;
            if (!string.Equals(ids[i], node.Spec.Id, StringComparison.Ordinal) || !ReferenceEquals(types[i], node.Type) || channels[i] != node.Channels
                || !NodeSpec.SameOptions(options[i], node.Spec.Options))
            {
                return false;
            }
        }

        return true;
    }
}
