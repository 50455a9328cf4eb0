using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Snapshots;

public sealed class ResolutionReuseTests
{
    private static GraphDescription Graph(double secondValue, string? extra = null)
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("a", "const", new Dictionary<string, double> { ["value"] = 0.25 });
        graph.Add("b", "const", new Dictionary<string, double> { ["value"] = secondValue });
        graph.Connect("a", "out");
        graph.Connect("b", "out");
        if (extra is not null)
        {
            graph.Add(extra, "const", new Dictionary<string, double> { ["value"] = 0.5 });
            graph.Connect(extra, "out");
        }

        return graph;
    }

    [Fact]
    public void AnUnchangedNode_KeepsItsEarlierResolution_EvenFromANewDescription()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(Graph(0.5), registry, out _)!;

        // Another description object with the same content, plus a node: the unchanged nodes keep their records.
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(Graph(0.5, extra: "c"), registry, out IReadOnlyList<GraphError> errors, first)!;

        Assert.Empty(errors);
        Assert.Equal(4, second.Nodes.Length);
        for (int i = 0; i < first.Nodes.Length; i++)
        {
            Assert.Same(first.Nodes[i], second.Nodes[i]);
        }
    }

    [Fact]
    public void AChangedParameter_ResolvesTheNodeAgain_AndKeepsTheOthers()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(Graph(0.5), registry, out _)!;
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(Graph(0.75), registry, out _, first)!;

        Assert.Same(first.Nodes[1], second.Nodes[1]);
        Assert.NotSame(first.Nodes[2], second.Nodes[2]);
        Assert.Equal(0.75f, second.Nodes[2].Parameters[0]);
        Assert.Equal(0.5f, first.Nodes[2].Parameters[0]);
    }

    [Fact]
    public void AnEarlierSpecChangedAfterward_DoesNotLeakIntoTheReusedValues()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphDescription before = Graph(0.5);
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(before, registry, out _)!;

        // The earlier description is changed in place; the new one asks for what the earlier one had resolved.
        before.Nodes[2].Parameters["value"] = 0.9;
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(Graph(0.5), registry, out _, first)!;

        Assert.Equal(0.5f, second.Nodes[2].Parameters[0]);
    }

    [Fact]
    public void ANodeMovedToAnotherPlace_IsResolvedAgain()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(Graph(0.5), registry, out _)!;
        GraphDescription moved = Graph(0.5);
        (moved.Nodes[1], moved.Nodes[2]) = (moved.Nodes[2], moved.Nodes[1]);
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(moved, registry, out _, first)!;

        Assert.Equal(1, second.Nodes[1].Index);
        Assert.Equal("b", second.Nodes[1].Spec.Id);
        Assert.NotSame(first.Nodes[2], second.Nodes[1]);
    }
}
