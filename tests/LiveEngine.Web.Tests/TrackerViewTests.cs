using System.Diagnostics;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Languages;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;
using Microsoft.Playwright;

namespace LiveEngine.Tests.Web;

/// <summary>
/// The stage view's tracker grid in a real chromium: an edit of a cell on the page is the REPL's tracker_set line,
/// evaluated and logged, shown on the page, heard from the next pass of its row (the next bar), and replayed bit for
/// bit; a cell that does not read shows the Lua error and changes nothing.
/// </summary>
[Collection(StageCollection.Name)]
public sealed class TrackerViewTests(StageFixture fixture)
{
    // 16 rows at 4 a beat: one 4/4 bar a pass; a hit (cut after 3 ticks) on row 0 only.
    private const string Piece = """
        out(adsr 'stageenv' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})
        tracker("stagebeat", {lpb = 4, rows = 16, tracks = {"stageenv"}, text = "x c3\n---\n---\n---\n---\n---\n---\n---\n---\n---\n---\n---\n---\n---\n---\n---"})
        tracker_play("stagebeat")
        """;

    private const string EditLine = "tracker_set(\"stagebeat\", 8, 1, \"x c3\")";

    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task CellEditedOnThePage_IsTheTrackerSetLine_LoggedAndShown_HeardFromTheNextBar_AndReplaysBitForBit()
    {
        Performance performance = fixture.Performance;
        await fixture.EvalOverSocketAsync(Piece, Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('tracker-grid').dataset.pattern === 'stagebeat' || [...document.getElementById('tracker-pattern').options].some(o => o.value === 'stagebeat')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await page.SelectOptionAsync("#tracker-pattern", "stagebeat");
        ILocator cell = page.Locator("#tracker-grid input.cell[data-row=\"8\"][data-track=\"1\"]");
        await page.WaitForFunctionAsync("() => document.getElementById('tracker-grid').dataset.pattern === 'stagebeat' && document.querySelector('#tracker-grid tr.playing') !== null", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Equal("---", await cell.InputValueAsync());

        // Type the edit just after row 8 has played in this pass: the row's next turn is in the next bar.
        var clock = Stopwatch.StartNew();
        while (BeatInPass(performance) is < 2.1 or > 2.6 && clock.Elapsed < s_wait)
        {
            await Task.Delay(5);
        }

        await cell.FillAsync("x c3");
        await cell.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.getElementById('tracker-lua').dataset.ok !== undefined", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Equal("true", await page.GetAttributeAsync("#tracker-lua", "data-ok"));
        Assert.Equal(EditLine, await page.TextContentAsync("#tracker-lua"));

        // Through the same path as :tracker: the line evaluated as code, in the session log.
        SessionLogEntry edit = SessionLog.Read(fixture.SessionLogPath).Last(e => e.Kind == "eval" && e.Code == EditLine);
        TempoMap tempo = performance.Session.Clock;
        double editBeat = tempo.BeatAt(edit.Position).ToDouble();
        Assert.True(editBeat % 4 > 2, $"the edit was made at beat {editBeat}, before row 8 of its pass had played");
        long expected = tempo.SampleAtBeat(((long)Math.Floor(editBeat / 4) + 1) * 4 + 2);

        // The engine's output, read from its tap: between the next bar's row 0 and its row 8 nothing, then row 8's hit.
        long barStart = tempo.SampleAtBeat(((long)Math.Floor(editBeat / 4) + 1) * 4);
        float[] heard = CaptureOutput(performance, barStart + 4_800, expected + 4_800);
        List<long> edges = RisingEdges(heard, barStart + 4_800);
        Assert.True(edges.Count == 1 && Math.Abs(edges[0] - expected) <= 256, $"rising edges heard at samples [{string.Join(", ", edges)}]; row 8 of the next bar is sample {expected}");

        // The page re-reads the grid after the edit: the cell shows what Lua now holds.
        await page.WaitForFunctionAsync("() => document.querySelector('#tracker-grid input.cell[data-row=\"8\"][data-track=\"1\"]').dataset.cell.replace(/\\s+/g, ' ') === 'x c3'", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await StageFixture.ScreenshotAsync(page, "#tracker-view", "tracker.png");
        await page.CloseAsync();

        // The logged line replays bit for bit: the piece, then the page's line at its logged distance, rendered and replayed.
        ReplayTheEdit(edit.Code!, editBeat % 4);
    }

    [Fact]
    public async Task CellThatDoesNotRead_ShowsTheLuaErrorOnThePage_AndChangesNothing()
    {
        await fixture.EvalOverSocketAsync(Piece, Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        await page.WaitForFunctionAsync("() => [...document.getElementById('tracker-pattern').options].some(o => o.value === 'stagebeat')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await page.SelectOptionAsync("#tracker-pattern", "stagebeat");
        await page.WaitForFunctionAsync("() => document.getElementById('tracker-grid').dataset.pattern === 'stagebeat' && document.querySelector('#tracker-grid input.cell[data-row=\"3\"]') !== null", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        ILocator cell = page.Locator("#tracker-grid input.cell[data-row=\"3\"][data-track=\"1\"]");
        await cell.FillAsync("Q-9 zz");
        await cell.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.getElementById('tracker-lua').dataset.ok === 'false'", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        string shown = (await page.TextContentAsync("#tracker-lua"))!;
        Assert.StartsWith("tracker_set(\"stagebeat\", 3, 1, \"Q-9 zz\")", shown, StringComparison.Ordinal);
        Assert.Contains("Q-9", shown.Split('\n', 2)[1], StringComparison.Ordinal);
        Assert.Equal("error", await page.GetAttributeAsync("#tracker-lua", "class"));
        await StageFixture.ScreenshotAsync(page, "#tracker-view", "tracker-error.png");

        // The pattern is as it was: the Lua state's text, and the grid once the page has left the cell.
        Evaluation text = fixture.Performance.Evaluate("lua", "print(tracker_text(\"stagebeat\"))", "test", Quantization.Now);
        Assert.Equal("---", text.Output.Split('\n')[3].Trim());
        await page.Locator("#tracker-pattern").FocusAsync();
        await page.EvaluateAsync("() => readTracker()");
        await page.WaitForFunctionAsync("() => document.querySelector('#tracker-grid input.cell[data-row=\"3\"][data-track=\"1\"]').value === '---'", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await page.CloseAsync();
    }

    [Fact]
    public async Task PlayCursorFollowsTheEngine_AndACodeChangeToThePatternShowsInTheGridAtTheNextBar()
    {
        await fixture.EvalOverSocketAsync(Piece, Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        await page.WaitForFunctionAsync("() => [...document.getElementById('tracker-pattern').options].some(o => o.value === 'stagebeat')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await page.SelectOptionAsync("#tracker-pattern", "stagebeat");
        await page.WaitForFunctionAsync("() => document.getElementById('tracker-grid').dataset.pattern === 'stagebeat' && document.querySelector('#tracker-grid input.cell[data-row=\"12\"]') !== null", null, new PageWaitForFunctionOptions { Timeout = 20_000 });

        // The play cursor moves with the engine: over a second (8 rows at 120 BPM) the page shows several rows, each
        // the one the engine's beat says, give or take the row a frame can lag.
        var rows = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1.2))
        {
            int shown = int.Parse(await page.GetAttributeAsync("#tracker-grid", "data-cursor") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
            int engine = (int)Math.Floor(BeatInPass(fixture.Performance) * 4);
            Assert.True(shown >= 0 && ((engine - shown + 16) % 16) <= 3, $"the page's cursor is on row {shown}, the engine plays row {engine}");
            rows.Add(shown);
            await Task.Delay(40);
        }

        Assert.True(rows.Count >= 4, $"the cursor showed only rows [{string.Join(", ", rows)}] in 1.2 s");

        // Code from the editor socket, not the page: the grid has it by the next bar line's read.
        Evaluation change = await fixture.Performance.EvaluateAsync("lua", "tracker_set(\"stagebeat\", 12, 1, \"C-5 v20\")", "editor", Quantization.Now);
        Assert.True(change.Ok, change.Error);
        await page.WaitForFunctionAsync("() => document.querySelector('#tracker-grid input.cell[data-row=\"12\"][data-track=\"1\"]').value === 'C-5 v20'", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await page.CloseAsync();
    }

    [Theory]
    [InlineData("{\"op\":\"tracker-set\",\"name\":\"stagebeat\",\"row\":99,\"track\":1,\"cell\":\"x\"}", "row 99 is not 0..15")]
    [InlineData("{\"op\":\"tracker-set\",\"name\":\"stagebeat\",\"row\":0,\"track\":7,\"cell\":\"x\"}", "track 7 is not 1..1")]
    [InlineData("{\"op\":\"tracker-set\",\"name\":\"nosuch\",\"row\":0,\"track\":1,\"cell\":\"x\"}", "no pattern 'nosuch'")]
    [InlineData("{\"op\":\"tracker-set\",\"name\":\"stagebeat\",\"row\":0,\"track\":1,\"cell\":\"\\\") hush() (\\\"\"}", "tracker")]
    [InlineData("{\"op\":\"tracker-set\",\"name\":\"stagebeat\",\"row\":\"zero\",\"track\":1,\"cell\":\"x\"}", "tracker-set needs row, a whole number")]
    [InlineData("{\"op\":\"tracker-set\",\"name\":\"stagebeat\",\"cell\":\"x\"}", "tracker-set needs row, a whole number")]
    [InlineData("{\"op\":\"tracker-set\",\"row\":1,\"track\":1,\"cell\":\"x\"}", "tracker-set needs name, a string")]
    [InlineData("{\"op\":\"tracker\",\"name\":\"nosuch\"}", "no pattern 'nosuch'")]
    public async Task TrackerCommandThatCannotBeDone_IsAnsweredWithTheReason_AndThePatternPlaysOnUnchanged(string message, string reason)
    {
        await fixture.EvalOverSocketAsync(Piece, Quantization.Now);
        var uri = new Uri(new Uri(fixture.Stage.Url.Replace("http://", "ws://", StringComparison.Ordinal)), "ws");
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(message), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        string reply = await ReceiveReplyAsync(socket);
        using (var json = System.Text.Json.JsonDocument.Parse(reply))
        {
            Assert.False(json.RootElement.GetProperty("ok").GetBoolean(), reply);
            string said = json.RootElement.GetProperty("message").GetString()!;
            Assert.Contains(reason, said, StringComparison.Ordinal);
        }

        // Nothing changed, nothing else ran (the quoted cell is a string, not code): the pattern as written, still playing.
        Evaluation check = fixture.Performance.Evaluate("lua", "print(tracker_text(\"stagebeat\"))\nprint(tracker_position() ~= nil)", "test", Quantization.Now);
        Assert.True(check.Ok, check.Error);
        string[] lines = check.Output.Split('\n');
        Assert.Equal("x   c3", lines[0].Trim());
        Assert.All(lines[1..16], l => Assert.Equal("---", l.Trim()));
        Assert.Equal("true", lines[16].Trim());
    }

    private static async Task<string> ReceiveReplyAsync(System.Net.WebSockets.ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(s_wait);
        byte[] buffer = new byte[1 << 20];
        while (true)
        {
            int length = 0;
            System.Net.WebSockets.WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), timeout.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            string text = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
            if (text.Contains("\"t\":\"reply\"", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    private static double BeatInPass(Performance performance) => performance.Session.Clock.BeatAt(performance.Session.Position).ToDouble() % 4;

    /// <summary>The engine's output (the tap, mono) from <paramref name="from"/> to <paramref name="to"/>, in session samples, read as it plays.</summary>
    private static float[] CaptureOutput(Performance performance, long from, long to)
    {
        OutputTap tap = performance.Local!.Renderer.Tap!;

        // The tap counts from when the stage attached it: its offset from the session's position, read between blocks.
        long offset;
        while (true)
        {
            long before = performance.Session.Position;
            long written = tap.Written;
            if (performance.Session.Position == before && tap.Written == written)
            {
                offset = before - written;
                break;
            }
        }

        var heard = new float[to - from];
        var filled = new bool[to - from];
        var latest = new float[OutputTap.MaxReadFrames];
        var clock = Stopwatch.StartNew();
        while (tap.Written + offset < to + OutputTap.MaxReadFrames && clock.Elapsed < s_wait)
        {
            int frames = tap.CopyLatest(latest, out long end);
            for (int i = 0; i < frames; i++)
            {
                long sample = end - frames + i + offset - from;
                if (sample >= 0 && sample < heard.Length)
                {
                    heard[sample] = latest[i];
                    filled[sample] = true;
                }
            }

            Thread.Sleep(5);
        }

        int missing = Array.IndexOf(filled, false);
        Assert.True(missing < 0, $"the test read the tap too slowly: sample {from + missing} was overwritten before it was read (load: rerun)");
        return heard;
    }

    private static List<long> RisingEdges(float[] signal, long first)
    {
        var edges = new List<long>();
        for (int i = 1; i < signal.Length; i++)
        {
            if (signal[i] != 0 && signal[i - 1] == 0)
            {
                edges.Add(first + i);
            }
        }

        return edges;
    }

    /// <summary>
    /// As TrackerSessionLogTests does: the piece from beat 0 at 120 BPM, the logged line in its second pass at the
    /// beat of its pass where the page made it (after row 8), a render, and its replay.
    /// </summary>
    private static void ReplayTheEdit(string line, double beatInPass)
    {
        const int samplesPerBeat = 24_000;
        long editAfter = (long)Math.Round((4 + beatInPass) * samplesPerBeat);
        string dir = Directory.CreateTempSubdirectory("le-tracker-view-").FullName;
        try
        {
            string log = Path.Combine(dir, "edit.jsonl");
            string wav = Path.Combine(dir, "live.wav");
            NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
            using (var performance = new Performance(registry, new PerformanceOptions
            {
                Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 256, Tempo = 120, CrossfadeMs = 0 },
                LogPath = log,
            }))
            using (var writer = new WavWriter(wav, 48_000, 2, WavSampleFormat.Float32))
            {
                performance.AddLanguage(session => new LuaLanguage(session, registry));
                Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
                Assert.True(performance.Evaluate("lua", Piece, "piece", Quantization.Now).Ok);
                performance.RenderTo(editAfter, sink);
                Evaluation edit = performance.Evaluate("lua", line, "stage", Quantization.NextBar);
                Assert.True(edit.Ok, edit.Error);
                performance.RenderTo(editAfter + (3 * 48_000), sink);
            }

            float[] rendered = WavFile.Read(wav).Channels[0];
            // Row 0 of each pass (the first, at sample 0, has no edge before it); row 8 from the third pass (beat 10)
            // on, not in the second (beat 6, before the edit).
            Assert.Equal([4 * samplesPerBeat, 8 * samplesPerBeat, 10 * samplesPerBeat, 12 * samplesPerBeat], RisingEdges(rendered, 0).Where(e => e <= 12 * samplesPerBeat));
            string replayed = Path.Combine(dir, "replayed.wav");
            ReplayReport report = SessionReplay.Render(log, BuiltinNodeTypes.CreateRegistry(), [s => new LuaLanguage(s, BuiltinNodeTypes.CreateRegistry())], replayed, WavSampleFormat.Float32, tailSeconds: 4);
            Assert.Equal(0, report.FailedActions);
            float[] again = WavFile.Read(replayed).Channels[0];
            Assert.True(again.Length >= rendered.Length, $"the replay has {again.Length} frames, the render {rendered.Length}");
            Assert.True(rendered.AsSpan().SequenceEqual(again.AsSpan(0, rendered.Length)), "the replay of the page's edit differs from its render");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
