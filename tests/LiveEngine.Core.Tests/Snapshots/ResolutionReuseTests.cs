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
    public void ANodeWithoutAnId_AfterNodesTakenFromTheEarlierValidation_IsStillAnError()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphDescription earlier = Graph(0.5);
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(earlier, registry, out _)!;

        var shared = new GraphDescription { Nodes = [.. earlier.Nodes], Edges = [.. earlier.Edges] };
        shared.Add(" ", "const");
        Assert.Null(GraphCompiler.TryValidate(shared, registry, out IReadOnlyList<GraphError> errors, first));

        GraphError error = Assert.Single(errors);
        Assert.Equal(GraphErrorKind.UnknownNode, error.Kind);
        Assert.Contains("has no id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewNodeWithTheIdOfAKeptNode_IsADuplicate_BeforeOrAfterIt()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphDescription before = Graph(0.5, extra: "c");
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(before, registry, out _)!;

        // Appended after the kept nodes.
        GraphDescription appended = Graph(0.5, extra: "c");
        appended.Add("a", "const");
        Assert.Null(GraphCompiler.TryValidate(appended, registry, out IReadOnlyList<GraphError> errors, first));
        Assert.Equal("Node id 'a' is used by more than one node.", Assert.Single(errors).Message);

        // In the middle, before kept nodes (the same specs at the same places): the later kept one is the duplicate.
        var inserted = new GraphDescription();
        inserted.Nodes.AddRange([before.Nodes[0], new NodeSpec("c", "const"), before.Nodes[2], before.Nodes[3]]);
        inserted.Edges.AddRange(before.Edges);
        Assert.Null(GraphCompiler.TryValidate(inserted, registry, out errors, first));
        Assert.Contains(errors, e => e.Message == "Node id 'c' is used by more than one node.");
    }

    [Fact]
    public void ARemovedNode_LeavesTheKeptOnesAndTheirEdgesResolvedAsBefore()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphDescription before = Graph(0.5, extra: "c");
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(before, registry, out _)!;

        // The engine's decoder shares the unchanged specs between successive graphs.
        var kept = new GraphDescription();
        kept.Nodes.AddRange(before.Nodes.Take(3));
        kept.Edges.AddRange(before.Edges.Take(2));
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(kept, registry, out IReadOnlyList<GraphError> errors, first)!;

        Assert.Empty(errors);
        Assert.Equal(first.Nodes.Take(3), second.Nodes);
        Assert.Equal(first.Edges.Take(2), second.Edges);

        // And a node added back after them is resolved and connected.
        GraphCompiler.ValidatedGraph third = GraphCompiler.TryValidate(Graph(0.5, extra: "d"), registry, out errors, second)!;
        Assert.Empty(errors);
        Assert.Equal(3, third.Edges[2].From);
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

    [Fact]
    public void AnEdgeChangedInPlace_ResolvesToItsNewEnds_AndTheOthersKeepTheirs()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphDescription before = PairIntoAdd();
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(before, registry, out _)!;

        // The same edge objects: the first now leaves from b and the second goes into the other port.
        GraphDescription after = PairIntoAdd();
        after.Edges.Clear();
        after.Edges.AddRange(before.Edges);
        after.Edges[0].From = "b";
        after.Edges[1].ToPort = "a";
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(after, registry, out IReadOnlyList<GraphError> errors, first)!;

        Assert.Empty(errors);
        int a = Array.FindIndex(second.Nodes, n => n.Spec.Id == "a");
        int b = Array.FindIndex(second.Nodes, n => n.Spec.Id == "b");
        int sum = Array.FindIndex(second.Nodes, n => n.Spec.Id == "sum");
        Assert.Equal(new GraphCompiler.ResolvedEdge(0, b, 0, sum, 0), second.Edges[0]);
        Assert.Equal(new GraphCompiler.ResolvedEdge(1, b, 0, sum, 0), second.Edges[1]);
        Assert.Equal(first.Edges[2], second.Edges[2]);
        Assert.Equal(new GraphCompiler.ResolvedEdge(0, a, 0, sum, 0), first.Edges[0]);
    }

    [Fact]
    public void AnEdgeToANodeThatMoved_ResolvesToTheNodesNewPlace()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(PairIntoAdd(), registry, out _)!;

        // A node inserted first: every node moves one place, the edges are the same text.
        GraphDescription after = PairIntoAdd();
        after.Nodes.Insert(0, new NodeSpec { Id = "c", Type = "const" });
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(after, registry, out IReadOnlyList<GraphError> errors, first)!;

        Assert.Empty(errors);
        for (int e = 0; e < second.Edges.Count; e++)
        {
            Assert.Equal(first.Edges[e] with { From = first.Edges[e].From + 1, To = first.Edges[e].To + 1 }, second.Edges[e]);
        }
    }

    [Fact]
    public void AnEdgeToARemovedNode_IsStillAnError()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(PairIntoAdd(), registry, out _)!;
        GraphDescription after = PairIntoAdd();
        after.Nodes.RemoveAll(n => n.Id == "b");

        Assert.Null(GraphCompiler.TryValidate(after, registry, out IReadOnlyList<GraphError> errors, first));
        Assert.Contains(errors, e => e.Kind == GraphErrorKind.UnknownNode && e.Message.Contains("'b'", StringComparison.Ordinal));
    }

    [Fact]
    public void ATypeRedefinedSinceTheEarlierValidation_IsResolvedAgainstItsNewDefinition()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphDescription graph = Graph(0.5);
        GraphCompiler.ValidatedGraph first = GraphCompiler.TryValidate(graph, registry, out _)!;
        registry.TryGet("const", out NodeTypeDescriptor? old);
        var redefined = new NodeTypeDescriptor("const", old!.Description, old.Inputs, old.Outputs, old.Parameters, old.Create);
        registry.Register(redefined);

        // The very same description and specs: only the registry changed.
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(graph, registry, out IReadOnlyList<GraphError> errors, first)!;

        Assert.Empty(errors);
        Assert.Same(redefined, second.Nodes[1].Type);
        Assert.Same(redefined, second.Nodes[2].Type);
        Assert.Same(first.Nodes[0], second.Nodes[0]);
    }

    /// <summary>Constants a and b into the two ports of an adder, into out.</summary>
    private static GraphDescription PairIntoAdd()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("a", "const");
        graph.Add("b", "const");
        graph.Add("sum", "add2");
        graph.Connect("a", "sum", toPort: "a");
        graph.Connect("b", "sum", toPort: "b");
        graph.Connect("sum", "out");
        return graph;
    }
}
