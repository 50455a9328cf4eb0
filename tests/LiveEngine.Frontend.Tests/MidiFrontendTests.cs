using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Midi;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;
using LiveEngine.Midi.Control;

namespace LiveEngine.Tests.Frontend;

public sealed class MidiFrontendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-midi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("cc 74 -> lp.cutoffHz 80..8000 exp smooth 30 soft", "cc 74 -> lp.cutoffHz 80..8000 exp smooth 30 soft")]
    [InlineData("cc 1 ch 2 group 3 -> drive", "cc 1 ch 2 group 3 -> drive 0..1")]
    [InlineData("nrpn 1.2 -> density 0..16", "nrpn 1.2 -> density 0..16")]
    [InlineData("nrpn 130 -> density", "nrpn 1.2 -> density 0..1")]
    [InlineData("pb ch 1 -> osc.freqHz 100..400 log", "pb ch 1 -> osc.freqHz 100..400 log")]
    [InlineData("pnc 60.3 -> x", "pnc 60.3 -> x 0..1")]
    public void BindingSyntax_RoundTrips(string text, string formatted)
    {
        ControllerBinding binding = MidiBindingSyntax.Parse(text);
        Assert.Equal(formatted, MidiBindingSyntax.Format(binding));
        Assert.Equal(binding, MidiBindingSyntax.Parse(formatted));
    }

    [Theory]
    [InlineData("cc 74 lp.cutoffHz", "a binding is SOURCE -> TARGET")]
    [InlineData("cc 200 -> x", "'cc' takes a number 0..127.")]
    [InlineData("knob 3 -> x", "'knob' is not a source")]
    [InlineData("cc 3 ch 17 -> x", "'ch' takes a number 1..16.")]
    [InlineData("cc 3 -> x 1..2 wobbly", "'wobbly': after the target come")]
    public void BindingSyntax_Mistakes_SayWhat(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => MidiBindingSyntax.Parse(text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ControllerMoves_ReachTheParameter_AreLogged_AndReplayBitIdentically()
    {
        string log = Path.Combine(_dir, "midi.jsonl");
        string original = Path.Combine(_dir, "original.wav");
        using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
            LogPath = log,
            InitialGraph = SessionLogTests.Tone(110),
        }))
        using (var writer = new WavWriter(original, 48_000, 2, WavSampleFormat.Float32))
        {
            Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
            Assert.Equal("bank 1 slot 1: cc 74 ch 1 -> lp.cutoffHz 100..4000", MidiCommands.Execute(performance.Midi, "bind cc 74 ch 1 -> lp.cutoffHz 100..4000"));
            Assert.Equal("bank 1 slot 5: cc 1 -> wobble 0..10", MidiCommands.Execute(performance.Midi, "bind 5 cc 1 -> wobble 0..10"));
            performance.RenderTo(20_000, sink);
            performance.Midi.ReceiveMidi1([0xB0, 74, 0]);
            performance.Midi.ReceiveMidi1([0xB0, 1, 127]);
            performance.RenderTo(40_000, sink);
            performance.Midi.ReceiveMidi1([0xB0, 74, 127]);
            performance.Midi.ReceiveMidi1([0xB1, 74, 64]); // channel 2: not bound
            performance.RenderTo(90_000, sink);
            Assert.Equal(4000, performance.Session.Graph.Nodes.Single(n => n.Id == "lp").Parameters["cutoffHz"]);
            Assert.Equal(10, performance.Session.Variables.Get("wobble"));
            Assert.Contains("cc 74 ch 1 -> lp.cutoffHz 100..4000", MidiCommands.Execute(performance.Midi, "list"));
        }

        IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(log);
        Assert.Equal(3, entries.Count(e => e.Kind == "midi"));
        Assert.Equal([20_000, 20_000, 40_000], entries.Where(e => e.Kind == "midi").Select(e => e.Position));

        string replayed = Path.Combine(_dir, "replayed.wav");
        ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [], replayed, WavSampleFormat.Float32, tailSeconds: 50_000 / 48_000.0);
        Assert.Equal(0, report.FailedActions);
        Assert.True(File.ReadAllBytes(original).AsSpan().SequenceEqual(File.ReadAllBytes(replayed)), "the replay differs");
    }

    [Fact]
    public void MidiCommands_Learn_Bank_SaveAndLoad()
    {
        using var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions { InitialGraph = SessionLogTests.Tone(110) });
        Assert.StartsWith("learning: move a controller", MidiCommands.Execute(performance.Midi, "learn 2 -> drive 1..4"));
        performance.Midi.ReceiveMidi1([0xB3, 21, 64]);   // binds
        performance.Midi.ReceiveMidi1([0xB3, 21, 127]);  // and then drives
        Assert.Equal(4, performance.Session.Variables.Get("drive"));
        Assert.Matches(@"\n +2: cc 21 ch 4 (group 1 )?-> drive 1\.\.4", MidiCommands.Execute(performance.Midi, "list"));
        Assert.Equal("bank 2 (fx)", MidiCommands.Execute(performance.Midi, "bank fx"));
        string file = Path.Combine(_dir, "banks.json");
        MidiCommands.Execute(performance.Midi, "save " + file);
        using var other = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions { InitialGraph = SessionLogTests.Tone(110) });
        MidiCommands.Execute(other.Midi, "load " + file);
        Assert.Equal(["bank1", "fx"], other.Midi.BankNames);
        var e = Assert.Throws<FormatException>(() => MidiCommands.Execute(other.Midi, "bind 1 cc 3"));
        Assert.Contains("SOURCE -> TARGET", e.Message);
    }
}
