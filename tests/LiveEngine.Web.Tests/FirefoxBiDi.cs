using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LiveEngine.Tests.Web;

/// <summary>
/// Debian's Firefox ESR, headless, driven through WebDriver BiDi, the W3C protocol Firefox speaks natively: a
/// WebSocket to the browser, no geckodriver and no patched browser (Playwright for .NET drives only its own build
/// of Firefox, which a stage machine does not have). A fresh profile per instance; the process is killed on dispose.
/// </summary>
public sealed class FirefoxBiDi : IAsyncDisposable
{
    public const string Firefox = "/usr/bin/firefox-esr";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _receive = new byte[1 << 20];
    private int _nextId;

    private FirefoxBiDi(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The top-level browsing context (the one tab) that <see cref="NavigateAsync"/> and <see cref="EvaluateAsync"/> act on.</summary>
    public string Context { get; private set; } = "";

    /// <summary>Firefox's own version string, as the session reported it.</summary>
    public string Version { get; private set; } = "";

    public static async Task<FirefoxBiDi> StartAsync()
    {
        Assert.True(File.Exists(Firefox), $"The Firefox test drives Debian's Firefox ESR, and {Firefox} is missing: apt-get install firefox-esr (.ci/run does).");
        string profile = Directory.CreateTempSubdirectory("le-firefox-").FullName;
        var start = new ProcessStartInfo(Firefox)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--headless", "--no-remote", "-profile", profile, "--remote-debugging-port", "0", "about:blank" })
        {
            start.ArgumentList.Add(argument);
        }

        // Port 0: Firefox picks a free port and says which on stderr ("WebDriver BiDi listening on ws://...").
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Firefox} did not start");
        var firefox = new FirefoxBiDi(process, profile);
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var said = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                endpoint.TrySetException(new InvalidOperationException($"Firefox exited before it listened; it said:\n{said}"));
                return;
            }

            lock (said)
            {
                said.AppendLine(e.Data);
            }

            const string Listening = "WebDriver BiDi listening on ";
            int at = e.Data.IndexOf(Listening, StringComparison.Ordinal);
            if (at >= 0)
            {
                endpoint.TrySetResult(e.Data[(at + Listening.Length)..].Trim());
            }
        };
        process.OutputDataReceived += static (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            string url = await endpoint.Task.WaitAsync(s_startTimeout);
            await firefox._socket.ConnectAsync(new Uri(url + "/session"), CancellationToken.None);
            JsonNode session = await firefox.SendAsync("session.new", new JsonObject { ["capabilities"] = new JsonObject() });
            firefox.Version = (string?)session["capabilities"]?["browserVersion"] ?? "";
            JsonNode tree = await firefox.SendAsync("browsingContext.getTree", new JsonObject());
            firefox.Context = (string)tree["contexts"]![0]!["context"]!;
            return firefox;
        }
        catch
        {
            await firefox.DisposeAsync();
            throw;
        }
    }

    /// <summary>Loads <paramref name="url"/> in the tab and waits for its load event.</summary>
    public Task NavigateAsync(string url) =>
        SendAsync("browsingContext.navigate", new JsonObject { ["context"] = Context, ["url"] = url, ["wait"] = "complete" });

    /// <summary>
    /// Evaluates <paramref name="expression"/> in the page (a promise is awaited) and returns its value as JSON text
    /// (<c>JSON.stringify</c> in the page). A script error fails with the page's own message.
    /// </summary>
    public async Task<string> EvaluateAsync(string expression)
    {
        JsonNode result = await SendAsync("script.evaluate", new JsonObject
        {
            ["expression"] = $"(async () => JSON.stringify(await ({expression})))()",
            ["target"] = new JsonObject { ["context"] = Context },
            ["awaitPromise"] = true,
        });
        if ((string?)result["type"] == "exception")
        {
            throw new InvalidOperationException($"the page threw evaluating {expression}: {result["exceptionDetails"]?["text"]}");
        }

        return (string?)result["result"]?["value"] ?? "undefined";
    }

    /// <summary>Polls <paramref name="condition"/> in the page until it is true; false if it never was within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForAsync(string condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await EvaluateAsync($"!!({condition})") == "true")
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>One BiDi command: sends it and reads messages (skipping events) until its answer; an error answer throws.</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject parameters)
    {
        int id = ++_nextId;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(s_callTimeout);
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult received;
            do
            {
                if (length == _receive.Length)
                {
                    throw new InvalidOperationException($"a BiDi message over {_receive.Length} bytes answering {method}");
                }

                received = await _socket.ReceiveAsync(_receive.AsMemory(length), timeout.Token);
                length += received.Count;
            }
            while (!received.EndOfMessage);

            if (received.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"Firefox closed the BiDi connection answering {method}");
            }

            JsonNode message = JsonNode.Parse(_receive.AsSpan(0, length))!;
            if (message["id"] is not { } answered || (int)answered != id)
            {
                continue;
            }

            if ((string?)message["type"] == "error")
            {
                throw new InvalidOperationException($"BiDi {method}: {message["error"]}: {message["message"]}");
            }

            return message["result"]!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, quick.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // Firefox is killed next either way.
        }

        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A content process may still hold a file of the profile as it exits.
        }
    }
}
