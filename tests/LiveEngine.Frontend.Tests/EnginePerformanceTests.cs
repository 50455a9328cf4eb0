using LiveEngine.CSharp;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Tests.Frontend;

/// <summary>
/// A performance whose engine plays elsewhere (as the REPL's does): Lua and C# evaluated here, every change carried
/// by the engine protocol over a Unix socket to an engine on the real-time null driver, with its own registry, so
/// nothing reaches it but what the protocol carries — user node classes included, as assembly bytes.
/// </summary>
[Collection("TimingSensitive")]
public sealed class EnginePerformanceTests : IDisposable
{
    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"le-front-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
    private readonly NodeTypeRegistry _engineRegistry = BuiltinNodeTypes.CreateRegistry();
    private readonly LiveSession _engineSession;
    private readonly InProcessEngine _engine;
    private readonly EngineServer _server;
    private readonly EngineClient _client;
    private readonly Performance _performance;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, float[][]> _engineSamples = new(StringComparer.Ordinal);
    private readonly string _sampleFolder = Directory.CreateTempSubdirectory("le-front-samples-").FullName;

    public EnginePerformanceTests()
    {
        var initial = new GraphDescription();
        initial.Add("out", "out");
        _engineSession = new LiveSession(_engineRegistry, initial, new LiveSessionOptions { MaxBlockFrames = 128, Tempo = 240 });
        var admitter = new EngineNodeAdmitter(_engineRegistry, new AdmissionOptions { SampleRate = 48_000, BlockFrames = 128 });
        _engine = new InProcessEngine(_engineSession, 128)
        {
            NodeAdmitter = admitter.Admit,

            // As the engine command's: samples go into the library its nodes read (this process's), and are recorded here.
            SampleLoader = (name, channels, rate) =>
            {
                _engineSamples[name] = channels;
                LiveEngine.Dsp.Nodes.SampleLibrary.Shared.Add(name, channels, rate);
            },
        };
        _engine.StartDriver(DriverSpec.Null);
        _server = new EngineServer(_engine, _socketPath);
        _client = EngineClient.Connect(_socketPath, "front");
        _performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions { SampleFolders = [_sampleFolder] }, new RemoteSession(_client));
        foreach (var language in FrontendLanguages.Create(_performance.Registry))
        {
            _performance.AddLanguage(language);
        }

