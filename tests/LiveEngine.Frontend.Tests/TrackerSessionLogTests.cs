using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Languages;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Tests.Frontend;

/// <summary>A tracker pattern and an edit of one of its cells (what a view sends) are logged and replay bit for bit.</summary>
public sealed class TrackerSessionLogTests : IDisposable
{
    private const string Piece = """
        out(adsr 'env' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})
        tracker("beat", {lpb = 4, rows = 8, tracks = {"env"}, text = "x c3\n---\n---\n---\nx c3\n---\n---\n---"})
        tracker_play("beat")
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("le-tracker-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CellEdit_IsLogged_AndTheReplayIsBitIdentical()
    {
        string log = Path.Combine(_dir, "tracker.jsonl");
        string wav = Path.Combine(_dir, "live.wav");
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var notices = new List<Notice>();
        using (var performance = new Performance(registry, new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128, Tempo = 120, CrossfadeMs = 0 },
            LogPath = log,
        }))
        using (var writer = new WavWriter(wav, 48_000, 2, WavSampleFormat.Float32))
        {
            performance.AddLanguage(session => new LuaLanguage(session, registry));
            performance.Notices += notices.Add;
            Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
            Assert.True(performance.Evaluate("lua", Piece, "beat.lua", Quantization.Now).Ok);
            performance.RenderTo(50_000, sink);

            // The edit a view makes, at beat 2.08: row 2 gets a hit; its next turn is beat 2.5, still ahead of the callbacks.
            Evaluation edit = performance.Evaluate("lua", "tracker_set(\"beat\", 2, 1, \"x c3\")", "view", Quantization.Now);
            Assert.True(edit.Ok, edit.Error);
            performance.RenderTo(3 * 48_000, sink);
        }

        Assert.Empty(notices);
        Assert.Equal(["session", "eval", "result", "eval", "result"], SessionLog.Read(log).Select(e => e.Kind));
        float[] live = WavFile.Read(wav).Channels[0];

        // Rows 0 and 4 (8 rows at 4 a beat: every beat, 24,000 samples); row 2 (beat 0.5 of each 2-beat pass) once the edit is in.
        Assert.Equal([0, 24_000, 48_000, 60_000, 72_000, 96_000, 108_000, 120_000], RisingEdges(live));

        string replayed = Path.Combine(_dir, "replayed.wav");
        ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [s => new LuaLanguage(s, BuiltinNodeTypes.CreateRegistry())], replayed, WavSampleFormat.Float32, tailSeconds: 2);
        Assert.Equal(0, report.FailedActions);
        float[] again = WavFile.Read(replayed).Channels[0];
        Assert.True(again.Length >= live.Length);
        Assert.True(live.AsSpan().SequenceEqual(again.AsSpan(0, live.Length)), "the replay differs from the live render");
    }

    private static List<long> RisingEdges(float[] signal)
    {
        var edges = new List<long>();
        for (int i = 0; i < signal.Length; i++)
        {
            if (signal[i] != 0 && (i == 0 || signal[i - 1] == 0))
            {
                edges.Add(i);
            }
        }

        return edges;
    }
}
