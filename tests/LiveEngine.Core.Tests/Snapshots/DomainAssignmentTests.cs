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

    [Fact]
    public void FeedbackNodeWrittenByALiveJob_IsLive_WithItsReadJob_AndWhatThatFeeds()
    {
        // The feedback node's read job runs first (a source), its write job last: a live write makes the node live,
        // and the read job with it, so that one domain owns the node's delay line.
        var graph = new GraphDescription();
        graph.Add("src", "ramp");
        graph.Add("fb", "feedback", new Dictionary<string, double> { ["delayMs"] = 10 });
        graph.Add("mix", "add2");
        graph.Add("out", "out", channels: 1);
        graph.Connect("src", "mix", toPort: "a");
        graph.Connect("fb", "mix", toPort: "b");
        graph.Connect("mix", "fb");
        graph.Connect("mix", "out");
        graph.Nodes.Single(n => n.Id == "src").Options[GraphSnapshot.LiveOption] = "on";

        GraphSnapshot snapshot = Compile(graph);

        int fb = snapshot.IndexOfNode("fb");
        Assert.True(snapshot.NodeIsLive[fb]);
        Assert.All(Enumerable.Range(0, snapshot.Jobs.Length), j => Assert.True(snapshot.JobIsLive[j], $"Job {snapshot.DescribeJob(j)} is deferred."));
    }

    [Fact]
    public void WithoutPins_OnlyLiveInputAndWhatItFeedsStaysLive()
    {
        GraphSnapshot snapshot = Compile(Chain(pin: "a"));

        Assert.Contains(true, snapshot.JobIsLive);
        Assert.DoesNotContain(true, snapshot.JobsLiveWithoutPins());
        Assert.True(snapshot.IsPinnedLive(snapshot.IndexOfNode("a")));
        Assert.False(snapshot.IsPinnedLive(snapshot.IndexOfNode("b")));
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
