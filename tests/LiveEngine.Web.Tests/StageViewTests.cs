using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using LiveEngine.Frontend;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;
using LiveEngine.Web;
using Microsoft.Playwright;

namespace LiveEngine.Tests.Web;

/// <summary>
/// The stage view in a real chromium: each view shows the live performance, and what is done on the page reaches the
/// engine through the same commands as the REPL's, into the session log. Each test also takes its view's screenshot
/// (docs/ui.md).
/// </summary>
[Collection(StageCollection.Name)]
public sealed class StageViewTests(StageFixture fixture)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task GraphView_ShowsTheNodesOfALuaSnippetSentOverTheEditorSocket_PendingWithItsBar_ThenPlayingFromThatBar()
    {
        IPage page = await fixture.OpenPageAsync();
        Performance performance = fixture.Performance;

        // Start right after a bar line, and land two bars on: the commit waits more than a bar (2 s at 120 BPM), long
        // enough for the page to show it pending even on a loaded machine.
        var clock = Stopwatch.StartNew();
        while (Fraction(performance.Session.Clock.BarAt(performance.Session.Position)) > 0.1 && clock.Elapsed < s_wait)
        {
            await Task.Delay(10);
        }

        long commitSample = await fixture.EvalOverSocketAsync("out(sine(\"lead\", { freq = 330, level = 0.2 }) >> gain(\"leadamp\", { level = 0.5 }))", Quantization.InBars(2), untilPlaying: false);
        double bar = Math.Floor(performance.Session.Clock.BarAt(commitSample).ToDouble()) + 1;
        bool sawPending = false;
        bool screenshot = false;
        clock.Restart();
        while (clock.Elapsed < s_wait)
        {
            JsonElement node = await page.EvaluateAsync<JsonElement>(
                "() => { const n = document.querySelector('#graph [data-id=\"lead\"]'); return n ? { state: n.dataset.state, bar: n.dataset.bar || '' } : null; }");
            long after = performance.Session.Position;
            if (node.ValueKind == JsonValueKind.Object)
            {
                string state = node.GetProperty("state").GetString()!;
                if (state == "pending")
                {
                    // The bar is known once the evaluation has answered (a frame or two after the graph changed).
                    string shownBar = node.GetProperty("bar").GetString()!;
                    if (shownBar.Length == 0)
                    {
                        await Task.Delay(15);
                        continue;
                    }

                    sawPending = true;
                    Assert.Equal(bar.ToString(CultureInfo.InvariantCulture), shownBar);
                    if (!screenshot)
                    {
                        screenshot = true;
                        await StageFixture.ScreenshotAsync(page, "#transport", "transport.png");
                        await StageFixture.ScreenshotAsync(page, "#graph-view", "graph-pending.png");
                    }
                }
                else
                {
                    // The page says "playing" only once the engine has passed the bar.
                    Assert.Equal("playing", state);
                    Assert.True(after >= commitSample, $"the page showed 'lead' playing at sample {after}, before its bar (sample {commitSample})");
                    break;
                }
            }

            await Task.Delay(15);
        }

        Assert.True(sawPending, "the page never showed 'lead' as pending, with its bar, before the bar");
        Assert.Equal("playing", await page.GetAttributeAsync("#graph [data-id=\"leadamp\"]", "data-state"));
        await StageFixture.ScreenshotAsync(page, "#graph-view", "graph.png");
        await page.CloseAsync();
    }

    [Fact]
    public async Task ParameterControl_MovedWithTheKeyboard_ChangesTheEngineParameter_AndTheMoveIsInTheSessionLog()
    {
        await fixture.EvalOverSocketAsync("out(sine(\"knob\", { freq = 220, level = 0.2 }))", Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        ILocator slider = page.Locator("input.param[data-node=\"knob\"][data-param=\"freqHz\"]");
        await slider.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        await slider.FocusAsync();
        for (int i = 0; i < 5; i++)
        {
            await slider.PressAsync("ArrowRight");
        }

        // Each move's graph comes back while the next key is pressed: the echo of an earlier move must not pull the
        // slider back (it did, and the engine then held a value the slider no longer showed).
        double step = double.Parse((await slider.GetAttributeAsync("step"))!, CultureInfo.InvariantCulture);
        double moved = double.Parse(await slider.InputValueAsync(), CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(moved - (220 + (5 * step))) < 1e-6, $"five steps of {step} from 220 should show {220 + (5 * step)}; the slider shows {moved}");

        double engine = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_wait)
        {
            NodeSpec knob = fixture.Performance.Session.Graph.Nodes.Single(n => n.Id == "knob");
            engine = knob.Parameters.GetValueOrDefault("freqHz");
            if (Math.Abs(engine - moved) < 1e-6)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.True(Math.Abs(moved - engine) < 1e-6, $"the engine's knob.freqHz is {engine}, the slider's {moved}; the page says: {await page.TextContentAsync("#status")}");
        Assert.Contains(SessionLogEntries(), e => e.GetProperty("kind").GetString() == "param"
            && e.GetProperty("node").GetString() == "knob" && e.GetProperty("parameter").GetString() == "freqHz"
            && Math.Abs(e.GetProperty("value").GetDouble() - moved) < 1e-6);
        await StageFixture.ScreenshotAsync(page, "#params-view", "parameters.png");
        await page.CloseAsync();
    }

    [Fact]
    public async Task MidiView_ShowsTheBoundControllers_AndABindingTypedOnThePageTakesTheMidiCommandPath()
    {
        IPage page = await fixture.OpenPageAsync();
        await page.FillAsync("#midi-command", "bind 3 cc 74 ch 1 -> stagedrive 0..1");
        await page.PressAsync("#midi-command", "Enter");
        await page.WaitForFunctionAsync("() => /cc 74/.test(document.getElementById('midi').textContent)", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        string shown = (await page.TextContentAsync("#midi"))!;
        Assert.Contains("3: cc 74", shown, StringComparison.Ordinal);
        Assert.Contains("stagedrive", shown, StringComparison.Ordinal);
        Assert.Contains("stagedrive", fixture.Performance.MidiCommand("list"), StringComparison.Ordinal);
        await StageFixture.ScreenshotAsync(page, "#params-view", "midi.png");
        fixture.Performance.MidiCommand("unbind 3");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Scope_ShowsTheOutputOfA440HzSine_ItsPeriodWithinOnePercent()
    {
        await fixture.EvalOverSocketAsync("out(sine(\"tone\", { freq = 440, level = 0.5 }))", Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        double hz = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_wait)
        {
            string? text = await page.GetAttributeAsync("#scope-period", "data-hz");
            hz = text is null ? 0 : double.Parse(text, CultureInfo.InvariantCulture);
            if (Math.Abs(hz - 440) < 4.4)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.InRange(hz, 440 * 0.99, 440 * 1.01);
        Assert.Contains("440.", await page.TextContentAsync("#scope-period"), StringComparison.Ordinal);
        await StageFixture.ScreenshotAsync(page, "#scope-view", "scope.png");
        await page.CloseAsync();
    }

    [Fact]
    public async Task NodePickedInTheGraph_ShowsItsOwnPeriod_WhileTheOutputHoldsAnotherSignal_AndMetersShowSilentAndLoudNodes()
    {
        // The 440 Hz sine reaches the output muted: the output holds only the 1000 Hz one.
        await fixture.EvalOverSocketAsync(
            "out({ sine(\"tone\", { freq = 440, level = 0.5 }) >> gain(\"mute\", { level = 0 }), sine(\"other\", { freq = 1000, level = 0.5 }), sine(\"hush\", { freq = 300, level = 0 }) })",
            Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        await page.Locator("#graph g.node[data-id='tone']").ClickAsync();
        double hz = 0;
        double outputHz = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_wait)
        {
            string? text = await page.GetAttributeAsync("#node-scope-period", "data-hz");
            hz = text is null ? 0 : double.Parse(text, CultureInfo.InvariantCulture);
            string? output = await page.GetAttributeAsync("#scope-period", "data-hz");
            outputHz = output is null ? 0 : double.Parse(output, CultureInfo.InvariantCulture);
            if (Math.Abs(hz - 440) < 4.4 && Math.Abs(outputHz - 1000) < 10)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.InRange(hz, 440 * 0.99, 440 * 1.01);
        Assert.InRange(outputHz, 1000 * 0.99, 1000 * 1.01);
        Assert.Equal("tone", await page.TextContentAsync("#node-scope-name"));

        // Meters: a silent node at -inf, a loud one above it (a 0.5 sine peaks at -6 dBFS).
        Assert.Equal("-inf", await page.GetAttributeAsync("#graph g.node[data-id='hush']", "data-peak-db"));
        Assert.Equal("-inf", await page.GetAttributeAsync("#graph g.node[data-id='mute']", "data-peak-db"));
        // Read in the same frame as the check: a later frame between whose reads the loaded machine rendered no block
        // shows -inf again.
        IJSHandle loudHandle = await page.WaitForFunctionAsync("() => { const n = document.querySelector(\"#graph g.node[data-id='other']\"); const v = n && n.dataset.peakDb; return v && v !== '-inf' ? v : null; }", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        string loudText = await loudHandle.JsonValueAsync<string>();
        double loud = double.Parse(loudText, CultureInfo.InvariantCulture);
        Assert.InRange(loud, -6.5, -5.5);
        // The output as played: a frame between whose reads the loaded machine rendered no block shows -inf, so wait for one that did.
        await page.WaitForFunctionAsync("() => { const n = document.querySelector(\"#graph g.node[data-id='out']\"); return n && n.dataset.peakDb && n.dataset.peakDb !== '-inf'; }", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await StageFixture.ScreenshotAsync(page, "main", "node-scope.png");

        // Picked again: back to the output only.
        await page.Locator("#graph g.node[data-id='tone']").ClickAsync();
        Assert.True(await page.Locator("#node-scope-view").IsHiddenAsync());
        await page.CloseAsync();
    }

    [Fact]
    public async Task Profiler_ShowsOneLanePerWorker_WithJobBarsAndTheCriticalPath_AndExportsATraceForPerfetto()
    {
        await fixture.EvalOverSocketAsync("local mix = {}\nfor i = 1, 8 do mix[i] = sine(\"v\" .. i, { freq = 110 * i, level = 0.05 }) end\nout(mix)", Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        int workers = fixture.Executor.Threads;
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('#lanes .lane').length === {workers}", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Equal(workers, await page.Locator("#lanes .lane").CountAsync());

        // The timeline: the jobs the executor timed as bars, a block's critical path marked, each block's deadline drawn.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#lanes rect.job.critical').length > 0", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.True(await page.Locator("#lanes rect.job").CountAsync() >= PerformanceStage.ProfileBlocks, "fewer job bars than blocks in view");
        Assert.True(await page.Locator("#lanes line.deadline").CountAsync() >= PerformanceStage.ProfileBlocks * workers, "a block without its deadline");
        string[] barNodes = [.. await page.Locator("#lanes rect.job").EvaluateAllAsync<string[]>("bars => [...new Set(bars.map(b => b.dataset.node))]")];
        Assert.True(barNodes.Any(n => n.Contains("v1", StringComparison.Ordinal)), "no bar for the voices: " + string.Join(", ", barNodes));

        // The cost table: measured times per node (mean, max µs per block), the voices among them.
        await page.WaitForFunctionAsync("() => document.querySelector('#costs tbody tr[data-node]') !== null", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        string[] costRow = [.. await page.Locator("#costs tbody tr").First.Locator("td").AllTextContentsAsync()];
        Assert.Equal(4, costRow.Length);
        Assert.True(double.Parse(costRow[2], CultureInfo.InvariantCulture) > 0, $"a measured cost of {costRow[2]} µs");
        Assert.True(double.Parse(costRow[3], CultureInfo.InvariantCulture) >= double.Parse(costRow[2], CultureInfo.InvariantCulture));

        // The export: a Chrome trace (Perfetto opens it) with a thread of job slices per worker, the critical path as
        // its own category, the blocks, and a counter track for each worker's load.
        await page.WaitForFunctionAsync("() => /block p50/.test(document.getElementById('blocks').textContent)", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        IAPIResponse trace = await page.APIRequest.GetAsync(new Uri(new Uri(fixture.Stage.Url), "trace.json").ToString());
        Assert.True(trace.Ok, $"trace.json: {trace.Status}");
        using JsonDocument json = JsonDocument.Parse(await trace.TextAsync());
        JsonElement[] events = [.. json.RootElement.GetProperty("traceEvents").EnumerateArray()];
        string[] counters = [.. events.Where(e => e.GetProperty("ph").GetString() == "C").Select(e => e.GetProperty("name").GetString()!).Distinct()];
        Assert.Equal(Enumerable.Range(0, workers).Select(w => $"worker {w} busy"), counters.Order());
        JsonElement[] slices = [.. events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("tid").GetInt32() < workers)];
        Assert.Contains(slices, e => e.GetProperty("name").GetString()!.Contains("v1", StringComparison.Ordinal));
        Assert.Contains(slices, e => e.GetProperty("cat").GetString() == "critical");
        Assert.All(slices, e => Assert.True(e.GetProperty("dur").GetDouble() >= 0));
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("args").GetProperty("name").GetString() == "worker 0");
        Assert.True(events.Count(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("tid").GetInt32() >= workers) >= PerformanceStage.ProfileBlocks, "the blocks' thread is missing");
        await StageFixture.ScreenshotAsync(page, "#profiler-view", "profiler.png");

        // Eight voices of one shape into one mix: one box for the oscillators, one for their pans.
        Assert.Equal("v1 v2 v3 v4 v5 v6 v7 v8", await page.GetAttributeAsync("#graph .node.bank[data-ids^=\"v1 \"]", "data-ids"));
        await StageFixture.ScreenshotAsync(page, "#graph-view", "graph-voices.png");
        await page.CloseAsync();
    }

    [Fact]
    public async Task TempoChangedOnThePage_ReachesTheEngine_AndTheSessionLog()
    {
        IPage page = await fixture.OpenPageAsync();

        // At the next beat, as the transport's quantisation box says.
        await page.SelectOptionAsync("#quantize", "beat");
        await page.FillAsync("#tempo-input", "133");
        await page.ClickAsync("#tempo-set");
        var clock = Stopwatch.StartNew();
        while (fixture.Performance.TempoNow() != 133 && clock.Elapsed < s_wait)
        {
            await Task.Delay(20);
        }

        Assert.Equal(133, fixture.Performance.TempoNow());
        Assert.Contains(SessionLogEntries(), e => e.GetProperty("kind").GetString() == "tempo" && e.GetProperty("tempo").GetString() == "133" && e.GetProperty("quantize").GetString() == "beat");
        await page.WaitForFunctionAsync("() => document.getElementById('bpm').textContent === '133'", null, new PageWaitForFunctionOptions { Timeout = 20_000 });

        // Back to 120 on the page, now, for the tests that count bars.
        await page.SelectOptionAsync("#quantize", "now");
        await page.FillAsync("#tempo-input", "120");
        await page.ClickAsync("#tempo-set");
        clock.Restart();
        while (fixture.Performance.TempoNow() != 120 && clock.Elapsed < s_wait)
        {
            await Task.Delay(20);
        }

        Assert.Equal(120, fixture.Performance.TempoNow());
        await page.CloseAsync();
    }

    [Fact]
    public async Task StopOnThePage_SilencesTheEngineAndHoldsTheClock_PlayBringsTheSoundBack_BothInTheSessionLog()
    {
        await fixture.EvalOverSocketAsync("out(sine(\"hum\", { freq = 220, level = 0.5 }))", Quantization.Now);
        IPage page = await fixture.OpenPageAsync();
        OutputTap tap = fixture.Performance.Local!.Renderer.Tap!;
        var frames = new float[2048];
        float Peak()
        {
            int copied = tap.CopyLatest(frames, out _);
            return copied == 0 ? -1 : frames.AsSpan(0, copied).ToArray().Max(MathF.Abs);
        }

        // Level 0.5, panned to the centre: 0.5·√½ in the tap's mix.
        Assert.InRange(Peak(), 0.34f, 0.37f);
        long before = fixture.Performance.Session.Position;
        const int Blocks = 200;
        try
        {
            await page.ClickAsync("#stop");
            var clock = Stopwatch.StartNew();
            while (Peak() != 0 && clock.Elapsed < s_wait)
            {
                await Task.Delay(10);
            }

            // Silent within the blocks the command took to arrive (2048 frames of the tap are 8 blocks of 256): the
            // clock held where the stop landed, which is no more than those blocks past the click.
            Assert.Equal(0f, Peak());
            long held = fixture.Performance.Session.Position;
            Assert.True(held - before <= Blocks * 256, $"the stop landed {(held - before) / 256} blocks after the click (at most {Blocks})");
            await Task.Delay(100);
            Assert.Equal(held, fixture.Performance.Session.Position);
            Assert.Equal(0f, Peak());
            await page.WaitForFunctionAsync("() => document.body.dataset.transport === 'stopped' && document.getElementById('stop').classList.contains('active')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
            await StageFixture.ScreenshotAsync(page, "#transport", "transport-stopped.png");

            await page.ClickAsync("#play");
            clock.Restart();
            while (Peak() < 0.34f && clock.Elapsed < s_wait)
            {
                await Task.Delay(10);
            }

            Assert.InRange(Peak(), 0.34f, 0.37f);
            Assert.True(fixture.Performance.Session.Position > held, "the clock did not resume");
            await page.WaitForFunctionAsync("() => document.body.dataset.transport === 'playing'", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        }
        finally
        {
            // Playing again for the tests after this one, whatever failed here.
            if (!fixture.Performance.TransportPlaying)
            {
                fixture.Performance.SetTransport(playing: true);
            }
        }

        JsonElement[] log = [.. SessionLogEntries().Where(e => e.GetProperty("kind").GetString() is "stop" or "play")];
        Assert.True(log.Length >= 2, "no stop and play in the session log");
        Assert.Equal("stop", log[^2].GetProperty("kind").GetString());
        Assert.Equal("play", log[^1].GetProperty("kind").GetString());

        // The stop is logged at the position reached when it was sent (the block in flight then still plays out), the
        // play at the held position: no later.
        Assert.InRange(log[^1].GetProperty("position").GetInt64() - log[^2].GetProperty("position").GetInt64(), 0, Blocks * 256);
        await page.CloseAsync();
    }

    [Fact]
    public async Task APageThatStopsReading_BlocksNothing_TheOtherPagesKeepTheirUpdates()
    {
        // A WebSocket client that never reads: its frames pile up in its slot (one at a time) and are dropped.
        using var stalled = new ClientWebSocket();
        await stalled.ConnectAsync(new Uri(new Uri(fixture.Stage.Url.Replace("http://", "ws://", StringComparison.Ordinal)), "ws"), CancellationToken.None);
        IPage page = await fixture.OpenPageAsync();
        int before = int.Parse(await page.EvaluateAsync<string>("() => document.body.dataset.frames"), CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync($"() => +document.body.dataset.frames > {before + 30}", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Equal(WebSocketState.Open, stalled.State);
        Assert.True(fixture.Stage.Pages >= 2, $"{fixture.Stage.Pages} page(s) open");
        await page.CloseAsync();
    }

    private static double Fraction(Fraction bar) => bar.ToDouble() - Math.Floor(bar.ToDouble());

    private List<JsonElement> SessionLogEntries()
    {
        using var stream = new FileStream(fixture.SessionLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var entries = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                entries.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return entries;
    }
}
