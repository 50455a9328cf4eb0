using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Web;

/// <summary>
/// The stage view in Debian's Firefox ESR, driven through WebDriver BiDi (<see cref="FirefoxBiDi"/>): the same page
/// as in chromium renders the live graph and scope, and its controls reach the engine. Keys are real key events
/// (BiDi's input actions), not events the test makes up in the page.
/// </summary>
[Collection(StageCollection.Name)]
public sealed class FirefoxStageTests(StageFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Firefox_ShowsTheLiveGraphAndA440HzScope_AndItsKeyboardAndTempoControlsReachTheEngine()
    {
        await fixture.EvalOverSocketAsync("out(sine(\"fox\", { freq = 440, level = 0.5 }))", Quantization.Now);
        await using FirefoxBiDi firefox = await FirefoxBiDi.StartAsync();
        output.WriteLine($"Firefox {firefox.Version}");
        await firefox.NavigateAsync(fixture.Stage.Url);
        Assert.True(await firefox.WaitForAsync("+document.body.dataset.frames > 2", s_wait), "Firefox's page brought no live frames over its WebSocket");

        // The graph, from live data.
        Assert.True(await firefox.WaitForAsync("document.querySelector('#graph [data-id=\"fox\"]') !== null", s_wait),
            $"Firefox's graph view never showed node 'fox'; it shows: {await firefox.EvaluateAsync("document.getElementById('graph').textContent")}");

        // The scope: the sine's period within 1 %.
        double hz = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_wait && Math.Abs(hz - 440) >= 4.4)
        {
            string shown = await firefox.EvaluateAsync("document.getElementById('scope-period').dataset.hz ?? ''");
            hz = double.TryParse(JsonNode.Parse(shown)!.GetValue<string>(), CultureInfo.InvariantCulture, out double parsed) ? parsed : 0;
            await Task.Delay(50);
        }

        Assert.InRange(hz, 440 * 0.99, 440 * 1.01);

        // A parameter moved with real key presses: five steps right.
        const string Slider = "document.querySelector('input.param[data-node=\"fox\"][data-param=\"freqHz\"]')";
        Assert.True(await firefox.WaitForAsync($"{Slider} !== null", s_wait), "Firefox's parameter view has no control for fox.freqHz");
        double step = double.Parse(JsonNode.Parse(await firefox.EvaluateAsync($"{Slider}.step"))!.GetValue<string>(), CultureInfo.InvariantCulture);
        await firefox.EvaluateAsync($"{Slider}.focus()");
        var keys = new JsonArray();
        for (int i = 0; i < 5; i++)
        {
            keys.Add(new JsonObject { ["type"] = "keyDown", ["value"] = "\uE014" });
            keys.Add(new JsonObject { ["type"] = "keyUp", ["value"] = "\uE014" });
        }

        await firefox.SendAsync("input.performActions", new JsonObject
        {
            ["context"] = firefox.Context,
            ["actions"] = new JsonArray { new JsonObject { ["type"] = "key", ["id"] = "keyboard", ["actions"] = keys } },
        });
        double expected = 440 + (5 * step);
        double engine = 0;
        clock.Restart();
        while (clock.Elapsed < s_wait && Math.Abs(engine - expected) > 1e-6)
        {
            engine = fixture.Performance.Session.Graph.Nodes.Single(n => n.Id == "fox").Parameters.GetValueOrDefault("freqHz");
            await Task.Delay(20);
        }

        Assert.True(Math.Abs(engine - expected) < 1e-6, $"five ArrowRight presses in Firefox should set fox.freqHz to {expected}; the engine has {engine}, the slider {await firefox.EvaluateAsync($"{Slider}.value")}");

        // The tempo box and its button.
        await firefox.EvaluateAsync("(() => { const q = document.getElementById('quantize'); q.value = 'now'; q.dispatchEvent(new Event('change')); document.getElementById('tempo-input').value = '127'; document.getElementById('tempo-set').click(); })()");
        clock.Restart();
        while (fixture.Performance.TempoNow() != 127 && clock.Elapsed < s_wait)
        {
            await Task.Delay(20);
        }

        Assert.Equal(127, fixture.Performance.TempoNow());
        Assert.True(await firefox.WaitForAsync("document.getElementById('bpm').textContent === '127'", s_wait), "Firefox's transport never showed 127 bpm");

        // Back to 120 for the tests that count bars.
        await firefox.EvaluateAsync("(() => { document.getElementById('tempo-input').value = '120'; document.getElementById('tempo-set').click(); })()");
        clock.Restart();
        while (fixture.Performance.TempoNow() != 120 && clock.Elapsed < s_wait)
        {
            await Task.Delay(20);
        }

        Assert.Equal(120, fixture.Performance.TempoNow());
    }
}
