using System.Text;
using System.Text.Json.Nodes;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Rpc;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Live;

namespace LiveEngine.Tests.Frontend.Rpc;

/// <summary>
/// The editor socket against bad and hostile input: each bad message gets a JSON-RPC error, the connection stays
/// usable, and the engine (playing through the real-time null driver) keeps rendering without a gap.
/// </summary>
[Collection("TimingSensitive")]
public sealed class EditorServerTests : IAsyncLifetime
{
    private Performance _performance = null!;
    private EditorServer _server = null!;

    public async Task InitializeAsync()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 220 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "pan", "out");
        _performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            InitialGraph = graph,
        });
        _performance.Local!.Renderer.WarmUp();
        NullDriver driver = NullDriver.Start(_performance.Local!.Renderer, 48_000, 128);
        _performance.Play(new DriverHandle("null", driver.Stats, 128, () => false, driver));
        _server = new EditorServer(_performance, new EditorServerOptions { Port = 0, MessagesPerSecond = 200, Burst = 400 });
        _server.Start();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _performance.Dispose();
    }

    [Fact]
    public void LinkCommand_GivesTheStatus_AndRefusesAWordOtherThanOnOrOff()
    {
        using var client = new RpcTestClient(_server.Port);
        JsonObject status = client.Call("link/command", new JsonObject { ["command"] = "" });
        Assert.StartsWith("Ableton Link is off", (string)status["result"]!);
        JsonObject bad = client.Call("link/command", new JsonObject { ["command"] = "maybe" });
        Assert.Equal(-32602, (int)bad["error"]!["code"]!);
        Assert.Contains("':link maybe': say ':link on' or ':link off'", (string)bad["error"]!["message"]!);
    }

    [Fact]
    public void ParametersSet_LandsAndIsVisibleInGraphGet()
    {
        using var client = new RpcTestClient(_server.Port);
        JsonObject set = client.Call("parameters/set", new JsonObject { ["node"] = "osc", ["parameter"] = "freqHz", ["value"] = 330 });
        Assert.True((long)set["result"]!["sample"]! >= 0);
        JsonObject graph = client.Call("graph/get");
        Assert.Equal(330, (double)graph["result"]!["nodes"]![0]!["parameters"]!["freqHz"]!);
        JsonObject get = client.Call("parameters/get", new JsonObject { ["node"] = "osc" });
        Assert.Equal(330, (double)get["result"]!["freqHz"]!);
    }

    [Fact]
    public void GraphSaveThenLoad_DoWhatTheReplsSaveAndLoadDo_AndAMissingFileIsInvalidParams()
    {
        using var client = new RpcTestClient(_server.Port);
        string folder = Directory.CreateTempSubdirectory("le-rpc-save-").FullName;
        try
        {
            string path = Path.Combine(folder, "saved.json");
            JsonObject saved = client.Call("graph/save", new JsonObject { ["path"] = path });
            Assert.StartsWith($"saved the graph to {path}", (string)saved["result"]!);
            Assert.Contains("\"osc\"", File.ReadAllText(path));

            client.Call("panic");
            JsonObject loaded = client.Call("load", new JsonObject { ["path"] = path, ["quantize"] = "now" });
            Assert.True((bool)loaded["result"]!["ok"]!, loaded.ToJsonString());
            Assert.Contains(_performance.Session.Graph.Nodes, n => n.Id == "osc");

            JsonObject missing = client.Call("load", new JsonObject { ["path"] = Path.Combine(folder, "nothing.lua") });
            Assert.Equal(-32602, (int)missing["error"]!["code"]!);
            JsonObject statsText = client.Call("stats/text");
            Assert.Contains("driver null", (string)statsText["result"]!);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TransportStop_HoldsTheClockAndSilencesTheOutput_TransportPlayResumesFromThere()
    {
        using var client = new RpcTestClient(_server.Port);
        long held = (long)client.Call("transport/stop")["result"]!["sample"]!;
        Assert.False(_performance.TransportPlaying);
        Assert.False(_performance.Local!.Renderer.Playing);
        Thread.Sleep(100);
        long position = _performance.Session.Position;
        Assert.InRange(position - held, 0, 128);
        Thread.Sleep(50);
        Assert.Equal(position, _performance.Session.Position);
        Assert.Equal(position, (long)client.Call("transport/state")["result"]!["sample"]!);

        Assert.Equal(position, (long)client.Call("transport/play")["result"]!["sample"]!);
        Assert.True(_performance.Local!.Renderer.Playing);
        Thread.Sleep(100);
        Assert.True(_performance.Session.Position > position, "the clock did not resume");
    }

    [Fact]
    public void BadArguments_GetInvalidParams_WithTheEnginesMessage()
    {
        using var client = new RpcTestClient(_server.Port);
        JsonObject response = client.Call("parameters/set", new JsonObject { ["node"] = "osc", ["parameter"] = "freq", ["value"] = 330 });
        Assert.Equal(-32602, (int)response["error"]!["code"]!);
        Assert.Contains("Node 'osc' (type 'sine') has no parameter 'freq'", (string)response["error"]!["message"]!);
        JsonObject quantize = client.Call("transport/tempo", new JsonObject { ["bpm"] = 130, ["quantize"] = "soon" });
        Assert.Equal(-32602, (int)quantize["error"]!["code"]!);
        Assert.Contains("'soon' is not a quantisation", (string)quantize["error"]!["message"]!);
    }

    [Fact]
    public void UnknownMethod_IsMethodNotFound_NamingItAndTheKnownMethods()
    {
        using var client = new RpcTestClient(_server.Port);
        JsonObject response = client.Call("graph/explode");
        Assert.Equal(-32601, (int)response["error"]!["code"]!);
        string message = (string)response["error"]!["message"]!;
        Assert.StartsWith("No method 'graph/explode'. The methods are: ", message);
        Assert.Contains("parameters/set", message);
        Assert.Null(response["error"]!["data"]);
    }

    [Theory]
    [InlineData("{\"node\":\"osc\",\"parameter\":\"freqHz\",\"value\":\"NaN\"}", "parameters/set: 'value' must be a finite number, not the string \"NaN\"")]
    [InlineData("{\"node\":\"osc\",\"parameter\":\"freqHz\",\"value\":1e999}", "parameters/set: 'value' must be a finite number, not 1e999")]
    [InlineData("{\"node\":\"osc\",\"parameter\":\"freqHz\"}", "parameters/set: 'value' (a finite number) is missing")]
    [InlineData("{\"node\":\"osc\",\"parameter\":\"freqHz\",\"value\":1,\"extra\":2}", "parameters/set has no parameter 'extra'")]
    [InlineData("[\"osc\",\"freqHz\",1,\"now\",5]", "parameters/set takes at most 4 arguments, not 5")]
    [InlineData("{\"node\":7,\"parameter\":\"freqHz\",\"value\":1}", "parameters/set: 'node' must be a string, not 7")]
    public void WrongArguments_SayWhichParameterAndWhatIsExpected_WithoutDotNetInternals(string parameters, string expected)
    {
        using var client = new RpcTestClient(_server.Port);
        client.SendBody($"{{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"parameters/set\",\"params\":{parameters}}}");
        JsonObject response = client.ReadResponse();
        Assert.Equal(5, (int)response["id"]!);
        Assert.Equal(-32602, (int)response["error"]!["code"]!);
        string message = (string)response["error"]!["message"]!;
        Assert.StartsWith(expected, message);
        Assert.EndsWith("it takes node (a string), parameter (a string), value (a finite number), quantize (a string, optional).", message);
        Assert.DoesNotContain("(Parameter '", message);
        Assert.DoesNotContain("Actual value", message);
        Assert.DoesNotContain("System.", message);
        Assert.Null(response["error"]!["data"]);
    }

    [Fact]
    public void PositionalArguments_AreAccepted()
    {
        using var client = new RpcTestClient(_server.Port);
        client.SendBody("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"parameters/set\",\"params\":[\"osc\",\"freqHz\",330]}");
        JsonObject response = client.ReadResponse();
        Assert.True((long)response["result"]!["sample"]! >= 0, response.ToJsonString());
    }

    [Fact]
    public void ABatch_GetsAnArrayOfResponses_WithNoEntryForNotifications()
    {
        using var client = new RpcTestClient(_server.Port);
        Assert.Null(client.Call("variables/set", new JsonObject { ["name"] = "x", ["value"] = 3 })["error"]);
        client.SendBody("""
            [
              {"jsonrpc":"2.0","id":"a","method":"transport/state"},
              {"jsonrpc":"2.0","method":"variables/set","params":{"name":"z","value":4}},
              {"jsonrpc":"2.0","id":2,"method":"no/such"},
              {"jsonrpc":"2.0","id":3,"method":"variables/get"},
              1,
              {"jsonrpc":"2.0","id":4,"method":"parameters/set","params":{"node":"osc","parameter":"freqHz","value":"loud"}}
            ]
            """);
        JsonObject? first = null;
        JsonArray responses;
        while (true)
        {
            JsonNode message = client.ReadNode();
            if (message is JsonArray array)
            {
                responses = array;
                break;
            }

            first ??= message.AsObject();
            Assert.NotNull(first["method"]); // only notifications may come before the batch's answer
        }

        Assert.Equal(5, responses.Count);
        var byId = responses.ToDictionary(r => r!["id"]?.ToJsonString() ?? "null", r => r!.AsObject());
        Assert.NotNull(byId["\"a\""]["result"]!["bpm"]);
        Assert.Equal(-32601, (int)byId["2"]["error"]!["code"]!);
        Assert.Equal(3, (double)byId["3"]["result"]!["x"]!);
        Assert.Equal(-32600, (int)byId["null"]["error"]!["code"]!);
        Assert.Equal(-32602, (int)byId["4"]["error"]!["code"]!);

        // An empty batch is one Invalid Request; a batch of notifications gets no reply at all.
        client.SendBody("[]");
        JsonObject empty = client.ReadResponse();
        Assert.Equal(-32600, (int)empty["error"]!["code"]!);
        Assert.Null(empty["id"]);
        client.SendBody("[{\"jsonrpc\":\"2.0\",\"method\":\"variables/set\",\"params\":{\"name\":\"y\",\"value\":1}}]");
        Assert.Equal(7, (int)client.Call("transport/state", null, 7)["id"]!);
    }

    [Fact]
    public async Task AClientThatLeaves_IsForgotten_AndTheServerStopsPromptlyWithAnotherConnected()
    {
        using (var client = new RpcTestClient(_server.Port))
        {
            Assert.NotNull(client.Call("transport/state")["result"]);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (_server.Connections > 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, _server.Connections);
        using var stays = new RpcTestClient(_server.Port);
        Assert.NotNull(stays.Call("transport/state")["result"]);
        clock.Restart();
        await _server.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the server took {clock.Elapsed.TotalSeconds:0.00} s to stop");
    }

    [Fact]
    public void MalformedJson_IsAParseError_AndTheConnectionStaysUsable()
    {
        using var client = new RpcTestClient(_server.Port);
        client.SendBody("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
        JsonObject error = client.ReadResponse();
        Assert.Equal(-32700, (int)error["error"]!["code"]!);
        Assert.Null(error["id"]);
        client.SendBody("[1,2]");
        JsonArray batch = client.ReadAnswer().AsArray();
        Assert.Equal([-32600, -32600], batch.Select(r => (int)r!["error"]!["code"]!));
        client.SendBody("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"graph/get\"}");
        JsonObject version = client.ReadResponse();
        Assert.Equal(7, (int)version["id"]!);
        Assert.Contains("jsonrpc must be", (string)version["error"]!["message"]!);
        Assert.NotNull(client.Call("transport/state")["result"]);
    }

    [Fact]
    public void WrongContentLength_IsReportedOnce_AndTheReaderResynchronises()
    {
        using var client = new RpcTestClient(_server.Port);
        string body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"transport/state\"}";

        // Too short: the body is cut (a parse error); its rest is skipped up to the next header without another error.
        client.SendRaw($"Content-Length: {body.Length - 10}\r\n\r\n{body}");
        Assert.Equal(-32700, (int)client.ReadResponse()["error"]!["code"]!);
        int id = client.Send("transport/state");
        JsonObject answer = client.ReadResponse();
        Assert.Equal(id, (int)answer["id"]!);
        Assert.NotNull(answer["result"]);
    }

    [Fact]
    public void BadHeaders_GetExactlyOneErrorEach_AndTheValidRequestAfterThemIsAnswered()
    {
        // The first two once made the reader answer the same -32700 forever (16-35 MB/s) and never read on. A bad
        // frame runs up to the next "Content-Length:" (what follows a bad header is its body).
        using var client = new RpcTestClient(_server.Port);
        string body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"transport/state\"}";
        string[] bad =
        [
            "X-Junk: 1\r\n\r\n",
            $"Content-Length: lots\r\n\r\n{body}",
            "Content-Length: -3\r\n\r\n",
            "Content-Length: 12\r\nnot a header line\r\n\r\n{}",
            "Content-Length: " + new string('9', 20_000),
        ];
        foreach (string frame in bad)
        {
            // Alone in the server's buffer, as a bad header is when the client then waits for an answer.
            client.SendRaw(frame);
            Thread.Sleep(200);
        }

        int id = client.Send("transport/state");
        var errors = new List<string>();
        JsonObject reply;
        while ((reply = client.ReadResponse())["id"] is null)
        {
            Assert.Equal(EditorServer.ParseError, (int)reply["error"]!["code"]!);
            errors.Add((string)reply["error"]!["message"]!);
            Assert.True(errors.Count <= bad.Length, $"more errors than bad frames: {string.Join(" | ", errors.Distinct())}");
        }

        Assert.Equal(id, (int)reply["id"]!);
        Assert.NotNull(reply["result"]);
        Assert.Equal(bad.Length, errors.Count);
        Assert.Contains("the header has no Content-Length", errors[0]);
        Assert.Contains("'lots' is not a byte count", errors[1]);

        // Nothing more was queued behind the answer: the next reply is the next request's.
        int next = client.Send("transport/state");
        Assert.Equal(next, (int)client.ReadResponse()["id"]!);
    }

    [Fact]
    public void ContentLengthLongerThanTheBody_IsReportedAfterTheBodyTimeout()
    {
        using var client = new RpcTestClient(_server.Port);
        string body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"transport/state\"}";
        client.SendRaw($"Content-Length: {body.Length + 100}\r\n\r\n{body}");
        JsonObject error = client.ReadResponse(TimeSpan.FromSeconds(15));
        Assert.Contains($"Content-Length said {body.Length + 100} bytes but {body.Length} arrived", (string)error["error"]!["message"]!);
        Assert.NotNull(client.Call("transport/state")["result"]);
    }

    [Fact]
    public void OversizedMessage_IsRefusedWithTheLimit_WithoutBeingBuffered()
    {
        using var client = new RpcTestClient(_server.Port);
        int size = (1 << 20) + 1;
        byte[] big = new byte[size];
        Array.Fill(big, (byte)' ');
        client.SendRaw(Encoding.ASCII.GetBytes($"Content-Length: {size}\r\n\r\n"));
        client.SendRaw(big);
        JsonObject error = client.ReadResponse();
        Assert.Equal(-32600, (int)error["error"]!["code"]!);
        Assert.Equal($"a message of {size} bytes is over the {1 << 20}-byte limit", (string)error["error"]!["message"]!);
        Assert.NotNull(client.Call("transport/state")["result"]);
    }

    [Fact]
    public async Task AFloodOf10000Messages_IsAnsweredInFull_RateLimited_WhileTheEngineKeepsPlaying()
    {
        using var client = new RpcTestClient(_server.Port);
        long before = _performance.Local!.Renderer.Position;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sender = Task.Run(() =>
        {
            var batch = new StringBuilder();
            for (int i = 1; i <= 10_000; i++)
            {
                string body = $"{{\"jsonrpc\":\"2.0\",\"id\":{i},\"method\":\"transport/state\"}}";
                batch.Append($"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n").Append(body);
                if (i % 500 == 0)
                {
                    client.SendRaw(batch.ToString());
                    batch.Clear();
                }
            }
        });
        int answered = 0, limited = 0;
        var ids = new HashSet<int>();
        while (answered < 10_000)
        {
            JsonObject response = client.ReadResponse();
            answered++;
            ids.Add((int)response["id"]!);
            if (response["error"] is JsonObject error)
            {
                Assert.Equal(EditorServer.RateLimited, (int)error["code"]!);
                limited++;
            }
        }

        await sender;
        Assert.Equal(10_000, ids.Count);
        Assert.InRange(limited, 1, 10_000 - 400);

        // The engine kept real-time pace over the flood and the second after it, and the connection still works.
        // (The flood itself can take a tenth of a second: one 30 ms preemption of the pacing thread on a loaded
        // CI machine would fail a window that short, and says nothing about the flood.)
        await Task.Delay(1100); // the rate limiter refills
        double rendered = (_performance.Local!.Renderer.Position - before) / 48_000.0;
        double elapsed = clock.Elapsed.TotalSeconds;
        Assert.True(rendered > elapsed * 0.8, $"the engine rendered {rendered:0.00} s in {elapsed:0.00} s from the start of the flood");
        Assert.NotNull(client.Call("stats/get")["result"]);
    }

    [Fact]
    public async Task NonLoopbackBind_RequiresAToken_AndATokenServerRefusesStrangers()
    {
        Assert.Throws<ArgumentException>(() => new EditorServer(_performance, new EditorServerOptions { Bind = System.Net.IPAddress.Any, Port = 0 }));
        await using var secured = new EditorServer(_performance, new EditorServerOptions { Port = 0, Token = "s3cret" });
        secured.Start();
        using var client = new RpcTestClient(secured.Port);
        JsonObject refused = client.Call("graph/get");
        Assert.Equal(EditorServer.Unauthorized, (int)refused["error"]!["code"]!);
        JsonObject wrong = client.Call("initialize", new JsonObject { ["token"] = "guess" });
        Assert.Equal(EditorServer.Unauthorized, (int)wrong["error"]!["code"]!);
        JsonObject hello = client.Call("initialize", new JsonObject { ["token"] = "s3cret" });
        Assert.Equal("liveengine", (string)hello["result"]!["server"]!);
        Assert.NotNull(client.Call("graph/get")["result"]);
    }

    [Fact]
    public void StatsSubscription_SendsNotifications()
    {
        using var client = new RpcTestClient(_server.Port);
        client.Call("stats/subscribe", new JsonObject { ["intervalMs"] = 100 });
        JsonObject first;
        while ((string?)(first = client.ReadMessage())["method"] != "stats")
        {
        }

        Assert.True((long)first["params"]!["sample"]! > 0);
        Assert.Equal("null", (string)first["params"]!["driver"]!);
    }
}
