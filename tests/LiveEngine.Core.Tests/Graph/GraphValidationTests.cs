using LiveEngine.Graph;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Graph;

public sealed class GraphValidationTests
{
    private static GraphValidationException Fails(GraphDescription graph) =>
        Assert.Throws<GraphValidationException>(() => GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions()));

    [Fact]
    public void UnknownNodeType_IsNamedWithSuggestion()
    {
        var graph = new GraphDescription();
        graph.Add("a", "scal");
        GraphValidationException e = Fails(graph);
        Assert.Equal(GraphErrorKind.UnknownNodeType, Assert.Single(e.Errors).Kind);
        Assert.Contains("Node 'a' has unknown type 'scal'. Did you mean 'scale'?", e.Message);
    }

    [Fact]
    public void UnknownParameter_NamesNodeTypeAndKnownParameters()
    {
        var graph = new GraphDescription();
        graph.Add("gain1", "scale", new Dictionary<string, double> { ["factr"] = 2 });
        GraphValidationException e = Fails(graph);
        Assert.Contains("Node 'gain1' (type 'scale') has no parameter 'factr'. Did you mean 'factor'?", e.Message);
        Assert.Contains("its parameters: factor", e.Message);
    }

    [Fact]
    public void OutOfRangeParameter_NamesValueAndRange()
    {
        var graph = new GraphDescription();
        graph.Add("s", "scale", new Dictionary<string, double> { ["factor"] = 50 });
        Assert.Contains("Parameter 's.factor' = 50 is outside its range -10..10.", Fails(graph).Message);
    }

    [Theory]
    [InlineData(double.NaN, "Parameter 's.factor' = NaN (not a number, e.g. 0/0): it takes a number in -10..10.")]
    [InlineData(double.PositiveInfinity, "Parameter 's.factor' = infinity (e.g. a division by zero): it takes a number in -10..10.")]
    public void NaNOrInfiniteParameter_IsNamedAsSuch_WithNodeParameterAndRange(double value, string message)
    {
        var graph = new GraphDescription();
        graph.Add("s", "scale", new Dictionary<string, double> { ["factor"] = value });
        Assert.Equal(message, Fails(graph).Message);
    }

    [Fact]
    public void PortMismatch_NamesBothPortsAndChannelCounts()
    {
        var graph = new GraphDescription();
        graph.Add("st", "stereo");
        graph.Add("mono", "scale");
        graph.Connect("st", "mono");
        GraphValidationException e = Fails(graph);
        Assert.Equal(GraphErrorKind.PortMismatch, Assert.Single(e.Errors).Kind);
        Assert.Contains("Edge st.out -> mono.in: port mismatch, 'st.out' has 2 channels but 'mono.in' has 1 channel.", e.Message);
    }

    [Fact]
    public void MonoIntoStereoOutput_IsCopiedToBothChannels()
    {
        var graph = new GraphDescription();
        graph.Add("c", "const", new Dictionary<string, double> { ["value"] = 0.25 });
        graph.Add("out", "out");
        graph.Connect("c", "out");
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 16 });
        float[][] output = LiveEngine.Execution.OfflineRender.Render(snapshot, 32, _ => 16);
        Assert.Equal(2, output.Length);
        Assert.All(output, channel => Assert.All(channel, x => Assert.Equal(0.25f, x)));
    }

    [Fact]
    public void MonoAndStereoIntoOneInput_MixTheMonoIntoEveryChannel()
    {
        // The stereo source is 1 on both channels, the mono one 0.5: (1 + 0.5) × 2 on both.
        var graph = new GraphDescription();
        graph.Add("one", "const");
        graph.Add("st", "stereo");
        graph.Add("half", "const", new Dictionary<string, double> { ["value"] = 0.5 });
        graph.Add("mix", "scale", new Dictionary<string, double> { ["factor"] = 2 }, channels: 2);
        graph.Add("out", "out");
        graph.Chain("one", "st", "mix", "out");
        graph.Connect("half", "mix");
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 16 });
        float[][] output = LiveEngine.Execution.OfflineRender.Render(snapshot, 32, _ => 16);
        Assert.All(output, channel => Assert.All(channel, x => Assert.Equal(3f, x)));
    }

    [Fact]
    public void UnknownPort_NamesTheNodesPorts()
    {
        var graph = new GraphDescription();
        graph.Add("x", "add2");
        graph.Add("c", "const");
        graph.Connect("c", "x", toPort: "c");
        Assert.Contains("Edge c.out -> x.c: node 'x' (type 'add2') has no input port 'c' (its inputs: a, b).", Fails(graph).Message);
    }

    [Fact]
    public void EdgeToMissingNode_NamesTheMissingNode()
    {
        var graph = new GraphDescription();
        graph.Add("c", "const");
        graph.Connect("c", "nowhere");
        Assert.Contains("Edge c.out -> nowhere.in: node 'nowhere' does not exist.", Fails(graph).Message);
    }

    [Fact]
    public void Cycle_ListsTheNodesOnTheCycleInOrder()
    {
        var graph = new GraphDescription();
        graph.Add("src", "const");
        graph.Add("a", "add2");
        graph.Add("b", "scale");
        graph.Add("c", "scale");
        graph.Connect("src", "a", toPort: "a");
        graph.Connect("a", "b");
        graph.Connect("b", "c");
        graph.Connect("c", "a", toPort: "b");
        GraphValidationException e = Fails(graph);
        Assert.Equal(GraphErrorKind.Cycle, Assert.Single(e.Errors).Kind);
        Assert.Contains("Cycle: a -> b -> c -> a. Feedback must pass through a 'feedback' node.", e.Message);
    }

    [Fact]
    public void CycleThroughFeedbackNode_Compiles()
    {
        var graph = new GraphDescription();
        graph.Add("src", "impulse");
        graph.Add("a", "add2");
        graph.Add("fb", "feedback", new Dictionary<string, double> { ["delayMs"] = 1 });
        graph.Add("damp", "scale", new Dictionary<string, double> { ["factor"] = 0.5 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("src", "a", toPort: "a");
        graph.Connect("a", "fb");
        graph.Connect("fb", "damp");
        graph.Connect("damp", "a", toPort: "b");
        graph.Connect("a", "out");
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 16 });

        // src, a, damp, and the feedback node's read and write halves; the output has no job.
        Assert.Equal(5, snapshot.Jobs.Length);
        float[] output = LiveEngine.Execution.OfflineRender.Render(snapshot, 200, _ => 16)[0];

        // 1 ms at 48 kHz = 48 frames round trip, halved each time.
        for (int i = 0; i < output.Length; i++)
        {
            float expected = i % 48 == 0 ? MathF.Pow(0.5f, i / 48) : 0;
            Assert.Equal(expected, output[i]);
        }
    }

    [Fact]
    public void DuplicateIdsAndTwoOutputs_AreAllReported()
    {
        var graph = new GraphDescription();
        graph.Add("x", "const");
        graph.Add("x", "const");
        graph.Add("o1", "out");
        graph.Add("o2", "out");
        GraphValidationException e = Fails(graph);
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("Node id 'x' is used by more than one node.", e.Message);
        Assert.Contains("Nodes 'o1' and 'o2' are both graph outputs (type 'out'); a graph has at most one.", e.Message);
    }

    [Fact]
    public void Json_WithAnUnknownKey_IsRefusedWithTheKeyItsPlaceAndTheAllowedKeys()
    {
        const string Json = """
            { "nodes": [ { "id": "osc", "type": "sine", "paramters": { "freqHz": 220 } }, { "id": "out", "type": "out" } ],
              "edges": [ { "from": "osc", "too": "out" } ], "tempo": 120 }
            """;
        System.Text.Json.JsonException e = Assert.Throws<System.Text.Json.JsonException>(() => GraphDescription.FromJson(Json));
        Assert.Contains("Unknown key 'tempo' at the top level: a graph has the keys nodes, edges.", e.Message);
        Assert.Contains("Unknown key 'paramters' at nodes[0]: a node has the keys id, type, channels, parameters, options.", e.Message);
        Assert.Contains("Unknown key 'too' at edges[0]: an edge has the keys from, fromPort, to, toPort.", e.Message);
        Assert.DoesNotContain("LiveEngine.Graph", e.Message);
    }

    [Fact]
    public void Json_WithAValueOfTheWrongKind_SaysWhatWasExpected_WithoutDotNetTypeNames()
    {
        System.Text.Json.JsonException e = Assert.Throws<System.Text.Json.JsonException>(() =>
            GraphDescription.FromJson("""{ "nodes": [ { "id": "osc", "type": "sine", "channels": "two" } ] }"""));
        Assert.Equal("The value at 'nodes[0].channels' has the wrong kind: expected a whole number.", e.Message);
    }

    [Fact]
    public void Json_RoundTripsTheDescription()
    {
        var graph = new GraphDescription();
        graph.Add("c", "const", new Dictionary<string, double> { ["value"] = 0.25 }, channels: 2);
        graph.Add("out", "out");
        graph.Connect("c", "out");
        string json = graph.ToJson();
        GraphDescription back = GraphDescription.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(0.25, back.Nodes[0].Parameters["value"]);
        Assert.Equal(2, back.Nodes[0].Channels);
        Assert.Contains("\"type\": \"const\"", json);
    }
}
