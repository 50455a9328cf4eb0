using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.Tests.Live;

public sealed class TransitionTests
{
    [Fact]
    public void ManyNodesReplacedAcrossTheGraph_EachCrossfade_AndTheRewiredOutputHearsAllItsSources()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        var before = new GraphDescription();
        before.Add("out", "out", channels: 1);
        for (int i = 0; i < 20; i++)
        {
            before.Add($"c{i}", "const", new Dictionary<string, double> { ["value"] = i }, channels: 1);
            before.Connect($"c{i}", "out");
        }

        // Every other node replaced (the same ids in the same places, so each is found in the graphs' shared ends, more
        // times than those are searched before they are indexed), and a node appended on the output.
        GraphDescription after = before.Clone();
        for (int i = 0; i < 20; i += 2)
        {
            after.Nodes[1 + i] = new NodeSpec($"c{i}", "ramp", channels: 1);
        }

        after.Add("extra", "const", channels: 1);
        after.Connect("extra", "out");

        Transition transition = Transition.Create(before, after, registry, fadeMs: 20)!;

        var ids = transition.Graph.Nodes.Select(n => n.Id).ToHashSet();
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(i % 2 == 0, ids.Contains($"c{i}~old"));
            Assert.Equal(i % 2 == 0, ids.Contains($"c{i}~xfade"));
        }

        Assert.Equal(11, transition.Crossfades.Count);
        Assert.Contains("out~in~xfade", transition.Crossfades);
        Assert.False(transition.CrossfadesInputsOnly);

        // The output's crossfade hears the old sources (old instances where replaced) and the new ones through the replaced nodes' crossfades.
        string[] old = [.. transition.Graph.Edges.Where(e => e.To == "out~in~xfade" && e.ToPort == "old").Select(e => e.From).Order(StringComparer.Ordinal)];
        string[] current = [.. transition.Graph.Edges.Where(e => e.To == "out~in~xfade" && e.ToPort == "new").Select(e => e.From).Order(StringComparer.Ordinal)];
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? $"c{i}~old" : $"c{i}").Order(StringComparer.Ordinal), old);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? $"c{i}~xfade" : $"c{i}").Append("extra").Order(StringComparer.Ordinal), current);
        Assert.Empty(GraphCompilerErrors(transition.Graph, registry));
    }

    private static IReadOnlyList<GraphError> GraphCompilerErrors(GraphDescription graph, NodeTypeRegistry registry) =>
        LiveEngine.Snapshots.GraphCompiler.Validate(graph, registry);
}