        _performance.StartControl();
    }

    public void Dispose()
    {
        _performance.Dispose();
        _client.Dispose();
        _server.Dispose();
        _engine.Dispose();
        Directory.Delete(_sampleFolder, recursive: true);
    }

    private static void WaitUntil(Func<bool> condition, string what, double seconds = 10)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed.TotalSeconds < seconds, $"timed out waiting for {what}");
            Thread.Sleep(20);
        }
    }

    [Fact]
    public async Task Lua_CommitsAtTheEnginesBarLine_AndItsCallbacksSetParametersThere()
    {
        Assert.Null(_performance.Local);
        Evaluation result = await _performance.EvaluateAsync("lua", """
            out(saw("bass", { freq = 55 }) >> lpf("lp", { cutoff = 600 }))
            print("commit at " .. commit("bar"))
            every(1 / 4, function(i) set("lp", "cutoff", 300 + (i % 8) * 100) end, "sweep")
            """, "live.lua:1", Quantization.NextBar);
        Assert.True(result.Ok, result.Error);
        long commit = long.Parse(result.Output!.Split("commit at ")[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);

        // The engine chose the sample: a bar line of its own clock (240 BPM: a bar is 48,000 frames).
        Assert.Equal(0, commit % 48_000);
        WaitUntil(() => _engineSession.Graph.Nodes.Exists(n => n.Id == "bass"), "the graph in the engine");

        // The callback runs here, 100 ms ahead; its parameter changes land in the engine.
        WaitUntil(() => _engineSession.Renderer.Position > commit + 24_000, "a few callbacks");
        WaitUntil(() => _engineSession.Graph.Nodes.Find(n => n.Id == "lp")!.Parameters["cutoffHz"] != 600, "a sweep step in the engine");
        Assert.Equal(0, _engineSession.Renderer.DroppedEvents);
    }

    [Fact]
    public async Task CSharp_UserNodeClasses_AreAdmittedByTheEngine_BeforeAGraphUsesThem()
    {
        Evaluation defined = await _performance.EvaluateAsync("cs", """
            [Node("halver", Inputs = new[] { "in" })]
            class Halver : UserNode
            {
                protected override void Render(in ProcessContext context)
                {
                    ReadOnlySpan<float> input = context.Input(0);
                    Span<float> output = context.Output(0);
                    for (int i = 0; i < output.Length; i++)
                    {
                        output[i] = input[i] * 0.5f;
                    }
                }
            }
            """, "snippet", Quantization.Now);
        Assert.True(defined.Ok, defined.Error);
        Assert.True(_engineRegistry.TryGet("halver", out NodeTypeDescriptor? type), "the engine registered the type");
        Assert.True((type!.Flags & NodeTypeFlags.Untrusted) != 0);

        Evaluation used = await _performance.EvaluateAsync("cs", """Graph().Add("s", "sine", ("freqHz", 220)).Add("h", "halver").Add("p", "pan").Chain("s", "h", "p", "out").Commit(Now);""", "snippet", Quantization.Now);
        Assert.True(used.Ok, used.Error);
        WaitUntil(() => _engineSession.Renderer.Current.IndexOfNode("h") >= 0, "the user node playing in the engine");
        Thread.Sleep(200);
        Assert.Empty(_performance.Session.Faults());

        // A class the engine refuses (it allocates) never reaches a graph, and the error says why.
        Evaluation refused = await _performance.EvaluateAsync("cs", """
            [Node("leaky", Inputs = new[] { "in" })]
            class Leaky : UserNode
            {
                protected override void Render(in ProcessContext context)
                {
                    var garbage = new float[context.Frames];
                    context.Input(0).CopyTo(context.Output(0));
                    garbage[0] = 1;
                }
            }
            """, "snippet", Quantization.Now);
        Assert.False(refused.Ok);
        Assert.Contains("allocates", refused.Error, StringComparison.Ordinal);
        Assert.False(_engineRegistry.TryGet("leaky", out _));
    }

    [Fact]
    public void StatsAndGraph_ComeFromTheEngine()
    {
        _performance.Commit(GraphDescriptionWithSine(), Quantization.Now);
        string stats = _performance.DescribeStats();
        Assert.Contains($"engine process {Environment.ProcessId}", stats, StringComparison.Ordinal);
        Assert.Contains("audio thread allocated", stats, StringComparison.Ordinal);
        Assert.Contains("engine GC count", stats, StringComparison.Ordinal);
        string graph = _performance.DescribeGraph();
        Assert.Contains("playing in the engine process", graph, StringComparison.Ordinal);
        Assert.Contains("tone", graph, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEditorSocket_ReportsTheEnginesStats()
    {
        await using var server = new LiveEngine.Frontend.Rpc.EditorServer(_performance, new LiveEngine.Frontend.Rpc.EditorServerOptions { Port = 0 });
        server.Start();
        WaitUntil(() => _performance.Remote!.LastStats is not null, "the first stats poll");
        using var client = new Rpc.RpcTestClient(server.Port);
        var stats = client.Call("stats/get")["result"]!.AsObject();
        Assert.Equal("null", (string?)stats["driver"]);
        Assert.Equal(3, stats["engineGc"]!.AsArray().Count);
        Assert.True((long)stats["blocks"]! > 0);
    }

    [Fact]
    public async Task TheEditorSocket_LoadsAJsonGraphsImpulseResponse_AndShipsItToTheEngine_OrNamesTheMissingFile()
    {
        string unique = Guid.NewGuid().ToString("N");
        string irName = $"irs/{unique}.wav";
        Directory.CreateDirectory(Path.Combine(_sampleFolder, "irs"));
        float[] response = [1f, 0, 0, 0.5f, 0, 0.25f];
        using (var writer = new LiveEngine.Hosts.Wav.WavWriter(Path.Combine(_sampleFolder, irName), 48_000, 1, LiveEngine.Hosts.Wav.WavSampleFormat.Float32))
        {
            writer.WritePlanar([response], 0, response.Length);
        }

        await using var server = new LiveEngine.Frontend.Rpc.EditorServer(_performance, new LiveEngine.Frontend.Rpc.EditorServerOptions { Port = 0 });
        server.Start();
        using var client = new Rpc.RpcTestClient(server.Port);

        var answer = client.Call("graph/commit", new System.Text.Json.Nodes.JsonObject { ["graph"] = Graph(irName), ["quantize"] = "now" });

        Assert.True(answer["result"] is not null, answer.ToJsonString());
        WaitUntil(() => _engineSession.Graph.Nodes.Exists(n => n.Id == "hall"), "the convolution in the engine");
        Assert.True(_engineSamples.TryGetValue(irName, out float[][]? shipped), "the response did not reach the engine by the sample-load command");
        Assert.Equal(response, shipped[0]);

        // The engine prepared the node (its response found in the engine's library) and plays it.
        WaitUntil(() => _engineSession.Renderer.Current.IndexOfNode("hall") >= 0, "the convolution playing in the engine");

        var refused = client.Call("graph/commit", new System.Text.Json.Nodes.JsonObject { ["graph"] = Graph($"irs/missing-{unique}.wav"), ["quantize"] = "now" });
        string message = (string)refused["error"]!["message"]!;
        Assert.Contains($"node 'hall': impulse response 'irs/missing-{unique}.wav'", message, StringComparison.Ordinal);
        Assert.Contains("no file", message, StringComparison.Ordinal);
    }

    private static System.Text.Json.Nodes.JsonObject Graph(string ir) => System.Text.Json.Nodes.JsonNode.Parse($$"""
        { "nodes": [ { "id": "osc", "type": "saw" },
                     { "id": "hall", "type": "convolution", "options": { "ir": "{{ir}}" } },
                     { "id": "out", "type": "out" } ],
          "edges": [ { "from": "osc", "to": "hall" }, { "from": "hall", "to": "out" } ] }
        """)!.AsObject();

    [Fact]
    public async Task ALogThatAttachedToAPlayingEngine_ReplaysFromWhereItAttached_NotFromSampleZero()
    {
        // 240 BPM: a beat is 12,000 frames, a bar 48,000. The engine has played for more than two bars.
        WaitUntil(() => _engineSession.Renderer.Position > 2 * 48_000, "the engine past its second bar");
        string dir = Directory.CreateTempSubdirectory("le-attach-").FullName;
        try
        {
            string log = Path.Combine(dir, "late.jsonl");
            long landed;
            using (EngineClient client = EngineClient.Connect(_socketPath, "late"))
            {
                using var late = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions { LogPath = log }, new RemoteSession(client));
                late.AddLanguage(session => new LiveEngine.Frontend.Languages.LuaLanguage(session, BuiltinNodeTypes.CreateRegistry()));
                late.StartControl();
                Evaluation result = await late.EvaluateAsync("lua", "out(sine 'late' {freq = 330})\nreturn commit('bar')", "late.lua", Quantization.NextBar);
                Assert.True(result.Ok, result.Error);
                landed = long.Parse(result.Output, System.Globalization.CultureInfo.InvariantCulture);
                WaitUntil(() => late.Session.Position > landed + 12_000, "the graph playing");
            }

            IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(log);
            SessionLogEntry header = entries[0];
            long attached = header.Position;
            Assert.True(attached >= 2 * 48_000, $"the log starts at {attached}");
            Assert.True(Fraction.TryParse(header.Beat, out Fraction beat) && beat == Fraction.Create(attached, 12_000), $"beat {header.Beat} at {attached}");
            Assert.True(Fraction.TryParse(header.Bar, out Fraction bar) && bar == Fraction.Create(attached, 48_000), $"bar {header.Bar} at {attached}");
            Assert.Equal("240", header.Tempo);
            long end = entries[^1].Position;
            Assert.Equal("end", entries[^1].Kind);

            string wav = Path.Combine(dir, "late.wav");
            NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
            ReplayReport report = SessionReplay.Render(log, registry, [session => new LiveEngine.Frontend.Languages.LuaLanguage(session, registry)], wav, LiveEngine.Hosts.Wav.WavSampleFormat.Float32);
            Assert.Equal(0, report.FailedActions);
            Assert.Equal(attached, report.StartSample);
            Assert.Equal(end - attached, report.Frames);
            float[] left = LiveEngine.Hosts.Wav.WavFile.Read(wav).Channels[0];
            Assert.Equal(end - attached, left.Length);

            // The replay's clock is the engine's: its commit lands on the same bar line, silence before it.
            long landedInWav = landed - attached;
            Assert.True(landedInWav > 0 && landedInWav < left.Length, $"landed {landed}, attached {attached}, end {end}, {string.Join(" / ", entries.Select(e => e.Kind + "@" + e.Position))}");
            Assert.All(left[..(int)landedInWav], s => Assert.Equal(0f, s));
            Assert.True(left[(int)landedInWav..].Max(MathF.Abs) > 0.1f);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static GraphDescription GraphDescriptionWithSine()
    {
        var graph = new GraphDescription();
        graph.Add("tone", "sine", new Dictionary<string, double> { ["freqHz"] = 330 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("tone", "pan", "out");
        return graph;
    }
}
