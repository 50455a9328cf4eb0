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
    public async Task OverTheWebSocket_NotJson_IsAnsweredWithTheReason_AndAMessageOver16KiB_ClosesThatSocketOnly()
    {
        var uri = new Uri(new Uri(fixture.Stage.Url.Replace("http://", "ws://", StringComparison.Ordinal)), "ws");
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        await socket.SendAsync("not json"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        string reply = await ReceiveAsync(socket, m => m.Contains("\"t\":\"reply\"", StringComparison.Ordinal));
        using (var json = System.Text.Json.JsonDocument.Parse(reply))
        {
            Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
            Assert.StartsWith("Not a JSON command: ", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        await socket.SendAsync(new byte[20_000], System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        await ReceiveAsync(socket, _ => false);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);

        // The server and its other pages carry on.
        IPage page = await fixture.OpenPageAsync();
        await page.CloseAsync();
    }

    /// <summary>Reads messages until one matches (its text), or the server closes the socket (empty).</summary>
    private static async Task<string> ReceiveAsync(System.Net.WebSockets.ClientWebSocket socket, Func<string, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
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

            if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                return "";
            }

            string text = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
            if (wanted(text))
            {
                return text;
            }
        }
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
