using System.Buffers.Binary;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>The binary graph of the engine protocol: what goes in comes out, and a lying frame is refused.</summary>
public sealed class GraphCodecTests
{
    private static GraphDescription Sample()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 440.125, ["level"] = -0.0 });
        graph.Add("pan", "pan");
        graph.Add("out", "out", channels: 2);
        graph.Nodes.Add(new NodeSpec("kick", "sampler") { Options = { ["sample"] = "kick \"808\" ü" } });
        graph.Chain("osc", "pan", "out");
        graph.Connect("kick", "out", "out", "in");
        return graph;
    }

    private static byte[] Encode(GraphDescription graph)
    {
        using var writer = new FrameWriter();
        writer.Begin(0, 0);
        GraphCodec.Write(writer, graph);
        writer.Finish();
        return writer.Frame[(EngineProtocol.LengthBytes + EngineProtocol.HeaderBytes)..].ToArray();
    }

    private static GraphDescription Decode(byte[] payload)
    {
        var reader = new FrameReader(payload);
        return GraphCodec.Read(ref reader);
    }

    [Fact]
    public void RoundTrip_KeepsNodesTypesChannelsParametersOptionsAndEdges()
    {
        GraphDescription graph = Sample();
        byte[] payload = Encode(graph);
        var reader = new FrameReader(payload);
        GraphDescription read = GraphCodec.Read(ref reader, new StringTable());

        Assert.Equal(0, reader.Remaining);
        Assert.Equal(graph.ToJson(), read.ToJson());
        Assert.Null(read.Nodes[0].Channels);
        Assert.Equal(2, read.Nodes[2].Channels);
        Assert.True(double.IsNegative(read.Nodes[0].Parameters["level"]));
    }

    [Fact]
    public void RepeatedGraph_DecodesItsNamesToTheSameStrings()
    {
        byte[] payload = Encode(Sample());
        var names = new StringTable();
        var first = new FrameReader(payload);
        GraphDescription a = GraphCodec.Read(ref first, names);
        var second = new FrameReader(payload);
        GraphDescription b = GraphCodec.Read(ref second, names);

        Assert.Same(a.Nodes[0].Id, b.Nodes[0].Id);
        Assert.Same(a.Nodes[0].Parameters.Keys.First(), b.Nodes[0].Parameters.Keys.First());
        Assert.Same(a.Edges[0].To, b.Edges[0].To);
    }

    [Fact]
    public void NodeCountLargerThanTheFrame_IsRefusedBeforeAnythingIsSized()
    {
        byte[] payload = Encode(Sample());
        BinaryPrimitives.WriteInt32LittleEndian(payload, int.MaxValue);
        EngineProtocolException e = Assert.Throws<EngineProtocolException>(() => Decode(payload));
        Assert.Contains("node count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeChannels_OtherThanTheDefaultMarker_AreRefused()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 2);
        byte[] payload = Encode(graph);

        // u32 count | "out" | "out" | i32 channels: the channels sit at 4 + 7 + 7.
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(18), -5);
        EngineProtocolException e = Assert.Throws<EngineProtocolException>(() => Decode(payload));
        Assert.Equal("Node 'out' has -5 channels: -1 (the type's default) or more.", e.Message);
    }

    [Fact]
    public void TruncatedGraph_NamesWhatIsMissing()
    {
        byte[] payload = Encode(Sample());
        EngineProtocolException e = Assert.Throws<EngineProtocolException>(() => Decode(payload.AsSpan(0, payload.Length - 3).ToArray()));
        Assert.Contains("edge target port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedGraph_SharesTheUnchangedNodesAndEdgesOfTheLastOne_AndDecodesTheChangedOnesAfresh()
    {
        var names = new StringTable();
        var first = new FrameReader(Encode(Sample()));
        GraphDescription a = GraphCodec.Read(ref first, names);

        GraphDescription edited = Sample();
        edited.Nodes[0].Parameters["freqHz"] = 220;
        edited.Nodes[3].Options["sample"] = "snare";
        edited.Add("extra", "sine");
        edited.Connect("extra", "out");
        var second = new FrameReader(Encode(edited));
        GraphDescription b = GraphCodec.Read(ref second, names);

        Assert.Equal(0, second.Remaining);
        Assert.Equal(edited.ToJson(), b.ToJson());
        Assert.NotSame(a.Nodes[0], b.Nodes[0]);
        Assert.Same(a.Nodes[1], b.Nodes[1]);
        Assert.Same(a.Nodes[2], b.Nodes[2]);
        Assert.NotSame(a.Nodes[3], b.Nodes[3]);
        Assert.Equal(440.125, a.Nodes[0].Parameters["freqHz"]);
        Assert.Equal("kick \"808\" ü", a.Nodes[3].Options["sample"]);
        for (int e = 0; e < a.Edges.Count; e++)
        {
            Assert.Same(a.Edges[e], b.Edges[e]);
        }
    }

    [Fact]
    public void WithoutATable_EveryDecodeMakesItsOwnNodes()
    {
        byte[] payload = Encode(Sample());
        GraphDescription a = Decode(payload);
        GraphDescription b = Decode(payload);

        Assert.NotSame(a.Nodes[1], b.Nodes[1]);
    }
}
