using System.Diagnostics;
using System.Net;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Osc;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Osc;

namespace LiveEngine.Tests.Frontend.Osc;

/// <summary>
/// OSC into a performance rendered offline, where every sample is observable: a sampler plays a one-sample click, so
/// the output's first non-zero sample after each trigger is the sample the trigger landed on.
/// </summary>
public sealed class OscRouterTests
{
    private const int Rate = 48_000;
    private const long Latency = 960;

    static OscRouterTests() => SampleLibrary.Shared.Add("osc-click", [[1f, 0f, 0f, 0f]], Rate);

    private static Performance Offline()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("p", "sampler", new Dictionary<string, double> { ["gate"] = 0 });
        graph.Nodes[^1].Options["sample"] = "osc-click";
        graph.Connect("p", "out");
        var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = Rate, MaxBlockFrames = 128, OutputChannels = 1 },
            BlockFrames = 128,
            InitialGraph = graph,
        });
        foreach (var language in FrontendLanguages.Create(performance.Registry))
        {
            performance.AddLanguage(language);
        }

        return performance;
    }

    private static List<long> Onsets(Performance performance, long frames)
    {
        var onsets = new List<long>();
        long position = 0;
        performance.RenderTo(frames, (channels, count) =>
        {
            for (int i = 0; i < count; i++)
            {
                if (channels[0][i] > 0.5f)
                {
                    onsets.Add(position + i);
                }
            }

            position += count;
        });
        return onsets;
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "timed out waiting for " + what);
            Thread.Sleep(2);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BundlesTimed100msAhead_EachTriggerLandsOnItsComputedSample_Exactly(bool tcp)
    {
        using Performance performance = Offline();
        OscTimeTag anchor = OscTimeTag.Now;
        var map = new OscTimeMap(Rate, Latency, anchor, performance.Session.Position);
        var router = new OscRouter(performance.Session, map);
        using var server = new OscServer(new IPEndPoint(IPAddress.Loopback, 0), router.Handle, tcp);
        using var client = new OscClient("127.0.0.1", server.LocalEndPoint.Port, tcp);

        // Eight bundles, 100 ms ahead and then at uneven offsets that are not whole samples.
        var expected = new List<long>();
        for (int k = 0; k < 8; k++)
        {
            OscTimeTag time = anchor.AddSeconds(0.1 + (k * 0.0371234));
            long delta = (long)(time.Raw - anchor.Raw);
            expected.Add((long)Math.Round(delta * (double)Rate / 4_294_967_296.0, MidpointRounding.AwayFromZero) + Latency);
            client.SendBundle(time, [new OscMessage("/trig/p/gate", OscValue.Float32(1), OscValue.Float32(0.0625f))]);
        }

        WaitFor(() => router.Triggers == 8, "eight triggers");
        Assert.Equal(0, server.Malformed);
        Assert.Equal(0, router.RefusedCount);
        Assert.Equal(expected, Onsets(performance, Rate));
    }

    [Fact]
    public void ALuaHandler_RunsAtItsMessagesSample_AndItsSetLandsThere()
    {
        using Performance performance = Offline();
        Assert.True(performance.TryGetLanguage("lua", out ILiveLanguage? lua));
        var notices = new List<string>();
        performance.NoticeBoard.Posted += n => notices.Add(n.Message);
        Evaluation evaluation = performance.Evaluate("lua", "out(sampler 'p' { sample = 'osc-click', gate = 0 })\nosc('/fader/*', function(v, w) set('p', 'gate', v); setvar('second', w) end)", "test", LiveEngine.Time.Quantization.Now);
        Assert.True(evaluation.Ok, evaluation.Error);
        OscTimeTag anchor = OscTimeTag.Now;
        var router = new OscRouter(performance.Session, new OscTimeMap(Rate, Latency, anchor, 0));
        router.AddListener((IOscListener)lua!);
        OscTimeTag time = anchor.AddSeconds(0.25);
        router.Handle(new OscMessage("/fader/3", [OscValue.Float32(1), OscValue.Int32(42)], time), new IPEndPoint(IPAddress.Loopback, 1), Stopwatch.GetTimestamp());
        router.Handle(new OscMessage("/other/3", [OscValue.Float32(1)], time), new IPEndPoint(IPAddress.Loopback, 1), Stopwatch.GetTimestamp());
        WaitFor(() => performance.Session.Variables.Get("second") == 42 || notices.Count > 0, "the handler");
        Assert.Empty(notices);
        Assert.Equal([12_000 + Latency], Onsets(performance, Rate / 2));
    }

    [Fact]
    public void MessagesALuaHandlerTook_AreInTheSessionLog_AndTheReplayHandsThemToItOnTheirSample_BitIdentical()
    {
        string dir = Directory.CreateTempSubdirectory("le-osc-lua-log-").FullName;
        try
        {
            string log = Path.Combine(dir, "osc.jsonl");
            string live = Path.Combine(dir, "live.wav");
            using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
            {
                Session = new LiveSessionOptions { SampleRate = Rate, MaxBlockFrames = 128, OutputChannels = 1 },
                BlockFrames = 128,
                LogPath = log,
            }))
            using (var writer = new LiveEngine.Hosts.Wav.WavWriter(live, Rate, 1, LiveEngine.Hosts.Wav.WavSampleFormat.Float32))
            {
                foreach (var language in FrontendLanguages.Create(performance.Registry))
                {
                    performance.AddLanguage(language);
                }

                Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
                Evaluation evaluation = performance.Evaluate("lua", """
                    local bus = gain 'bus' { level = 1 }
                    out(bus)
                    _ = { sampler 'p' { sample = 'osc-click', gate = 0 }, sine 'tone' { freqHz = 220, level = 0.1 } } >> bus
                    osc('/fader/*', function(v, f) set('p', 'gate', v); set('tone', 'freqHz', f); setvar('last', f) end)
                    """, "test", LiveEngine.Time.Quantization.Now);
                Assert.True(evaluation.Ok, evaluation.Error);
                OscTimeTag anchor = OscTimeTag.Now;
                var router = new OscRouter(performance.Logged, new OscTimeMap(Rate, Latency, anchor, 0));
                router.Delivered += performance.LogOsc;
                Assert.True(performance.TryGetLanguage("lua", out ILiveLanguage? lua));
                router.AddListener((IOscListener)lua!);
                var from = new IPEndPoint(IPAddress.Loopback, 1);
                performance.RenderTo(4_800, sink);

                // Timed ones on samples that are no block boundary, each waited for before the render passes it.
                (double Seconds, float Gate, float Freq)[] sent = [(0.2345, 1, 330), (0.5071, 0, 275.5f), (0.7777, 1, 440.25f)];
                foreach ((double seconds, float gate, float freq) in sent)
                {
                    router.Handle(new OscMessage("/fader/1", [OscValue.Float32(gate), OscValue.Float32(freq)], anchor.AddSeconds(seconds)), from, Stopwatch.GetTimestamp());
                    WaitFor(() => performance.Session.Variables.Get("last") == freq, "the handler");
                }

                router.Handle(new OscMessage("/nobody/1", OscValue.Int32(1)), from, Stopwatch.GetTimestamp());
                performance.RenderTo(60_000, sink);
                Assert.Equal(0, router.RefusedCount);
                Assert.Equal(440.25, performance.Session.Graph.Nodes.Single(n => n.Id == "tone").Parameters["freqHz"]);
            }

            IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(log);
            SessionLogEntry[] messages = [.. entries.Where(e => e.Kind == "osc")];
            // Every message the handlers were given (one no pattern matches too: it does nothing in the replay either).
            Assert.Equal(["/fader/1", "/fader/1", "/fader/1", "/nobody/1"], messages.Select(e => e.Name));
            Assert.Equal([11_256 + Latency, 24_341 + Latency, 37_330 + Latency], messages.Take(3).Select(e => e.Sample!.Value));

            string replayed = Path.Combine(dir, "replayed.wav");
            ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), FrontendLanguages.Create(BuiltinNodeTypes.CreateRegistry()), replayed, LiveEngine.Hosts.Wav.WavSampleFormat.Float32, tailSeconds: (60_000.0 - entries[^1].Position) / Rate);
            Assert.True(report.FailedActions == 0, string.Join("\n", report.Messages));
            byte[] a = File.ReadAllBytes(live), b = File.ReadAllBytes(replayed);
            Assert.True(a.AsSpan().SequenceEqual(b), $"the replay of the handler-driven session differs from what played: {a.Length} against {b.Length} bytes, first difference at byte {a.AsSpan().CommonPrefixLength(b)}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OscThroughTheLoggedSession_IsInTheSessionLog_AndTheReplayIsBitIdentical()
    {
        string dir = Directory.CreateTempSubdirectory("le-osc-log-").FullName;
        try
        {
            string log = Path.Combine(dir, "osc.jsonl");
            string live = Path.Combine(dir, "live.wav");
            var graph = new GraphDescription();
            graph.Add("out", "out", channels: 1);
            graph.Add("p", "sampler", new Dictionary<string, double> { ["gate"] = 0 });
            graph.Nodes[^1].Options["sample"] = "osc-click";
            graph.Add("tone", "sine", new Dictionary<string, double> { ["freqHz"] = 220, ["level"] = 0.1 });
            graph.Connect("p", "out");
            graph.Connect("tone", "out");
            using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
            {
                Session = new LiveSessionOptions { SampleRate = Rate, MaxBlockFrames = 128, OutputChannels = 1 },
                BlockFrames = 128,
                InitialGraph = graph,
                LogPath = log,
            }))
            using (var writer = new LiveEngine.Hosts.Wav.WavWriter(live, Rate, 1, LiveEngine.Hosts.Wav.WavSampleFormat.Float32))
            {
                Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
                OscTimeTag anchor = OscTimeTag.Now;
                var router = new OscRouter(performance.Logged, new OscTimeMap(Rate, Latency, anchor, 0));
                var from = new IPEndPoint(IPAddress.Loopback, 1);
                performance.RenderTo(10_000, sink);

                // Timed ones (a bundle's time tag: a beat that is no block boundary), and ones for now.
                router.Handle(new OscMessage("/trig/p/gate", [OscValue.Float32(1), OscValue.Float32(0.0625f)], anchor.AddSeconds(0.3123)), from, Stopwatch.GetTimestamp());
                router.Handle(new OscMessage("/param/tone/freqHz", [OscValue.Float32(330)], anchor.AddSeconds(0.4567)), from, Stopwatch.GetTimestamp());
                router.Handle(new OscMessage("/var/drive", OscValue.Float64(0.5)), from, Stopwatch.GetTimestamp());
                performance.RenderTo(30_000, sink);
                router.Handle(new OscMessage("/param/tone/level", OscValue.Float32(0.2f)), from, Stopwatch.GetTimestamp());
                router.Handle(new OscMessage("/trig/p/gate", [OscValue.Float32(1), OscValue.Float32(0.125f)], anchor.AddSeconds(0.9)), from, Stopwatch.GetTimestamp());
                performance.RenderTo(60_000, sink);
                Assert.Equal(0, router.RefusedCount);
                Assert.Equal(330, performance.Session.Graph.Nodes.Single(n => n.Id == "tone").Parameters["freqHz"]);
            }

            IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(log);
            Assert.Equal(2, entries.Count(e => e.Kind == "trigger" && e.Node == "p" && e.Parameter == "gate"));
            Assert.Equal(2, entries.Count(e => e.Kind == "param" && e.Node == "tone"));
            Assert.Contains(entries, e => e.Kind == "var" && e.Name == "drive" && e.Value == 0.5);
            Assert.All(entries.Where(e => e.Kind == "trigger"), e => Assert.StartsWith("at:", e.Quantize, StringComparison.Ordinal));

            string replayed = Path.Combine(dir, "replayed.wav");
            ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [], replayed, LiveEngine.Hosts.Wav.WavSampleFormat.Float32, tailSeconds: 30_000.0 / Rate);
            Assert.Equal(0, report.FailedActions);
            Assert.True(File.ReadAllBytes(live).AsSpan().SequenceEqual(File.ReadAllBytes(replayed)), "the replay of the OSC-driven session differs from what played");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void VariablesAndParameters_AreSet_AndWrongMessagesAreCountedWithAClearError()
    {
        using Performance performance = Offline();
        var router = new OscRouter(performance.Session, new OscTimeMap(Rate, Latency, OscTimeTag.Now, 0));
        var from = new IPEndPoint(IPAddress.Loopback, 1);
        var errors = new List<string>();
        router.Refused += errors.Add;
        router.Handle(new OscMessage("/var/drive", OscValue.Float64(0.75)), from, Stopwatch.GetTimestamp());
        router.Handle(new OscMessage("/param/p/rate", OscValue.Int32(2)), from, Stopwatch.GetTimestamp());
        router.Handle(new OscMessage("/param/nope/rate", OscValue.Int32(2)), from, Stopwatch.GetTimestamp());
        router.Handle(new OscMessage("/param/p/rate", OscValue.String("fast")), from, Stopwatch.GetTimestamp());
        router.Handle(new OscMessage("/var/9x", OscValue.Int32(1)), from, Stopwatch.GetTimestamp());
        router.Handle(new OscMessage("/nobody/listens"), from, Stopwatch.GetTimestamp());
        Assert.Equal(0.75, performance.Session.Variables.Get("drive"));
        Assert.Equal(1, router.VariablesSet);
        Assert.Equal(1, router.ParametersSet);
        Assert.Equal(3, router.RefusedCount);
        Assert.Equal(1, router.Unhandled);
        Assert.Contains("nope", errors[0], StringComparison.Ordinal);
        Assert.Contains("finite number", errors[1], StringComparison.Ordinal);
        Assert.Contains("variable name", errors[2], StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedPackets_AreCounted_WithTheirReason_AndTheNextGoodOneStillLands()
    {
        using Performance performance = Offline();
        OscTimeTag anchor = OscTimeTag.Now;
        var router = new OscRouter(performance.Session, new OscTimeMap(Rate, Latency, anchor, 0));
        using var server = new OscServer(new IPEndPoint(IPAddress.Loopback, 0), router.Handle);
        using var client = new OscClient("127.0.0.1", server.LocalEndPoint.Port);
        client.SendRaw([0x2F, 0x61, 0x00]);
        client.SendRaw(Convert.FromHexString("2F6100002C6200007FFFFFFF"));
        client.SendRaw(Convert.FromHexString("2362756E646C65000000000000000001FFFFFFFC"));
        client.SendBundle(anchor.AddSeconds(0.1), [new OscMessage("/trig/p/gate")]);
        WaitFor(() => server.Packets == 4, "four packets");
        Assert.Equal(3, server.Malformed);
        Assert.Contains("bundle element's size", server.LastError, StringComparison.Ordinal);
        Assert.Equal([4_800 + Latency], Onsets(performance, Rate / 4));
    }

    [Fact]
    public void TheAudioSide_AllocatesNothing_WhileOscParametersFlow()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("s", "sine", new Dictionary<string, double> { ["freqHz"] = 220 });
        graph.Connect("s", "out");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { OutputChannels = 1, MaxBlockFrames = 64 });
        var router = new OscRouter(session, new OscTimeMap(Rate, 64, OscTimeTag.Now, 0));
        var from = new IPEndPoint(IPAddress.Loopback, 1);
        for (int i = 0; i < 200; i++)
        {
            session.Renderer.Render(64);
        }

        long allocated = 0;
        for (int block = 0; block < 2_000; block++)
        {
            router.Handle(new OscMessage("/param/s/freqHz", OscValue.Float32(200 + block)), from, Stopwatch.GetTimestamp());
            router.TimeMap.Reanchor(OscTimeTag.Now, session.Renderer.Position);
            long before = GC.GetAllocatedBytesForCurrentThread();
            session.Renderer.Render(64);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            if (block % 64 == 0)
            {
                session.Maintain();
            }
        }

        Assert.Equal(2_000, router.ParametersSet);
        Assert.Equal(0, allocated);
    }
}
