using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Frontend;

/// <summary>The two languages through the front end's interface, and a Lua session logged and replayed bit for bit.</summary>
public sealed class LanguageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-lang-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Performance Offline(string? log = null)
    {
        var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
            LogPath = log,
        });
        foreach (var language in FrontendLanguages.Create(performance.Registry))
        {
            performance.AddLanguage(language);
        }

        return performance;
    }

    [Fact]
    public void Lua_KnowsUnfinishedChunks_EchoesExpressions_AndCompletes()
    {
        using Performance performance = Offline();
        Assert.True(performance.TryGetLanguage("lua", out ILiveLanguage? lua));
        Assert.False(lua!.IsComplete("function f(x)"));
        Assert.False(lua.IsComplete("x = { 1,"));
        Assert.False(lua.IsComplete("s = [[ open"));
        Assert.True(lua.IsComplete("function f(x) return x end"));
        Assert.True(lua.IsComplete("x = = 1")); // wrong, but finished: evaluating it reports the error
        Evaluation value = performance.Evaluate("lua", "6 * 7", "t", Quantization.Now);
        Assert.True(value.Ok, value.Error);
        Assert.Equal("42", value.Output);
        Evaluation error = performance.Evaluate("lua", "x = = 1", "t", Quantization.Now);
        Assert.False(error.Ok);
        Assert.StartsWith("t:1:", error.Error);
        Assert.Contains("print", lua.Complete("pri", 3));
    }

    [Fact]
    public void CSharp_KnowsUnfinishedSubmissions_ReportsLineAndColumn_AndCompletes()
    {
        using Performance performance = Offline();
        Assert.True(performance.TryGetLanguage("cs", out ILiveLanguage? cs));
        Assert.False(cs!.IsComplete("void F() {"));
        Assert.True(cs.IsComplete("var x = 1;"));
        Evaluation ok = performance.Evaluate("cs", "var x = 20; x + 22", "cs1", Quantization.Now);
        Assert.True(ok.Ok, ok.Error);
        Assert.Equal("42", ok.Output);
        Evaluation bad = performance.Evaluate("cs", "int y = \"no\";", "cs2", Quantization.Now);
        Assert.False(bad.Ok);
        Assert.StartsWith("cs2:", bad.Error);
        Assert.Contains("(1,", bad.Error);
        IReadOnlyList<string> completions = cs.Complete("Vars.", 5);
        Assert.Contains("Set", completions);
    }

    [Fact]
    public void CSharp_NodeThatWritesNaNFromItsTwoHundredthBlock_GivesOneNotice_AndTheMixPlaysOnBitForBit()
    {
        (float[] Left, float[] Right, List<Notice> Notices) Play(string later)
        {
            using Performance performance = Offline();
            var notices = new List<Notice>();
            performance.Notices += notices.Add;
            Evaluation result = performance.Evaluate("cs", $$"""
                [Node("turns", Inputs = new string[0])]
                class Turns : UserNode
                {
                    private long _blocks;

                    protected override void Render(in ProcessContext context)
                    {
                        float value = ++_blocks >= 200 ? {{later}} : 0.125f;
                        for (int c = 0; c < Channels; c++)
                        {
                            context.Output(c).Fill(value);
                        }
                    }
                }

                Graph().Add("t", "turns", 2).Add("s", "sine", ("freqHz", 440), ("level", 0.5)).Add("p", "pan").Add("m", "master")
                    .Chain("s", "p", "m", "out").Connect("t", "m").Commit(Now);
                """, "turns.csx", Quantization.Now);
            Assert.True(result.Ok, result.Error);
            var left = new List<float>();
            var right = new List<float>();
            performance.RenderTo(600 * 128, (channels, frames) =>
            {
                left.AddRange(channels[0].AsSpan(0, frames));
                right.AddRange(channels[1].AsSpan(0, frames));
            });
            return ([.. left], [.. right], notices);
        }

        (float[] silentLeft, float[] silentRight, List<Notice> none) = Play("0f");
        (float[] left, float[] right, List<Notice> notices) = Play("float.NaN");
        Assert.DoesNotContain(none, n => n.Source == "engine");
        Notice notice = Assert.Single(notices, n => n.Source == "engine");
        Assert.Equal(NoticeLevel.Error, notice.Level);
        Assert.Contains("node 't'", notice.Message, StringComparison.Ordinal);
        Assert.Contains("NaN or infinity", notice.Message, StringComparison.Ordinal);

        // Through the master and its limiter, the sine plays on exactly as if the node had fallen silent instead.
        Assert.True(silentLeft[^480..].Max() > 0.2f);
        Assert.Equal(silentLeft, left);
        Assert.Equal(silentRight, right);
    }

    [Fact]
    public void BothLanguages_DriveTheControllerBanks()
    {
        using Performance performance = Offline();
        Evaluation lua = performance.Evaluate("lua", "midi(\"bind cc 74 -> cutoff 100..4000 exp\")", "m.lua", Quantization.Now);
        Assert.True(lua.Ok, lua.Error);
        Assert.Equal("bank 1 slot 1: cc 74 -> cutoff 100..4000 exp", lua.Output);
        Evaluation bad = performance.Evaluate("lua", "\nmidi(\"bind cc 74\")", "m.lua", Quantization.Now);
        Assert.False(bad.Ok);
        Assert.StartsWith("m.lua:2:", bad.Error);
        Assert.Contains("SOURCE -> TARGET", bad.Error);
        Evaluation cs = performance.Evaluate("cs", "Midi(\"bind 3 pb ch 1 -> bend -2..2\")", "m.csx", Quantization.Now);
        Assert.True(cs.Ok, cs.Error);
        Assert.Equal("bank 1 slot 3: pb ch 1 -> bend -2..2", cs.Output);
        performance.Midi.ReceiveMidi1([0xB0, 74, 127]);
        performance.Midi.ReceiveMidi1([0xE0, 0x7F, 0x7F]);
        Evaluation read = performance.Evaluate("lua", "var(\"cutoff\")", "m.lua", Quantization.Now);
        Assert.Equal("4000", read.Output.Replace(".0", "", StringComparison.Ordinal));
        Assert.Equal(2, performance.Session.Variables.Get("bend"), 3);
    }

    [Fact]
    public void Lua_LoadsSamplesOnlyFromGrantedFolders_AndTheSamplerPlaysThem()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_dir, "samples")).FullName;
        float[] blip = [.. Enumerable.Range(0, 4800).Select(i => 0.8f * MathF.Sin(i * 0.1f) * (1 - (i / 4800f)))];
        using (var writer = new WavWriter(Path.Combine(folder, "blip.wav"), 48_000, 1, WavSampleFormat.Float32))
        {
            writer.WritePlanar([blip], 0, blip.Length);
        }

        File.WriteAllText(Path.Combine(_dir, "secret.txt"), "not a sample");
        string log = Path.Combine(_dir, "samples.jsonl");
        using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            SampleFolders = [folder],
            LogPath = log,
        }))
        {
            foreach (var language in FrontendLanguages.Create(performance.Registry))
            {
                performance.AddLanguage(language);
            }

            Evaluation loaded = performance.Evaluate("lua", "sample(\"blip\", \"blip.wav\")", "s.lua", Quantization.Now);
            Assert.True(loaded.Ok, loaded.Error);
            Assert.StartsWith("sample 'blip': 4800 frames, 1 ch, 48000 Hz", loaded.Output);
            Evaluation escape = performance.Evaluate("lua", "sample(\"x\", \"../secret.txt\")", "s.lua", Quantization.Now);
            Assert.False(escape.Ok);
            Assert.Contains("no file '../secret.txt' inside the granted folders", escape.Error);
            Evaluation play = performance.Evaluate("lua", "out(sampler(\"s\") { sample = \"blip\", level = 1 })", "s.lua", Quantization.Now);
            Assert.True(play.Ok, play.Error);
            Assert.Equal("blip", performance.Session.Graph.Nodes.Single(n => n.Id == "s").Options["sample"]);
            float peak = 0;
            performance.RenderTo(9_600, (chunk, frames) => peak = Math.Max(peak, chunk[0].AsSpan(0, frames).ToArray().Max(MathF.Abs)));
            Assert.True(peak > 0.3f, $"the sampler is silent (peak {peak})");
        }

        // A replay is granted the same folders, from the log's header.
        ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), FrontendLanguages.Create(BuiltinNodeTypes.CreateRegistry()), Path.Combine(_dir, "replay.wav"), WavSampleFormat.Float32, 0.1);
        Assert.Equal(1, report.FailedActions); // the refused escape, as live
    }

    [Fact]
    public void Lua_WithoutGrantedFolders_SaysSo()
    {
        using Performance performance = Offline();
        Evaluation refused = performance.Evaluate("lua", "sample(\"k\", \"kick.wav\")", "s.lua", Quantization.Now);
        Assert.False(refused.Ok);
        Assert.Contains("no sample folders are granted", refused.Error);
    }

    [Fact]
    public void ALuaSession_WithCallbacks_ReplaysBitIdentically()
    {
        string log = Path.Combine(_dir, "lua.jsonl");
        string original = Path.Combine(_dir, "original.wav");
        using (Performance performance = Offline(log))
        using (var writer = new WavWriter(original, 48_000, 2, WavSampleFormat.Float32))
        {
            Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
            performance.RenderTo(5_000, sink);
            Evaluation first = performance.Evaluate("lua", """
                out(saw("bass", { freq = 55 }) >> lpf("lp", { cutoff = 600 }))
                every(1 / 4, function(i) set("lp", "cutoff", 300 + (i % 8) * 200) end, "sweep")
                """, "live.lua:1", Quantization.NextBeat);
            Assert.True(first.Ok, first.Error);
            performance.RenderTo(70_123, sink);
            Evaluation second = performance.Evaluate("lua", "tempo(150)", "live.lua:4", Quantization.NextBar);
            Assert.True(second.Ok, second.Error);
            performance.RenderTo(200_000, sink);
        }

        string replayed = Path.Combine(_dir, "replayed.wav");
        var registry = BuiltinNodeTypes.CreateRegistry();
        ReplayReport report = SessionReplay.Render(log, registry, FrontendLanguages.Create(registry), replayed, WavSampleFormat.Float32, tailSeconds: 200_000 / 48_000.0 - (70_123 / 48_000.0));
        Assert.Equal(0, report.FailedActions);
        byte[] a = File.ReadAllBytes(original);
        byte[] b = File.ReadAllBytes(replayed);
        Assert.True(a.Length <= b.Length);
        Assert.True(a.AsSpan().SequenceEqual(b.AsSpan(0, a.Length)), "the replay differs from the original render");
        Assert.True(WavFile.Read(original).Channels[0].Max(MathF.Abs) > 0.05f, "the session was silent");
    }
}
