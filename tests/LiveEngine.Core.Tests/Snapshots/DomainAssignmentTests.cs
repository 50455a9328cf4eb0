using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Snapshots;

/// <summary>The compiler's domain assignment: live is what answers to the present and everything it feeds; the rest may be rendered ahead.</summary>
public sealed class DomainAssignmentTests
{
    [Fact]
    public void GraphWithNoLiveNode_IsDeferrable_AndEveryNodeDeferred()
    {
        GraphSnapshot snapshot = Compile(Chain(pin: null));

        Assert.True(snapshot.IsDeferrable);
        Assert.All(snapshot.NodeIsLive, live => Assert.False(live));
    }

    [Fact]
    public void NodePinnedLive_IsLive_WithWhatItFeeds_ButNotWhatFeedsIt()
    {
        GraphSnapshot snapshot = Compile(Chain(pin: "a"));

        Assert.False(snapshot.IsDeferrable);
        Assert.False(snapshot.NodeIsLive[snapshot.IndexOfNode("src")]);
        Assert.True(snapshot.NodeIsLive[snapshot.IndexOfNode("a")]);
        Assert.True(snapshot.NodeIsLive[snapshot.IndexOfNode("b")]);
    }

    [Fact]
    public void NodeOfALiveInputType_MakesItsConsumersLive()
    {
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        Assert.True(registry.TryGet("ramp", out NodeTypeDescriptor? ramp));
        registry.Register(new NodeTypeDescriptor("mic", "A live input.", [], [PortDescriptor.Mono("out")], [], ramp!.Create, flags: NodeTypeFlags.LiveInput));
        var graph = new GraphDescription();
        graph.Add("mic", "mic");
        graph.Add("other", "ramp");
        graph.Add("mix", "add2");
        graph.Add("out", "out", channels: 1);
        graph.Connect("mic", "mix", toPort: "a");
        graph.Connect("other", "mix", toPort: "b");
        graph.Connect("mix", "out");

        GraphSnapshot snapshot = GraphCompiler.Compile(graph, registry, new CompileOptions());

        Assert.True(snapshot.NodeIsLive[snapshot.IndexOfNode("mix")]);
        Assert.False(snapshot.NodeIsLive[snapshot.IndexOfNode("other")]);
    }

    private static GraphDescription Chain(string? pin)
    {
        var graph = new GraphDescription();
        graph.Add("src", "ramp");
        graph.Add("a", "scale", channels: 1);
        graph.Add("b", "scale", channels: 1);
        graph.Add("out", "out", channels: 1);
        graph.Chain("src", "a", "b", "out");
        if (pin is not null)
        {
            graph.Nodes.Single(n => n.Id == pin).Options[GraphSnapshot.LiveOption] = "on";
        }

        return graph;
    }

    private static GraphSnapshot Compile(GraphDescription graph) => GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions());
}
