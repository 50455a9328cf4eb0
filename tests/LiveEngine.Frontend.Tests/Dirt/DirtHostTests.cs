using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LiveEngine.Commands;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Dirt;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;
using LiveEngine.Osc;
using LiveEngine.Time;

namespace LiveEngine.Tests.Frontend.Dirt;

/// <summary>
/// SuperDirt compatibility: Strudel's own pattern code (tools/dirt, node) plays <c>s("bd*4, hh*8")</c> at a
/// <see cref="DirtHost"/>, whose sounds are one-sample clicks written here as WAV folders; the performance renders
/// offline, so every onset is observable to the sample.
/// </summary>
public sealed class DirtHostTests : IDisposable
{
    private const int Rate = 48_000;
    private const long Latency = 960;
    private readonly string _samples = Directory.CreateTempSubdirectory("le-dirt-").FullName;

    public DirtHostTests()
    {
        // Dirt-Samples layout: a folder per sound, files sorted by name; n picks one.
        foreach ((string sound, string file, float level) in new[] { ("bd", "BT0A0A7.wav", 1f), ("hh", "000_hh3closedhh.wav", 0.5f), ("hh", "001_hh3openhh.wav", 0.25f) })
        {
            Directory.CreateDirectory(Path.Combine(_samples, sound));
            var click = new float[64];
            click[0] = level;
            using var writer = new WavWriter(Path.Combine(_samples, sound, file), Rate, 1, WavSampleFormat.Float32);
            writer.WritePlanar([click], 0, click.Length);
        }
    }

    public void Dispose() => Directory.Delete(_samples, recursive: true);

    private Performance Offline() => new(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
    {
        Session = new LiveSessionOptions { SampleRate = Rate, MaxBlockFrames = 128, OutputChannels = 2 },
        BlockFrames = 128,
        SampleFolders = [_samples],
    });

    private static List<(long Sample, float Value)> Onsets(Performance performance, long frames)
    {
        var onsets = new List<(long, float)>();
        long position = 0;
        performance.RenderTo(frames, (channels, count) =>
        {
            for (int i = 0; i < count; i++)
            {
                if (Math.Abs(channels[0][i]) > 1e-6f)
                {
                    onsets.Add((position + i, channels[0][i]));
                }
            }

            position += count;
        });
        return onsets;
    }

