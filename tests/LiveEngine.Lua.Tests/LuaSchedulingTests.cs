using LiveEngine.Dsp;
using LiveEngine.Live;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.Lua.Tests;

/// <summary>Callbacks run ahead and their events land on the exact sample of their musical time.</summary>
public sealed class LuaSchedulingTests(ITestOutputHelper output)
{
    private const string Gate = "out(adsr 'env' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})\n";

    [Theory]
    [InlineData(128)]
    [InlineData(61)]
    public void Every_TriggersLandOnTheExactSampleOfTheirBeat(int blockFrames)
    {
        // 133 BPM at 44.1 kHz: a beat is 19,894.73... samples, so steps of 3/4 beat fall between samples.
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options(133, 44_100) with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(Gate + "every(3/4, function() trig('env', 1/8) end, 'pulse')");
        var diagnostics = new List<string>();
        float[][] audio = LuaTestHost.Render(piece, session, 4 * 44_100, blockFrames, diagnostics);
        Assert.Empty(diagnostics);

        var expected = new List<long>();
        for (long k = 0; session.Clock.SampleAtBeat(Fraction.Create(3 * k, 4)) < audio[0].Length; k++)
        {
            expected.Add(session.Clock.SampleAtBeat(Fraction.Create(3 * k, 4)));
        }

        Assert.Equal(expected, RisingEdges(audio[0]));
        Assert.Equal(12, expected.Count);
    }

    [Fact]
    public void PatternSteps_LandOnTheExactSamplesOfTheirPositions()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(Gate + "track('t', euclid(3, 8), function() trig('env', 1/16) end)");
        float[][] audio = LuaTestHost.Render(piece, session, 2 * 48_000);

