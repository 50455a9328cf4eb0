using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;
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
}
