using System.Net;
using LiveEngine.Web;
using Microsoft.Playwright;

namespace LiveEngine.Tests.Web;

/// <summary>The stage view's guard and its answers to commands it cannot carry out, on the same performance as the page tests.</summary>
[Collection(StageCollection.Name)]
public sealed class StageServerTests(StageFixture fixture)
{
    [Fact]
    public void OnAnAddressThatIsNotLoopback_WithoutAToken_TheStageViewDoesNotStart_AndSaysWhy()
    {
        var e = Assert.Throws<ArgumentException>(() => new StageServer(fixture.Performance, new StageServerOptions { Bind = IPAddress.Any }));
        Assert.StartsWith("The stage view binds to 0.0.0.0, which is not loopback: set a token (repl.config [ui] token)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAToken_ARequestWithoutIt_IsRefused_AndTheAddressWithItServesThePage()
    {
        await using var stage = new StageServer(fixture.Performance, new StageServerOptions { Port = 0, Token = "s3cret" });
        stage.Start();
        using var http = new HttpClient();
        HttpResponseMessage refused = await http.GetAsync(new Uri($"http://127.0.0.1:{stage.Port}/"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("needs its token", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri($"http://127.0.0.1:{stage.Port}/?token=wrong"))).StatusCode);
        Assert.Equal($"http://127.0.0.1:{stage.Port}/?token=s3cret", stage.Url);
        HttpResponseMessage page = await http.GetAsync(new Uri(stage.Url));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("id=\"initial-graph\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATempoThePerformanceRefuses_IsShownOnThePage_AndTheTempoStays()
    {
        double before = fixture.Performance.TempoNow();
        IPage page = await fixture.OpenPageAsync();
        await page.FillAsync("#tempo-input", "0");
        await page.ClickAsync("#tempo-set");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('refused: ')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Equal("refused: The tempo must be more than 0 and at most 999 BPM, not 0.", await page.TextContentAsync("#status"));
        Assert.Equal(before, fixture.Performance.TempoNow());
        await page.CloseAsync();
    }

    [Fact]
    public async Task AParameterMoveForANodeThatIsNotPlaying_IsRefusedWithTheEnginesMessage()
    {
        IPage page = await fixture.OpenPageAsync();
        await page.EvaluateAsync("() => state.socket.send(JSON.stringify({ op: 'param', node: 'nope', param: 'freqHz', value: 1 }))");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('refused: ')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.StartsWith("refused: No node 'nope' in the graph playing at sample ", await page.TextContentAsync("#status"), StringComparison.Ordinal);
        await page.CloseAsync();
    }
}