        // One bar (4 beats) at 120 BPM is 96,000 samples: onsets at 0, 3/8 and 6/8 of it.
        Assert.Equal(new long[] { 0, 36_000, 72_000 }, RisingEdges(audio[0]));
    }

    [Fact]
    public void TempoRamp_EventsStillLandOnTheirBeats()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(Gate + "at(2, function() tempo(200, {ramp = 4}) end)\nevery(1, function() trig('env', 1/8) end)");
        float[][] audio = LuaTestHost.Render(piece, session, 3 * 48_000);

        var expected = new List<long>();
        for (long beat = 0; session.Clock.SampleAtBeat(beat) < audio[0].Length; beat++)
        {
            expected.Add(session.Clock.SampleAtBeat(beat));
        }

        Assert.Equal(expected, RisingEdges(audio[0]));
        Assert.Equal(Fraction.FromInteger(200), session.Clock.TempoAt(144_000));
    }

    [Fact]
    public void FailingAndRunawayCallbacks_AreReportedAndDisabled_TheOthersGoOn()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(
            Gate +
            "every(1, function(i) if i == 2 then error('bad step') end end, 'bad')\n" +
            "every(1, function(i) if i == 3 then while true do end end end, 'runaway')\n" +
            "every(1, function() trig('env', 1/8) end, 'good')\n");
        var diagnostics = new List<string>();
        float[][] audio = LuaTestHost.Render(piece, session, 4 * 24_000, diagnostics: diagnostics);

        Assert.Equal(2, diagnostics.Count);
        Assert.Equal("test.lua:2: bad step (callback 'bad' at beat 2 was disabled; the others go on)", diagnostics[0]);
        Assert.StartsWith("test.lua:3: stopped: ", diagnostics[1]);
        Assert.EndsWith("(callback 'runaway' at beat 3 was disabled; the others go on)", diagnostics[1]);
        Assert.Equal(1, piece.ActiveCallbacks);
        Assert.Equal(new long[] { 0, 24_000, 48_000, 72_000 }, RisingEdges(audio[0]));
    }

    [Fact]
    public void NamedLoop_ReEvaluated_ReplacesTheRunningOne_AndKeepsItsGrid()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var machine = new LuaMachine(session, BuiltinNodeTypes.CreateRegistry());
        var sink = new RecordingSink();
        machine.Sink = sink;
        machine.Evaluate(Gate + "loop('l', 1, function() trig('env', 1/8) end)", "a");

        // Pumped at 55,200 with 4,800 samples (0.2 beat) of look-ahead: the loop has run up to beat 2.5.
        machine.Pump(55_200);
        machine.Evaluate("loop('l', 1/2, function() set('env', 'level', 0.5) end)", "b");
        Assert.Equal(1, machine.ActiveCallbacks);
        machine.Pump(91_200);

        Assert.Equal(["trig@0", "trig@1", "trig@2", "set@5/2", "set@3", "set@7/2"], sink.Log);
    }

    [Fact]
    public void LoadedPiece_ReplacesTheOld_TheOldTracksStopWhereTheNewGraphLands_WithoutAnError()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using var machine = new LuaMachine(session, BuiltinNodeTypes.CreateRegistry());
        var diagnostics = new List<string>();
        machine.Diagnostics += diagnostics.Add;
        var audio = new List<float>();
        machine.Evaluate("out(adsr 'old' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})\ntrack('beat', 'x*4', 'old')", "old.lua");
        Render(session, machine, 60_000, audio);

        // Loaded at sample 60,000 (beat 2.5): its graph lands at the next bar, beat 4 = sample 96,000.
        machine.Evaluate("out(adsr 'new' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})\ntrack('hats', 'x*2', 'new')", "new.lua", replacesPiece: true);
        Assert.Equal(96_000, machine.LastEvaluationCommitSample);
        Render(session, machine, 5 * 48_000, audio);

        Assert.Empty(diagnostics);
        Assert.Equal(1, machine.ActiveCallbacks);

        // The old track plays every beat up to the bar line, the new one from it, every other beat.
        Assert.Equal([0, 24_000, 48_000, 72_000, 96_000, 144_000, 192_000], RisingEdges([.. audio]));
    }

    [Fact]
    public void PlainEvaluation_DoesNotStopTheTracksPlaying()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using var machine = new LuaMachine(session, BuiltinNodeTypes.CreateRegistry());
        machine.Evaluate("out { adsr 'a' {gate = 0}, adsr 'b' {gate = 0} }\ntrack('one', 'x', 'a')", "one");
        Render(session, machine, 10_000, []);
        machine.Evaluate("track('two', 'x', 'b')", "two");
        Render(session, machine, 3 * 96_000, []);
        Assert.Equal(2, machine.ActiveCallbacks);
    }

    [Fact]
    public void TrackWhoseNodeIsGone_AfterAnUndo_StopsAtItsFirstRefusedEvent_WithOneNotice()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using var machine = new LuaMachine(session, BuiltinNodeTypes.CreateRegistry());
        var diagnostics = new List<string>();
        machine.Diagnostics += diagnostics.Add;
        machine.Evaluate("out(adsr 'keep' {gate = 0})\ntrack('stays', 'x*2', 'keep')", "first");
        machine.Evaluate("out { adsr 'keep' {gate = 0}, adsr 'lead' {gate = 0} }\ntrack('lead', 'x*8', 'lead')", "second");
        Render(session, machine, 100_000, []);

        // Undone at sample 100,000 (as the REPL's :undo does, past the Lua state): the graph without 'lead' lands at the next bar.
        Assert.True(session.TryUndo(Quantization.NextBar, out CommitTicket? ticket));
        Assert.Equal(192_000, ticket!.CommitSample);
        Render(session, machine, 20 * 48_000, []);

        string notice = Assert.Single(diagnostics);
        Assert.StartsWith("callback 'lead' (at beat ", notice);
        Assert.Contains("was stopped: No node 'lead' in the graph playing at sample", notice);
        Assert.Equal(1, machine.ActiveCallbacks);
    }

    [Fact]
    public void CallbackStartedBeforeItsGraphLands_IsNotStopped_AndDrivesTheNodeOnceItLands()
    {
        // The REPL's order: the graph is committed for the next bar, then a callback typed at once starts on the next
        // beat, before that bar: its first events find no node yet. That node is coming, not gone.
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using var machine = new LuaMachine(session, BuiltinNodeTypes.CreateRegistry());
        var diagnostics = new List<string>();
        machine.Diagnostics += diagnostics.Add;
        Render(session, machine, 30_000, []);
        machine.Evaluate("quant('bar')\nout(saw 'bass' {55} >> lpf 'lp' {cutoff = 300})", "graph");
        machine.Evaluate("every(1, function(i) set('lp', 'cutoff', 400 + i) end, 'sweep')", "sweep");
        Render(session, machine, 10 * 48_000, []);

        Assert.Equal(1, machine.ActiveCallbacks);
        Assert.DoesNotContain(diagnostics, d => d.Contains("was stopped", StringComparison.Ordinal));
        Assert.True(diagnostics.Count <= 1, "at most one notice for the events before the graph landed: " + string.Join(" | ", diagnostics));
    }

    /// <summary>Renders up to <paramref name="position"/>, pumping before every block as a host does; appends channel 0 to <paramref name="audio"/>.</summary>
    private static void Render(LiveSession session, LuaMachine machine, long position, List<float> audio)
    {
        while (session.Renderer.Position < position)
        {
            machine.Pump(session.Renderer.Position);
            int frames = (int)Math.Min(128, position - session.Renderer.Position);
            session.Renderer.Render(frames);
            audio.AddRange(session.Renderer.Output(0, frames));
            session.Maintain();
        }
    }

    [Fact]
    public void HotPath_ScheduledEvents_AllocateNothing()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var machine = new LuaMachine(session, BuiltinNodeTypes.CreateRegistry());
        var sink = new RecordingSink { KeepLog = false };
        machine.Sink = sink;
        machine.Evaluate(
            "out { sine 's' {220}, adsr 'env' {gate = 0} }\n" +
            "every(1/16, function(i) set('s', 'freq', 200 + i % 64) trig('env', 1/32) end, 'hot')\n" +
            "track('pat', 'a3 [c4 e4] ~ g4*2', 's', {cycle = 1})", "hot");

        machine.RunDue(64);
        long eventsBefore = sink.Count;
        long before = GC.GetAllocatedBytesForCurrentThread();
        machine.RunDue(64 + 640);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long events = sink.Count - eventsBefore;

        output.WriteLine($"{events} events, {allocated} bytes allocated ({(double)allocated / events:F3} bytes per event)");
        Assert.Equal((640 * 16 * 2) + (640 * 5), events);
        Assert.Equal(0, allocated);
    }

    internal static List<long> RisingEdges(float[] signal)
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

    private sealed class RecordingSink : IScheduledEventSink
    {
        public List<string> Log { get; } = [];

        public bool KeepLog { get; init; } = true;

        public long Count { get; private set; }

        public string? Deliver(in ScheduledEvent e, out bool refused)
        {
            refused = false;
            Count++;
            if (KeepLog)
            {
                Log.Add($"{(e.Kind == ScheduledEventKind.Set ? "set" : "trig")}@{e.Beat}");
            }

            return null;
        }
    }
}
