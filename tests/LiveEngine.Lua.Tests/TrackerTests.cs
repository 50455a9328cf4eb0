using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Lua.Tests;

/// <summary>Tracker rows land on the exact samples of their musical time: row k / lpb beats, plus the delay column.</summary>
public sealed class TrackerTests
{
    private const string Gate = "out(adsr 'env' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})\n";

    // Rows 0, 3, 5 (delay 80 = half a row), 6 (delay 40), 9 (delay C0), 12; every hit cut after 3 of 12 ticks.
    private const string Clicks = Gate + """
        tracker("clicks", {lpb = 4, rows = 16, tracks = {"env"}, text = [[
        x c3
        ---
        ---
        x c3
        ---
        x d80 c3
        x d40 c3
        ---
        ---
        x dC0 c3
        ---
        ---
        x c3
        ---
        ---
        ---
        ]]})
        tracker_play("clicks")
        """;

    private static readonly (int Row, int Delay)[] s_clickRows = [(0, 0), (3, 0), (5, 0x80), (6, 0x40), (9, 0xC0), (12, 0)];

    [Theory]
    [InlineData(120, 48_000, 128)]
    [InlineData(133, 44_100, 61)]
    public void Rows_LandOnTheExactSampleOfRowPlusDelay_AtTwoTempos(int bpm, int sampleRate, int blockFrames)
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options(bpm, sampleRate) with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(Clicks);
        var diagnostics = new List<string>();
        float[][] audio = LuaTestHost.Render(piece, session, 6 * sampleRate, blockFrames, diagnostics);
        Assert.Empty(diagnostics);

