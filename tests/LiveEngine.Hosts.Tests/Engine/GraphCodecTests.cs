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
    public void SameGraphSentAgain_SharesEveryNodeAndEdge_NonAsciiNamesIncluded()
    {
        static GraphDescription Named()
        {
            GraphDescription graph = Sample();
            graph.Add("oszillator-ä", "sine", new Dictionary<string, double> { ["level"] = 0.25, ["freqHz"] = 110 });
            graph.Connect("oszillator-ä", "out");
            return graph;
        }

        var names = new StringTable();
        var first = new FrameReader(Encode(Named()));
        GraphDescription a = GraphCodec.Read(ref first, names);
        var second = new FrameReader(Encode(Named()));
        GraphDescription b = GraphCodec.Read(ref second, names);

        Assert.Equal(0, second.Remaining);
        Assert.Equal(a.Nodes, b.Nodes);
        Assert.Equal(a.Edges, b.Edges);
        for (int n = 0; n < a.Nodes.Count; n++)
        {
            Assert.Same(a.Nodes[n], b.Nodes[n]);
        }
    }

    [Fact]
    public void ParametersWrittenInAnotherOrder_StillShareTheNode()
    {
        var names = new StringTable();
        var first = new FrameReader(Encode(Sample()));
        GraphDescription a = GraphCodec.Read(ref first, names);

        GraphDescription reordered = Sample();
        reordered.Nodes[0].Parameters.Clear();
        reordered.Nodes[0].Parameters["level"] = -0.0;
        reordered.Nodes[0].Parameters["freqHz"] = 440.125;
        var second = new FrameReader(Encode(reordered));
        GraphDescription b = GraphCodec.Read(ref second, names);

        Assert.Equal(0, second.Remaining);
        Assert.Same(a.Nodes[0], b.Nodes[0]);
    }

    [Fact]
    public void NamesThatDifferInOneCharacterOrInCase_AreDecodedAfresh()
    {
        var names = new StringTable();
        var first = new FrameReader(Encode(Sample()));
        GraphDescription a = GraphCodec.Read(ref first, names);

        GraphDescription edited = Sample();
        edited.Nodes[1] = new NodeSpec("pbn", "pan");
        edited.Nodes[0].Parameters.Remove("level");
        edited.Nodes[0].Parameters["Level"] = -0.0;
        edited.Edges[0] = new EdgeSpec(edited.Edges[0].From, "pbn", edited.Edges[0].FromPort, edited.Edges[0].ToPort);
        edited.Edges[1] = new EdgeSpec("pbn", edited.Edges[1].To, edited.Edges[1].FromPort, "In");
        var second = new FrameReader(Encode(edited));
        GraphDescription b = GraphCodec.Read(ref second, names);

        Assert.Equal(0, second.Remaining);
        Assert.Equal(edited.ToJson(), b.ToJson());
        Assert.NotSame(a.Nodes[0], b.Nodes[0]);
        Assert.NotSame(a.Nodes[1], b.Nodes[1]);
        Assert.Same(a.Nodes[2], b.Nodes[2]);
        Assert.NotSame(a.Edges[0], b.Edges[0]);
        Assert.Equal("In", b.Edges[1].ToPort);
        Assert.Same(a.Edges[2], b.Edges[2]);
    }

    [Fact]
    public void InvalidUtf8_WhereTheLastGraphHadAName_IsRefusedAsBefore()
    {
        var names = new StringTable();
        byte[] payload = Encode(Sample());
        var first = new FrameReader(payload);
        GraphCodec.Read(ref first, names);

        // u32 count | u32 length | "osc": the first node id's bytes sit at 8..10.
        byte[] broken = (byte[])payload.Clone();
        broken[8] = 0xFF;
        EngineProtocolException e = Assert.Throws<EngineProtocolException>(() =>
        {
            var second = new FrameReader(broken);
            GraphCodec.Read(ref second, names);
        });
        Assert.Equal("The node id is not valid UTF-8.", e.Message);
    }

    [Fact]
    public void AGraphRefusedHalfWay_LeavesTheGraphBeforeItToShare()
    {
        var names = new StringTable();
        byte[] payload = Encode(Sample());
        var first = new FrameReader(payload);
        GraphDescription a = GraphCodec.Read(ref first, names);

        GraphDescription edited = Sample();
        edited.Nodes[1].Parameters["pan"] = 0.5;
        byte[] truncated = Encode(edited)[..^3];
        Assert.Throws<EngineProtocolException>(() =>
        {
            var broken = new FrameReader(truncated);
            GraphCodec.Read(ref broken, names);
        });

        var again = new FrameReader(payload);
        GraphDescription b = GraphCodec.Read(ref again, names);
        Assert.Equal(0, again.Remaining);
        for (int n = 0; n < a.Nodes.Count; n++)
        {
            Assert.Same(a.Nodes[n], b.Nodes[n]);
        }

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