    private static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "LiveEngine.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("LiveEngine.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void StrudelsOwnPattern_PlaysAtLiveEngine_OnsetsOnStrudelsEventTimes()
    {
        string tools = Path.Combine(RepositoryRoot(), "tools", "dirt");
        Assert.True(Directory.Exists(Path.Combine(tools, "node_modules", "@strudel", "core")), $"Strudel is not installed in {tools}: run `npm ci --prefix tools/dirt` (.ci/run does).");
        using Performance performance = Offline();
        OscTimeTag anchor = OscTimeTag.Now;
        var map = new OscTimeMap(Rate, Latency, anchor, 0);
        using var dirt = new DirtHost(performance.Session, new SampleFolders([_samples]), map, new IPEndPoint(IPAddress.Loopback, 0));
        var errors = new List<string>();
        dirt.Refused += errors.Add;

        // Cycle 0 starts half a second after the anchor: every bundle is timed ahead, as Strudel's are.
        const double cps = 0.75;
        const int cycles = 8;
        OscTimeTag t0 = anchor.AddSeconds(0.5);
        var start = new ProcessStartInfo("node", ["play.mjs", dirt.Server!.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), cycles.ToString(System.Globalization.CultureInfo.InvariantCulture), "0.75", (t0.Raw >> 32).ToString(System.Globalization.CultureInfo.InvariantCulture), (t0.Raw & 0xFFFF_FFFF).ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = tools,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process node;
        try
        {
            node = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node (Node.js 18 or later) is needed to run Strudel's pattern code and was not found: " + e.Message, e);
        }

        string output = node.StandardOutput.ReadToEnd();
        string stderr = node.StandardError.ReadToEnd();
        Assert.True(node.WaitForExit(60_000), "node did not finish");
        Assert.True(node.ExitCode == 0, $"node play.mjs failed ({node.ExitCode}): {stderr}");

        var expected = new SortedDictionary<long, float>();
        int events = 0;
        foreach (string line in output.Split('\n').Where(l => l.StartsWith('{')))
        {
            using var json = JsonDocument.Parse(line);
            JsonElement begin = json.RootElement.GetProperty("begin");
            double seconds = (t0.SecondsSince(anchor)) + (begin[0].GetDouble() / begin[1].GetDouble() / cps);
            long sample = (long)Math.Round(seconds * Rate) + Latency;
            float level = json.RootElement.GetProperty("s").GetString() == "bd" ? 1f : 0.5f;
            expected[sample] = expected.GetValueOrDefault(sample) + level;
            events++;
        }

        Assert.Equal(cycles * 12, events);
        var clock = Stopwatch.StartNew();
        while (dirt.Events + dirt.RefusedCount < events && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(5);
        }

        Assert.Empty(errors);
        Assert.Equal(events, dirt.Events);
        List<(long Sample, float Value)> onsets = Onsets(performance, expected.Keys.Last() + Rate);
        Assert.Equal(expected.Count, onsets.Count);
        float pan = (float)Math.Cos(Math.PI / 4) * 0.4f;
        long worst = 0;
        int i = 0;
        foreach ((long sample, float level) in expected)
        {
            worst = Math.Max(worst, Math.Abs(onsets[i].Sample - sample));
            Assert.True(Math.Abs(onsets[i].Sample - sample) <= Rate / 1000, $"onset {i} at sample {onsets[i].Sample}, Strudel's event time is sample {sample}");
            Assert.Equal(level * pan, onsets[i].Value, 1e-5f);
            i++;
        }

        Assert.True(worst <= 1, $"onsets are within {worst} samples of Strudel's times; the time tags are rounded to 1/2^32 s, so at most 1");
    }

    [Fact]
    public void OnAMonoOutput_AnOrbitHasNoRoom_ButItsEventsPlayOnTheirSample()
    {
        using var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = Rate, MaxBlockFrames = 128, OutputChannels = 1 },
            BlockFrames = 128,
        });
        OscTimeTag anchor = OscTimeTag.Now;
        var dirt = new DirtHost(performance.Session, new SampleFolders([_samples]), new OscTimeMap(Rate, Latency, anchor, 0));
        var errors = new List<string>();
        dirt.Refused += errors.Add;
        dirt.Handle(new OscMessage("/dirt/play", [OscValue.String("s"), OscValue.String("bd"), OscValue.String("room"), OscValue.Float32(0.5f)], anchor.AddSeconds(0.1)), new IPEndPoint(IPAddress.Loopback, 1), Stopwatch.GetTimestamp());
        Assert.Empty(errors);
        List<(long Sample, float Value)> onsets = Onsets(performance, Rate / 4);
        Assert.Equal(4_800 + Latency, onsets[0].Sample);
        Assert.Equal(0.4f, onsets[0].Value, 1e-6f);
    }

    [Fact]
    public void EventsWithWrongValues_AreRefusedWithoutACommitEach()
    {
        using Performance performance = Offline();
        OscTimeTag anchor = OscTimeTag.Now;
        var dirt = new DirtHost(performance.Session, new SampleFolders([_samples]), new OscTimeMap(Rate, Latency, anchor, 0));
        var from = new IPEndPoint(IPAddress.Loopback, 1);
        dirt.Handle(new OscMessage("/dirt/play", [OscValue.String("s"), OscValue.String("bd")], anchor.AddSeconds(0.1)), from, Stopwatch.GetTimestamp());
        int commits = performance.Session.UndoDepth;
        for (int i = 0; i < 20; i++)
        {
            OscValue wrong = (i % 3) switch { 0 => OscValue.Nil, 1 => OscValue.Float32(float.NaN), _ => OscValue.String("loud") };
            dirt.Handle(new OscMessage("/dirt/play", [OscValue.String("s"), OscValue.String("bd"), OscValue.String(i % 2 == 0 ? "pan" : "delay"), wrong], anchor.AddSeconds(0.2)), from, Stopwatch.GetTimestamp());
        }

        Assert.Equal(1, dirt.Events);
        Assert.Equal(20, dirt.RefusedCount);
        Assert.Equal(commits, performance.Session.UndoDepth);
        Assert.Contains("must be a finite number", dirt.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Handshake_IsAnsweredAsSuperDirtAnswersIt()
    {
        using Performance performance = Offline();
        using var dirt = new DirtHost(performance.Session, new SampleFolders([_samples]), new OscTimeMap(Rate, Latency, OscTimeTag.Now, 0), new IPEndPoint(IPAddress.Loopback, 0));
        using var tidal = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        tidal.Client.ReceiveTimeout = 10_000;
        byte[] handshake = OscPacketWriter.ToArray(new OscMessage("/dirt/handshake"));
        tidal.Send(handshake, handshake.Length, dirt.Server!.LocalEndPoint);
        IPEndPoint? from = null;
        byte[] reply = tidal.Receive(ref from);
        var messages = new List<OscMessage>();
        Assert.Equal(OscReadError.None, OscPacketReader.TryRead(reply, messages));
        Assert.Equal("/dirt/handshake/reply", messages[0].Address);
        int buses = messages[0].Arguments.ToList().FindIndex(a => a.AsString == "&controlBusIndices");
        Assert.True(buses >= 0 && messages[0].Arguments.Count > buses + 1, "Tidal waits until the reply lists at least one control bus index");
    }

    [Fact]
    public void NPicksAFileModuloTheCount_AndUnknownSoundsAreRefusedClearly()
    {
        using Performance performance = Offline();
        OscTimeTag anchor = OscTimeTag.Now;
        var dirt = new DirtHost(performance.Session, new SampleFolders([_samples]), new OscTimeMap(Rate, Latency, anchor, 0));
        var errors = new List<string>();
        dirt.Refused += errors.Add;
        var from = new IPEndPoint(IPAddress.Loopback, 1);
        OscMessage Event(double seconds, string s, float n) => new("/dirt/play", [OscValue.String("s"), OscValue.String(s), OscValue.String("n"), OscValue.Float32(n), OscValue.String("orbit"), OscValue.Int32(1)], anchor.AddSeconds(seconds));
        dirt.Handle(Event(0.1, "hh", 3), from, Stopwatch.GetTimestamp());
        dirt.Handle(Event(0.2, "hh:2", 0), from, Stopwatch.GetTimestamp());
        dirt.Handle(Event(0.3, "sn", 0), from, Stopwatch.GetTimestamp());
        dirt.Handle(Event(0.3, "../etc", 0), from, Stopwatch.GetTimestamp());
        dirt.Handle(new OscMessage("/dirt/play", OscValue.String("n"), OscValue.Int32(1)), from, Stopwatch.GetTimestamp());
        Assert.Equal(2, dirt.Events);
        Assert.Equal(3, dirt.RefusedCount);
        Assert.Contains("no sound 'sn'", errors[0], StringComparison.Ordinal);
        Assert.Contains("not a sound name", errors[1], StringComparison.Ordinal);
        Assert.Contains("no sound", errors[2], StringComparison.Ordinal);

        // hh has two files: n 3 → the second (0.25), hh:2 → the first (0.5).
        float pan = (float)Math.Cos(Math.PI / 4) * 0.4f;
        List<(long Sample, float Value)> onsets = Onsets(performance, Rate / 2);
        Assert.Equal([4_800 + Latency, 9_600 + Latency], onsets.Select(o => o.Sample));
        Assert.Equal(0.25f * pan, onsets[0].Value, 1e-6f);
        Assert.Equal(0.5f * pan, onsets[1].Value, 1e-6f);
    }

    [Fact]
    public void WithBeatsPerCycle_TheTempoFollowsCps_OnTheEventsSample_AndTheEventsKeepTheirSamples()
    {
        using Performance performance = Offline();
        OscTimeTag anchor = OscTimeTag.Now;
        var dirt = new DirtHost(performance.Logged, new SampleFolders([_samples]), new OscTimeMap(Rate, Latency, anchor, 0)) { BeatsPerCycle = 4 };
        var from = new IPEndPoint(IPAddress.Loopback, 1);
        OscMessage Event(double seconds, float cps) => new("/dirt/play", [OscValue.String("s"), OscValue.String("bd"), OscValue.String("cps"), OscValue.Float32(cps)], anchor.AddSeconds(seconds));

        // 0.6 cps is 144 BPM at 4 beats per cycle, 0.75 is 180; the same cps again changes nothing.
        dirt.Handle(Event(0.1, 0.6f), from, Stopwatch.GetTimestamp());
        dirt.Handle(Event(0.5, 0.75f), from, Stopwatch.GetTimestamp());
        dirt.Handle(Event(0.9, 0.75f), from, Stopwatch.GetTimestamp());
        Assert.Equal(3, dirt.Events);
        Assert.Equal(2, dirt.TempoChanges);
        long first = 4_800 + Latency, second = 24_000 + Latency, third = 43_200 + Latency;
        Assert.Equal(144, performance.Session.Clock.TempoAt(first).ToDouble(), 3);
        Assert.Equal(144, performance.Session.Clock.TempoAt(second - 1).ToDouble(), 3);
        Assert.Equal(180, performance.Session.Clock.TempoAt(second).ToDouble(), 3);

        // A tempo set by other means is set back by the next event that carries cps.
        performance.Logged.SetTempo(Fraction.Create(100, 1), Quantization.AtBeat(performance.Session.Clock.BeatAt(third + 4_800)));
        dirt.Handle(Event(1.2, 0.75f), from, Stopwatch.GetTimestamp());
        Assert.Equal(3, dirt.TempoChanges);
        Assert.Equal(180, performance.Session.Clock.TempoAt(57_600 + Latency).ToDouble(), 3);

        // The events play on their time tags' samples whatever the tempo did, and the changes are in the log's commands.
        List<(long Sample, float Value)> onsets = Onsets(performance, Rate * 3 / 2);
        Assert.Equal([first, second, third, 57_600 + Latency], onsets.Select(o => o.Sample));

        // A cps beyond 1000 BPM is refused with the event, and nothing changes.
        dirt.Handle(Event(1.3, 5f), from, Stopwatch.GetTimestamp());
        Assert.Equal(1, dirt.RefusedCount);
        Assert.Contains("1200 BPM", dirt.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void DirtEventsThroughTheLoggedSession_AreInTheSessionLog_WithTheirSounds_AndTheReplayIsBitIdentical()
    {
        string log = Path.Combine(_samples, "dirt.jsonl");
        string live = Path.Combine(_samples, "live.wav");
        using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = Rate, MaxBlockFrames = 128, OutputChannels = 2 },
            BlockFrames = 128,
            SampleFolders = [_samples],
            LogPath = log,
        }))
        using (var writer = new WavWriter(live, Rate, 2, WavSampleFormat.Float32))
        {
            Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
            OscTimeTag anchor = OscTimeTag.Now;
            var dirt = new DirtHost(performance.Logged, performance.Samples, new OscTimeMap(Rate, Latency, anchor, 0)) { SampleLoaded = performance.LogSample };
            var from = new IPEndPoint(IPAddress.Loopback, 1);
            OscMessage Event(double seconds, string s, float n, float pan) => new("/dirt/play", [OscValue.String("s"), OscValue.String(s), OscValue.String("n"), OscValue.Float32(n), OscValue.String("pan"), OscValue.Float32(pan), OscValue.String("speed"), OscValue.Float32(0.75f)], anchor.AddSeconds(seconds));
            dirt.Handle(Event(0.1, "bd", 0, 0.5f), from, Stopwatch.GetTimestamp());
            dirt.Handle(Event(0.1731, "hh", 1, 0.2f), from, Stopwatch.GetTimestamp());
            performance.RenderTo(12_000, sink);
            dirt.Handle(Event(0.3377, "hh", 0, 0.9f), from, Stopwatch.GetTimestamp());
            dirt.Handle(Event(0.41, "bd", 0, 0.1f), from, Stopwatch.GetTimestamp());
            performance.RenderTo(30_000, sink);
            Assert.Equal(4, dirt.Events);
            Assert.Equal(0, dirt.RefusedCount);
        }

        IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(log);
        Assert.Equal(3, entries.Count(e => e.Kind == "sample"));
        Assert.Contains(entries, e => e.Kind == "commit" && e.Patch == true);
        Assert.Equal(4, entries.Count(e => e.Kind == "param" && e.Parameter == "trig"));

        string replayed = Path.Combine(_samples, "replayed.wav");
        ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [], replayed, WavSampleFormat.Float32, tailSeconds: 18_000.0 / Rate);
        Assert.True(report.FailedActions == 0, string.Join("\n", report.Messages));
        byte[] a = File.ReadAllBytes(live), b = File.ReadAllBytes(replayed);
        int first = a.AsSpan().CommonPrefixLength(b);
        Assert.True(a.AsSpan().SequenceEqual(b), $"the replay of the Dirt-driven session differs from what played: {a.Length} against {b.Length} bytes, first difference at byte {first}");
    }
}
