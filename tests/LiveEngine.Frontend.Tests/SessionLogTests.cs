using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Languages;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Tests.Frontend;

public sealed class SessionLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static GraphDescription Tone(double freq)
    {
        var graph = new GraphDescription();
        graph.Add("osc", "saw", new Dictionary<string, double> { ["freqHz"] = freq });
        graph.Add("lp", "lpf", new Dictionary<string, double> { ["cutoffHz"] = 1200 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "lp", "pan", "out");
        return graph;
    }

    /// <summary>A performance driven offline: actions at chosen samples, rendered to a WAV, logged.</summary>
    private (string Wav, string Log) Perform(string name)
    {
        string log = Path.Combine(_dir, name + ".jsonl");
        string wav = Path.Combine(_dir, name + ".wav");
        using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128, Tempo = 128 },
            BlockFrames = 128,
            LogPath = log,
            InitialGraph = Tone(110),
        }))
        using (var writer = new WavWriter(wav, 48_000, 2, WavSampleFormat.Float32))
        {
            Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
            performance.RenderTo(10_007, sink);
            performance.SetParameter("lp", "cutoffHz", 400, Quantization.NextBeat);
            performance.RenderTo(30_000, sink);
            performance.Commit(Tone(165), Quantization.NextBar);
            performance.RenderTo(50_001, sink);
            performance.SetTempo(140, Quantization.Now);
            Assert.Throws<ArgumentException>(() => performance.SetParameter("lp", "nonsense", 1, Quantization.Now));
            performance.RenderTo(70_000, sink);
            performance.Undo(Quantization.NextBeat);
            performance.RenderTo(70_000 + 96_000, sink);
        }

        return (wav, log);
    }

    [Fact]
    public void EveryAction_IsLoggedWithItsSample_OneFlushedLineEach()
    {
        (_, string log) = Perform("a");
        IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(log);
        Assert.Equal(["session", "param", "commit", "tempo", "param", "undo"], entries.Select(e => e.Kind));
        Assert.Equal([0, 10_007, 30_000, 50_001, 50_001, 70_000], entries.Select(e => e.Position));
        Assert.Equal("beat", entries[1].Quantize);
        Assert.Equal(48_000, entries[0].SampleRate);
        Assert.Equal("128", entries[0].Tempo);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), entries.Select(e => e.Seq));
    }

    [Fact]
    public void Replay_IsBitIdenticalToTheOfflineRenderOfTheSameSession()
    {
        (string original, string log) = Perform("b");
        string replayed = Path.Combine(_dir, "replayed.wav");
        ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [], replayed, WavSampleFormat.Float32, tailSeconds: 2);
        Assert.Equal(5, report.Actions);
        Assert.Equal(1, report.FailedActions); // the bad parameter failed live too, and is reported
        Assert.Contains(report.Messages, m => m.Contains("has no parameter 'nonsense'", StringComparison.Ordinal));
        byte[] a = File.ReadAllBytes(original);
        byte[] b = File.ReadAllBytes(replayed);
        Assert.Equal(a.Length, b.Length);
        Assert.True(a.AsSpan().SequenceEqual(b), "the replay differs from the original render");

        // And it is not trivially equal: the edits changed the sound.
        float[][] samples = WavFile.Read(original).Channels;
        Assert.True(samples[0].Max(MathF.Abs) > 0.05f);
    }

    [Fact]
    public void StopAndPlay_AreLoggedAtTheHeldSample_OfflineRenderRefusesToPassIt_AndTheReplayIsBitIdentical()
    {
        string log = Path.Combine(_dir, "transport.jsonl");
        string wav = Path.Combine(_dir, "transport.wav");
        using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
            LogPath = log,
            InitialGraph = Tone(110),
        }))
        using (var writer = new WavWriter(wav, 48_000, 2, WavSampleFormat.Float32))
        {
            Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
            performance.RenderTo(10_000, sink);
            Assert.Equal(10_000, performance.SetTransport(playing: false));
            Assert.False(performance.TransportPlaying);
            InvalidOperationException held = Assert.Throws<InvalidOperationException>(() => performance.RenderTo(20_000, sink));
            Assert.Equal("The transport is stopped: the clock holds at sample 10000, so rendering cannot reach sample 20000. Play it first (:play).", held.Message);
            performance.SetParameter("lp", "cutoffHz", 500, Quantization.Now);
            Assert.Equal(10_000, performance.SetTransport(playing: true));
            performance.RenderTo(40_000, sink);
        }

        IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(log);
        Assert.Equal(["session", "stop", "param", "play"], entries.Select(e => e.Kind));
        Assert.Equal([0, 10_000, 10_000, 10_000], entries.Select(e => e.Position));
        string replayed = Path.Combine(_dir, "transport-replayed.wav");
        ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [], replayed, WavSampleFormat.Float32, tailSeconds: 1);
        Assert.Equal(0, report.FailedActions);
        float[][] original = WavFile.Read(wav).Channels;
        float[][] again = WavFile.Read(replayed).Channels;
        Assert.True(again[0].Length >= original[0].Length, $"the replay rendered {again[0].Length} frames, fewer than {original[0].Length}");
        Assert.True(original[0].AsSpan().SequenceEqual(again[0].AsSpan(0, original[0].Length)), "the replay differs from the original render");
    }

    [Fact]
    public void ALogCutShortByACrash_StillReplays_AndABadLineIsNamed()
    {
        (_, string log) = Perform("c");
        File.AppendAllText(log, "{\"kind\":\"param\",\"seq\":7,\"posi");
        Assert.Equal(6, SessionLog.Read(log).Count);
        string[] lines = File.ReadAllLines(log);
        lines[2] = "not json";
        File.WriteAllLines(log, lines);
        var e = Assert.Throws<InvalidDataException>(() => SessionLog.Read(log));
        Assert.StartsWith($"{log}:3: not a session-log entry", e.Message);
    }

    private const string OldPiece = "out(adsr 'old' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})\ntrack('beat', 'x*4', 'old')";
    private const string NewPiece = "out(adsr 'new' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})\ntrack('hats', 'x*2', 'new')";

    /// <summary>An offline performance at 120 BPM (a beat is 24,000 samples) with Lua, logged, its notices collected.</summary>
    private Performance LuaPerformance(string log, List<Notice> notices)
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var performance = new Performance(registry, new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128, Tempo = 120, CrossfadeMs = 0 },
            LogPath = log,
        });
        performance.AddLanguage(session => new LuaLanguage(session, registry));
        performance.Notices += notices.Add;
        return performance;
    }

    private static Action<float[][], int> Collect(List<float> audio) => (chunk, frames) => audio.AddRange(chunk[0].AsSpan(0, frames));

    private static List<long> RisingEdges(IReadOnlyList<float> signal)
    {
        var edges = new List<long>();
        for (int i = 0; i < signal.Count; i++)
        {
            if (signal[i] != 0 && (i == 0 || signal[i - 1] == 0))
            {
                edges.Add(i);
            }
        }

        return edges;
    }

    [Fact]
    public void LoadedPiece_ReplacesThePlayingOne_ItsTracksStopWhereTheNewGraphLands_AndTheReplayMatches()
    {
        string log = Path.Combine(_dir, "load.jsonl");
        var notices = new List<Notice>();
        var audio = new List<float>();
        using (Performance performance = LuaPerformance(log, notices))
        {
            Assert.True(performance.Evaluate("lua", OldPiece, "old.lua", Quantization.Now).Ok);
            performance.RenderTo(60_000, Collect(audio));

            // As :load new.lua at sample 60,000 (beat 2.5): the new graph lands on the next bar line, beat 4.
            Evaluation loaded = performance.LoadCode("lua", NewPiece, "new.lua", Quantization.NextBar);
            Assert.True(loaded.Ok, loaded.Error);
            Assert.Equal(96_000, loaded.CommitSample);
            performance.RenderTo(5 * 48_000, Collect(audio));
        }

        Assert.Empty(notices);
        Assert.Equal([0, 24_000, 48_000, 72_000, 96_000, 144_000, 192_000], RisingEdges(audio));
        Assert.Equal(["session", "eval", "result", "load", "result"], SessionLog.Read(log).Select(e => e.Kind));

        // The replay takes the load again, as a load: the same tracks stop at the same sample.
        string replayed = Path.Combine(_dir, "load.wav");
        ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [s => new LuaLanguage(s, BuiltinNodeTypes.CreateRegistry())], replayed, WavSampleFormat.Float32, tailSeconds: 4);
        Assert.Equal(0, report.FailedActions);
        Assert.Empty(report.Messages);
        Assert.Equal([0, 24_000, 48_000, 72_000, 96_000, 144_000, 192_000], RisingEdges(WavFile.Read(replayed).Channels[0][..(5 * 48_000)]));
    }

    [Fact]
    public async Task LoadedGraph_StopsThePlayingTracksWhereItLands_WithoutANotice()
    {
        var notices = new List<Notice>();
        var audio = new List<float>();
        using Performance performance = LuaPerformance(Path.Combine(_dir, "graph.jsonl"), notices);
        Assert.True(performance.Evaluate("lua", OldPiece, "old.lua", Quantization.Now).Ok);
        performance.RenderTo(60_000, Collect(audio));
        string file = Path.Combine(_dir, "tone.json");
        File.WriteAllText(file, Tone(220).ToJson());

        Evaluation loaded = await performance.LoadAsync(file, Quantization.NextBar);
        Assert.True(loaded.Ok, loaded.Error);
        Assert.Equal("graph from tone.json lands at sample 96000", loaded.Output);
        performance.RenderTo(8 * 48_000, Collect(audio));

        Assert.Empty(notices);
        Assert.Equal("load", SessionLog.Read(Path.Combine(_dir, "graph.jsonl"))[^1].Kind);
    }

    [Fact]
    public void Undo_ATrackWhoseNodeIsGone_StopsWithOneNotice_AndTheOthersPlayOn()
    {
        var notices = new List<Notice>();
        var audio = new List<float>();
        using Performance performance = LuaPerformance(Path.Combine(_dir, "undo.jsonl"), notices);
        Assert.True(performance.Evaluate("lua", "out(adsr 'keep' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})\ntrack('stays', 'x*4', 'keep')", "a", Quantization.Now).Ok);
        Assert.True(performance.Evaluate("lua", "out { adsr 'keep' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0}, adsr 'lead' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0} }\ntrack('lead', 'x*8', 'lead')", "b", Quantization.Now).Ok);
        performance.RenderTo(100_000, Collect(audio));

        // :undo at sample 100,000: the graph without 'lead' lands at the next bar (sample 192,000).
        Assert.True(performance.Undo(Quantization.NextBar));
        performance.RenderTo(12 * 48_000, Collect(audio));

        Notice notice = Assert.Single(notices);
        Assert.Equal(NoticeLevel.Error, notice.Level);
        Assert.StartsWith("callback 'lead' (at beat 8) was stopped: No node 'lead' in the graph playing at sample", notice.Message);

        // 'keep' goes on, every beat to the end.
        Assert.Equal(Enumerable.Range(8, 16).Select(beat => beat * 24_000L), RisingEdges(audio).Where(e => e >= 192_000));
    }

    [Fact]
    public void Replay_ReportsItsProgress_FromZeroToOne()
    {
        (_, string log) = Perform("progress");
        var fractions = new List<double>();
        SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [], Path.Combine(_dir, "progress.wav"), WavSampleFormat.Float32, tailSeconds: 2, progress: fractions.Add);
        Assert.True(fractions.Count > 100);
        Assert.Equal(fractions.Order(), fractions);
        Assert.True(fractions[0] < 0.01 && fractions[^1] == 1.0, $"progress from {fractions[0]} to {fractions[^1]}");
    }

    [Fact]
    public void TheDocumentedExampleLog_Replays_AsDescribed()
    {
        string docs = RepositoryFile("docs/repl.md");
        string text = File.ReadAllText(docs);
        int start = text.IndexOf("```jsonl\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{docs} has no ```jsonl example");
        start += "```jsonl\n".Length;
        string log = Path.Combine(_dir, "documented.jsonl");
        File.WriteAllText(log, text[start..text.IndexOf("```", start, StringComparison.Ordinal)]);

        string wav = Path.Combine(_dir, "documented.wav");
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        ReplayReport report = SessionReplay.Render(log, registry, [s => new LuaLanguage(s, registry)], wav, WavSampleFormat.Float32);

        Assert.Empty(report.Messages);
        Assert.Equal(0, report.FailedActions);
        Assert.Equal(5, report.Actions);
        Assert.Equal(288_000, report.Frames);
        float[] left = WavFile.Read(wav).Channels[0];
        Assert.Equal(288_000, left.Length);

        // The bass line from the second bar line (the eval came after the first), the pad from the third.
        Assert.True(Rms(left.AsSpan(0, 96_000)) == 0, "sound before the bass line's bar");
        Assert.Equal(55, ZeroCrossingHz(left.AsSpan(100_000, 48_000)), 2.0);
        Assert.Equal(220, ZeroCrossingHz(left.AsSpan(240_000, 48_000)), 2.0);
    }

    private static double Rms(ReadOnlySpan<float> signal)
    {
        double sum = 0;
        foreach (float s in signal)
        {
            sum += s * (double)s;
        }

        return Math.Sqrt(sum / signal.Length);
    }

    private static double ZeroCrossingHz(ReadOnlySpan<float> signal)
    {
        int rising = 0;
        for (int i = 1; i < signal.Length; i++)
        {
            rising += signal[i - 1] < 0 && signal[i] >= 0 ? 1 : 0;
        }

        return rising * 48_000.0 / signal.Length;
    }

    /// <summary>A file of the repository these tests were built from, found upwards from the test assembly.</summary>
    private static string RepositoryFile(string relative)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
