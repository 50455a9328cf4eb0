using LiveEngine.Graph;

namespace LiveEngine.Tests.Graph;

public sealed class GraphDescriptionCloneTests
{
    private static GraphDescription Sample()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 440.1234567890123, ["level"] = 0.1 });
        graph.Add("out", "out", channels: 2);
        graph.Nodes[0].Options["sample"] = "kick.wav";
        graph.Connect("osc", "out", "out", "in");
        return graph;
    }

    [Fact]
    public void Clone_EqualsJsonRoundTrip()
    {
        GraphDescription graph = Sample();
        graph.Nodes.Add(new NodeSpec { Id = null!, Type = "gain", Parameters = null!, Options = null! });

        Assert.Equal(GraphDescription.FromJson(graph.ToJson()).ToJson(), graph.Clone().ToJson());
    }

    [Fact]
    public void Clone_SharesNoMutableState()
    {
        GraphDescription graph = Sample();
        GraphDescription copy = graph.Clone();
        string before = graph.ToJson();

        copy.Nodes[0].Parameters["level"] = 0.5;
        copy.Nodes[0].Options["sample"] = "snare.wav";
        copy.Nodes[0].Id = "other";
        copy.Edges[0].To = "other";
        copy.Add("extra", "gain");
        copy.Connect("extra", "out");

        Assert.Equal(before, graph.ToJson());
    }
}
