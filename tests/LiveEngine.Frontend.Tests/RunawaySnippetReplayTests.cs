using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Frontend;

/// <summary>A C# snippet that never ends is stopped live and in the replay of its session log, and both go on.</summary>
public sealed class RunawaySnippetReplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-runaway-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ALogWithARunawayCSharpSnippet_Replays_ReportingTheStop_AndTheActionsAfterItTakeEffect()
    {
        string log = Path.Combine(_dir, "runaway.jsonl");
        var registry = BuiltinNodeTypes.CreateRegistry();
        using (var performance = new Performance(registry, new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
            LogPath = log,
        }))
        {
            foreach (Func<ILiveSession, ILiveLanguage> language in FrontendLanguages.Create(registry))
            {
                performance.AddLanguage(language);
            }

            performance.RenderTo(4_800);
            // Before C# snippets could be stopped, this evaluation never returned: give it a minute, then fail.
            Task<Evaluation> evaluation = performance.EvaluateAsync("cs", "while (true) { }", "repl:1", Quantization.Now);
            Assert.Same(evaluation, await Task.WhenAny(evaluation, Task.Delay(TimeSpan.FromMinutes(1))));
            Evaluation runaway = await evaluation;
            Assert.False(runaway.Ok);
            Assert.Equal("repl:1:(1,1): error STOP: C# snippet stopped: ran longer than 50 ms (an endless loop?)", runaway.Error);
            performance.RenderTo(9_600);
            Evaluation after = performance.Evaluate("cs", """Graph().Add("s", "sine", ("freqHz", 440)).Add("p", "pan").Chain("s", "p", "out").Commit(Now);""", "repl:2", Quantization.Now);
            Assert.True(after.Ok, after.Error);
            performance.RenderTo(48_000);
        }

        // The replay, likewise.
        string wav = Path.Combine(_dir, "replayed.wav");
        Task<ReplayReport> replay = Task.Run(() => SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), FrontendLanguages.Create(registry), wav, WavSampleFormat.Float32, tailSeconds: 0.5));
        Assert.Same(replay, await Task.WhenAny(replay, Task.Delay(TimeSpan.FromMinutes(1))));
        ReplayReport report = await replay;
        Assert.Equal(1, report.FailedActions);
        Assert.Contains(report.Messages, m => m.Contains("(eval): repl:1:(1,1): error STOP: C# snippet stopped: ran longer than 50 ms", StringComparison.Ordinal));

        // The snippet after the runaway one ran in the replay too: the sine plays from its sample on.
        float[] samples = WavFile.Read(wav).Channels[0];
        Assert.True(samples.AsSpan(0, 9_600).IndexOfAnyExcept(0f) < 0, "silence before the graph");
        Assert.True(samples.AsSpan(20_000, 4_800).ToArray().Max() > 0.1f, "the sine after the runaway snippet");
    }
}
