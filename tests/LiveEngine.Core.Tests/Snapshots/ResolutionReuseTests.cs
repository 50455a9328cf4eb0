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

    [Fact]
    public void TheIndexById_KeptFromOneValidationToTheNext_ResolvesAddedRemovedChangedAndRenamedNodesAsAFreshValidation()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        for (int i = 0; i < 8; i++)
        {
            graph.Add($"c{i}", "const", new Dictionary<string, double> { ["value"] = i / 10.0 });
            graph.Connect($"c{i}", "out");
        }

        GraphCompiler.ValidatedGraph last = GraphCompiler.TryValidate(graph, registry, out _)!;
        AssertIndexed(last);

        // Each edit shares the unchanged specs with the graph before, as the engine's decoder does.
        GraphDescription Edit(Action<GraphDescription> change)
        {
            var next = new GraphDescription { Nodes = [.. graph.Nodes], Edges = [.. graph.Edges] };
            change(next);
            return next;
        }

        GraphCompiler.ValidatedGraph Accept(GraphDescription next)
        {
            Dictionary<string, GraphCompiler.ResolvedNode>? kept = last.IdIndex;
            GraphCompiler.ValidatedGraph validated = GraphCompiler.TryValidate(next, registry, out IReadOnlyList<GraphError> errors, last)
                ?? throw new Xunit.Sdk.XunitException(string.Join("; ", errors.Select(e => e.Message)));
            AssertResolvedAsAFreshValidation(next, validated, registry);
            if (kept is not null && validated.IdIndex is not null)
            {
                // Taken over, not made again: the earlier graph no longer has it.
                Assert.Same(kept, validated.IdIndex);
                Assert.Null(last.IdIndex);
            }

            graph = next;
            last = validated;
            return validated;
        }

        Accept(Edit(g =>
        {
            g.Add("v", "const");
            g.Connect("v", "out");
        }));
        Accept(Edit(g =>
        {
            g.Nodes.RemoveAt(g.Nodes.Count - 1);
            g.Edges.RemoveAt(g.Edges.Count - 1);
        }));
        Accept(Edit(g =>
        {
            g.Nodes.RemoveAll(n => n.Id == "c3");
            g.Edges.RemoveAll(e => e.From == "c3");
        }));
        Accept(Edit(g => g.Nodes[5] = new NodeSpec(g.Nodes[5].Id, "const", new Dictionary<string, double> { ["value"] = 0.99 })));
        Accept(Edit(g =>
        {
            int at = g.Nodes.FindIndex(n => n.Id == "c6");
            g.Nodes[at] = new NodeSpec("r6", "const");
            g.Edges[g.Edges.FindIndex(e => e.From == "c6")] = new EdgeSpec("r6", "out");
        }));
        Accept(Edit(g =>
        {
            g.Nodes.Insert(1, new NodeSpec("x", "const"));
            g.Connect("x", "out");
        }));

        // The renamed node's old id is free again, its new one is not.
        Accept(Edit(g =>
        {
            g.Add("c6", "const");
            g.Connect("c6", "out");
        }));
        GraphDescription clash = Edit(g => g.Add("r6", "const"));
        Assert.Null(GraphCompiler.TryValidate(clash, registry, out IReadOnlyList<GraphError> refused, last));
        Assert.Equal("Node id 'r6' is used by more than one node.", Assert.Single(refused).Message);

        // A refusal leaves the graph before it to validate from, its index made again where needed.
        Accept(Edit(g =>
        {
            g.Add("y", "const");
            g.Connect("y", "out");
        }));

        // A new node before a kept one with its id: the kept one is the duplicate.
        GraphDescription before = Edit(g => g.Nodes.Insert(1, new NodeSpec("c7", "const")));
        Assert.Null(GraphCompiler.TryValidate(before, registry, out refused, last));
        Assert.Equal("Node id 'c7' is used by more than one node.", Assert.Single(refused).Message);
        Accept(Edit(g =>
        {
            g.Nodes[^1] = new NodeSpec("z", "const");
            g.Edges[^1] = new EdgeSpec("z", "out");
        }));
    }

    [Fact]
    public void ACompileOfAGraphThatBeginsWithAValidatedOne_GivesItsIndexBackAsItWas_AcceptedOrRefused()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphDescription graph = Graph(0.5, extra: "c");
        GraphCompiler.ValidatedGraph validated = GraphCompiler.TryValidate(graph, registry, out _)!;
        Assert.NotNull(validated.IdIndex);
        var options = new CompileOptions { MaxBlockFrames = 64 };

        // A transition graph: the graph's nodes and edges, then helper nodes after them.
        var withHelper = new GraphDescription { Nodes = [.. graph.Nodes], Edges = [.. graph.Edges] };
        withHelper.Add("helper", "const");
        withHelper.Connect("helper", "out");
        GraphSnapshot snapshot = GraphCompiler.Compile(withHelper, registry, options, validated);
        Assert.Equal(5, snapshot.Nodes.Length);
        AssertIndexed(validated);

        var clash = new GraphDescription { Nodes = [.. graph.Nodes], Edges = [.. graph.Edges] };
        clash.Add("helper", "const");
        clash.Add("a", "const");
        GraphValidationException refused = Assert.Throws<GraphValidationException>(() => GraphCompiler.Compile(clash, registry, options, validated));
        Assert.Contains(refused.Errors, e => e.Message == "Node id 'a' is used by more than one node.");
        AssertIndexed(validated);

        // The helper's id, lent and given back, is free for the next graph.
        var next = new GraphDescription { Nodes = [.. graph.Nodes], Edges = [.. graph.Edges] };
        next.Add("helper", "const");
        next.Connect("helper", "out");
        GraphCompiler.ValidatedGraph second = GraphCompiler.TryValidate(next, registry, out IReadOnlyList<GraphError> errors, validated)!;
        Assert.Empty(errors);
        AssertResolvedAsAFreshValidation(next, second, registry);
    }

    /// <summary>The graph's index by id, if it has one, holds exactly its nodes.</summary>
    private static void AssertIndexed(GraphCompiler.ValidatedGraph graph)
    {
        if (graph.IdIndex is { } index)
        {
            Assert.Equal(graph.Nodes.Length, index.Count);
            foreach (GraphCompiler.ResolvedNode node in graph.Nodes)
            {
                Assert.Same(node, index[node.Spec.Id]);
            }
        }
    }

    private static void AssertResolvedAsAFreshValidation(GraphDescription description, GraphCompiler.ValidatedGraph validated, NodeTypeRegistry registry)
    {
        GraphCompiler.ValidatedGraph fresh = GraphCompiler.TryValidate(description, registry, out IReadOnlyList<GraphError> errors)!;
        Assert.Empty(errors);
        Assert.Equal(fresh.Nodes.Length, validated.Nodes.Length);
        for (int i = 0; i < fresh.Nodes.Length; i++)
        {
            Assert.Equal(i, validated.Nodes[i].Index);
            Assert.Equal(fresh.Nodes[i].Spec.Id, validated.Nodes[i].Spec.Id);
            Assert.Equal(fresh.Nodes[i].Parameters, validated.Nodes[i].Parameters);
        }

        Assert.Equal(fresh.Edges, validated.Edges);
        AssertIndexed(validated);
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