        Assert.Equal(ExpectedOnsets(session, audio[0].Length), LuaSchedulingTests.RisingEdges(audio[0]));
    }

    [Fact]
    public void Rows_ThroughATempoRamp_StillLandOnTheirSamples()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(Clicks + "at(2, function() tempo(200, {ramp = 6}) end)\n");
        var diagnostics = new List<string>();
        float[][] audio = LuaTestHost.Render(piece, session, 5 * 48_000, 128, diagnostics);
        Assert.Empty(diagnostics);

        List<long> expected = ExpectedOnsets(session, audio[0].Length);
        Assert.Equal(expected, LuaSchedulingTests.RisingEdges(audio[0]));
        Assert.True(expected.Count > 18, "the render should cover the ramp and rows after it");
        Assert.Equal(Fraction.FromInteger(200), session.Clock.TempoAt(audio[0].Length - 1));
    }

    [Fact]
    public void RetriggerAndCut_PlayOnTheTicksOfTheRow()
    {
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options() with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(Gate + """
            tracker("r", {lpb = 4, rows = 4, tracks = {"env"}, text = "x r3 c1\n---\n---\n---"})
            tracker_play("r")
            """);
        float[][] audio = LuaTestHost.Render(piece, session, 48_000);

        // 12 ticks a row, a hit every 3: ticks 0, 3, 6, 9 of rows 0 and 4 (a pattern is 4 rows, one beat).
        var expected = new List<long>();
        for (int beat = 0; beat < 2; beat++)
        {
            for (int tick = 0; tick < 12; tick += 3)
            {
                expected.Add(session.Clock.SampleAtBeat(beat + Fraction.Create(tick, 48)));
            }
        }

        Assert.Equal(expected, LuaSchedulingTests.RisingEdges(audio[0]));
    }

    [Fact]
    public void MiniNotation_RenderedIntoRows_KeepsItsExactTimes()
    {
        // Triplets and a Euclidean rhythm in 16 rows: most events fall between rows, on exact delays.
        LiveSession session = LuaPiece.CreateSession(LuaTestHost.Options(133, 44_100) with { CrossfadeMs = 0 });
        using LuaPiece piece = LuaTestHost.Piece(Gate + """
            tracker_mini("m", "[bd bd bd] bd(3,8)", {rows = 16, lpb = 4, map = {bd = "env"}, legato = 1/2})
            tracker_play("m")
            """);
        var diagnostics = new List<string>();
        float[][] audio = LuaTestHost.Render(piece, session, 4 * 44_100, 128, diagnostics);
        Assert.Empty(diagnostics);

        // One cycle is 16 rows = 4 beats: the events of "[bd bd bd] bd(3,8)" at cycles 0, 1/6, 1/3, 1/2, 11/16, 7/8.
        Fraction[] cycles = [0, Fraction.Create(1, 6), Fraction.Create(1, 3), Fraction.Create(1, 2), Fraction.Create(11, 16), Fraction.Create(7, 8)];
        var expected = new List<long>();
        for (int bar = 0; bar < 3; bar++)
        {
            foreach (Fraction c in cycles)
            {
                long sample = session.Clock.SampleAtBeat((bar + c) * 4);
                if (sample < audio[0].Length)
                {
                    expected.Add(sample);
                }
            }
        }

        Assert.Equal(expected, LuaSchedulingTests.RisingEdges(audio[0]));
    }

    [Fact]
    public async Task TableApi_AndTextBlock_DescribeTheSamePattern()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation fromText = await workspace.EvaluateAsync("""
            tracker("a", {lpb = 4, rows = 4, tracks = {"lead", "kick"}, text = [[
            C-4 v40 | x
            --- | ---
            D#4 d80 a37 | x r3 c1
            OFF | lpf.cutoffHz=800
            ]]})
            return tracker_text("a")
            """);
        Evaluation fromTable = await workspace.EvaluateAsync("""
            tracker("b", {lpb = 4, rows = 4, tracks = {"lead", "kick"}, cells = {
              [0] = {{note = "c4", vol = 0.5}, "x"},
              [2] = {{note = 63, delay = 0.5, fx = {{kind = "arp", x = 3, y = 7}}}, "x r3 c1"},
              [3] = {"OFF", {fx = {{kind = "auto", node = "lpf", param = "cutoffHz", value = 800}}}},
            }})
            return tracker_text("b")
            """);

        Assert.True(fromText.Ok, fromText.Error);
        Assert.True(fromTable.Ok, fromTable.Error);
        Assert.Equal("C-4 v40 | x  \n--- | ---\nD#4 d80 a37 | x   r3 c1\nOFF | --- lpf.cutoffHz=800", fromText.Value);
        Assert.Equal(fromText.Value, fromTable.Value);
    }

    [Fact]
    public async Task ABadCell_IsRefusedNamingTheTokenAndTheLine_AndNothingChanges()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Assert.True((await workspace.EvaluateAsync("tracker('a', {rows = 2, tracks = {'kick'}, text = 'x\\n---'})")).Ok);
        Evaluation bad = await workspace.EvaluateAsync("tracker_set('a', 1, 1, 'x zz')", "view");
        Evaluation range = await workspace.EvaluateAsync("tracker_set('a', 7, 1, 'x')", "view");
        Evaluation text = await workspace.EvaluateAsync("return tracker_text('a')");

        Assert.False(bad.Ok);
        Assert.Equal("view:1: tracker: 'zz' is not a note (C-4, c#3, OFF, x), a column (vXX pXX dXX iXX) or an effect (rX cX aXY sXX node.param=value)", bad.Error);
        Assert.Equal("view:1: tracker 'a': row 7 is not 0..1", range.Error);
        Assert.Equal("x  \n---", text.Value);
    }

    [Fact]
    public async Task AMiniNotationMistakeOrARunawayPattern_IsRefusedAtItsLine_AndTheStateStaysUsable()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation bad = await workspace.EvaluateAsync("tracker_mini('m', 'bd [sn', {map = {bd = 'kick', sn = 'snare'}})", "live");
        Evaluation huge = await workspace.EvaluateAsync("tracker_mini('m', '[a*100000]*100000', {map = {a = 'kick'}})", "live");
        Evaluation after = await workspace.EvaluateAsync("return 6 * 7");

        Assert.Equal("live:1: mini-notation column 7: expected ']' before the end of the pattern: \"bd [sn\"", bad.Error);
        Assert.StartsWith("live:1: mini-notation the pattern makes too many events to list", huge.Error);
        Assert.True(after.Ok);
        Assert.Equal("42", after.Value);
    }

    private static List<long> ExpectedOnsets(LiveSession session, long length)
    {
        var expected = new List<long>();
        for (int repeat = 0; ; repeat++)
        {
            foreach ((int row, int delay) in s_clickRows)
            {
                // Row k of repeat n at beat (16n + k) / 4, plus delay/256 of a row.
                Fraction beat = Fraction.Create((16 * repeat) + row, 4) + Fraction.Create(delay, 256 * 4);
                long sample = session.Clock.SampleAtBeat(beat);
                if (sample >= length)
                {
                    return expected;
                }

                expected.Add(sample);
            }
        }
    }
}
