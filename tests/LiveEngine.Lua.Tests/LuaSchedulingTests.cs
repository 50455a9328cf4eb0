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

        public void Deliver(in ScheduledEvent e)
        {
            Count++;
            if (KeepLog)
            {
                Log.Add($"{(e.Kind == ScheduledEventKind.Set ? "set" : "trig")}@{e.Beat}");
            }
        }
    }
}
