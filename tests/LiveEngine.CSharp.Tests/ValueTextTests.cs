using LiveEngine.Graph;

namespace LiveEngine.CSharp.Tests;

public sealed class ValueTextTests
{
    [Fact]
    public void AListOfNodes_ReadsAsItsNodes_NotAsDotNetTypeNames()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 220.5 });
        graph.Add("out", "out");
        string text = ValueText.Format(graph.Nodes);
        Assert.Equal("[osc (sine, freqHz=220.5), out (out)]", text);
        Assert.DoesNotContain("`", text);
    }

    [Fact]
    public void Numbers_Dictionaries_AndLongSequences_ReadPlainly()
    {
        Assert.Equal("0.25", ValueText.Format(0.25));
        Assert.Equal("{a: 1, b: 2}", ValueText.Format(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }));
        Assert.EndsWith(", … (100 in all)]", ValueText.Format(Enumerable.Range(0, 100).ToArray()));
        Assert.Equal("Object", ValueText.Format(new object()));
        Assert.Equal("", ValueText.Format(null));
    }
}
