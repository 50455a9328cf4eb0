using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LiveEngine.Frontend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiveEngine.Web;

/// <summary>
/// The stage view (docs/ui.md): a page served by Kestrel from the shared framework, on loopback unless a token is
/// set, whose views (graph, transport, parameters, scope and spectrum, profiler) follow the performance over one
/// WebSocket. The page and its script and style are resources of this assembly: it works offline. A feed thread
/// captures the performance 30-60 times a second (only while a page is open) and offers each page the newest
/// frame; a slow or closed page only loses frames.
/// </summary>
public sealed class StageServer : IAsyncDisposable
{
    private readonly PerformanceStage _stage;
    private readonly StageServerOptions _options;
    private readonly List<StageConnection> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _app;
    private Thread? _feed;

    public StageServer(Performance performance, StageServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(performance);
        ArgumentNullException.ThrowIfNull(options);
        if (!IPAddress.IsLoopback(options.Bind) && string.IsNullOrEmpty(options.Token))
        {
            throw new ArgumentException($"The stage view binds to {options.Bind}, which is not loopback: set a token (repl.config [ui] token) so that only your own browser can drive the engine.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.FramesPerSecond, 30);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.FramesPerSecond, 60);
        _options = options;
        _stage = new PerformanceStage(performance);
    }

    /// <summary>The port it listens on (the one chosen when <see cref="StageServerOptions.Port"/> is 0).</summary>
    public int Port { get; private set; }

    /// <summary>The page's address, with the token when one is set.</summary>
    public string Url => $"http://{(_options.Bind.Equals(IPAddress.Any) ? IPAddress.Loopback : _options.Bind)}:{Port}/{(_options.Token is { Length: > 0 } token ? "?token=" + Uri.EscapeDataString(token) : "")}";

    /// <summary>Pages open now.</summary>
    public int Pages
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Frames captured and offered since the start (all pages share one capture).</summary>
    public long FramesCaptured => Interlocked.Read(ref _framesCaptured);

    private long _framesCaptured;

    /// <summary>Starts listening; throws <see cref="IOException"/> when the port is taken.</summary>
    public void Start()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(_options.Bind, _options.Port));
        WebApplication app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.Use(Guard);
        app.MapGet("/", Index);
        app.MapGet("/app.js", context => Asset(context, "app.js", "text/javascript; charset=utf-8"));
        app.MapGet("/app.css", context => Asset(context, "app.css", "text/css; charset=utf-8"));
        app.MapGet("/trace.json", context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers.ContentDisposition = "attachment; filename=liveengine-stage-trace.json";
            return context.Response.Body.WriteAsync(_stage.PerfettoTrace()).AsTask();
        });
        app.Map("/ws", Socket);
        app.StartAsync().GetAwaiter().GetResult();
        _app = app;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _feed = new Thread(FeedLoop) { IsBackground = true, Name = "liveengine stage feed" };
        _feed.Start();
    }

    /// <summary>Every request needs the token when one is set; a WebSocket from another site's page is refused.</summary>
    private async Task Guard(HttpContext context, RequestDelegate next)
    {
        if (_options.Token is { Length: > 0 } token)
        {
            byte[] given = Encoding.UTF8.GetBytes(context.Request.Query["token"].ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(token)))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("The stage view needs its token: open the address liveengine printed (…/?token=…).").ConfigureAwait(false);
                return;
            }
        }

        if (context.Request.Headers.Origin is { Count: > 0 } origin && Uri.TryCreate(origin.ToString(), UriKind.Absolute, out Uri? from)
            && !string.Equals(from.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private async Task Index(HttpContext context)
    {
        string page = ReadAsset("index.html");

        // The graph as it is now, in the page itself: it paints before the WebSocket opens (and in a page that never
        // runs the socket, such as chromium --dump-dom). The default JSON encoder escapes '<', so no "</script>".
        string graph = Encoding.UTF8.GetString(_stage.CurrentGraphMessage());
        page = page.Replace("<!--INITIAL-GRAPH-->", $"<script id=\"initial-graph\" type=\"application/json\">{graph}</script>", StringComparison.Ordinal);
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(page).ConfigureAwait(false);
    }

    private static Task Asset(HttpContext context, string name, string type)
    {
        context.Response.ContentType = type;
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.WriteAsync(ReadAsset(name));
    }

    private static string ReadAsset(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("wwwroot/" + name)
            ?? throw new InvalidOperationException($"The stage view's {name} is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private async Task Socket(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        using var connection = new StageConnection(socket);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, context.RequestAborted);
        connection.OfferGraph(_stage.CurrentGraphMessage());
        lock (_connections)
        {
            _connections.Add(connection);
        }

        Task sending = connection.SendLoopAsync(gone.Token);
        try
        {
            await ReceiveLoopAsync(socket, connection, gone.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The page went away, or the server is stopping.
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(connection);
            }

            await gone.CancelAsync().ConfigureAwait(false);
            try
            {
                await sending.ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Ended with the page.
            }
        }
    }

    private async Task ReceiveLoopAsync(WebSocket socket, StageConnection connection, CancellationToken stopping)
    {
        byte[] buffer = new byte[16 * 1024];
        while (socket.State == WebSocketState.Open)
        {
            int length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), stopping).ConfigureAwait(false);
                length += result.Count;
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
            while (!result.EndOfMessage && length < buffer.Length);

            if (!result.EndOfMessage)
            {
                // A command is a few dozen bytes: a message this long is not one of ours.
                await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "commands are at most 16 KiB", stopping).ConfigureAwait(false);
                return;
            }

            connection.Reply(Answer(buffer.AsSpan(0, length)));
        }
    }

    private byte[] Answer(ReadOnlySpan<byte> message)
    {
        StageAnswer answer;
        string op = "";
        try
        {
            using JsonDocument command = JsonDocument.Parse(message.ToArray());
            if (command.RootElement.ValueKind == JsonValueKind.Object && command.RootElement.TryGetProperty("op", out JsonElement name) && name.ValueKind == JsonValueKind.String)
            {
                op = name.GetString() ?? "";
            }

            answer = _stage.Execute(command.RootElement);
        }
        catch (JsonException e)
        {
            answer = new(false, "Not a JSON command: " + e.Message);
        }

        var reply = new Dictionary<string, object> { ["t"] = "reply", ["op"] = op, ["ok"] = answer.Ok, ["message"] = answer.Message };
        if (answer.Lua is { } lua)
        {
            reply["lua"] = lua;
        }

        if (answer.View is { } view)
        {
            reply["view"] = view;
        }

        return JsonSerializer.SerializeToUtf8Bytes(reply);
    }

    private void FeedLoop()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        long period = Stopwatch.Frequency / _options.FramesPerSecond;
        long next = Stopwatch.GetTimestamp();
        StageConnection[] pages = [];
        while (!_stop.IsCancellationRequested)
        {
            lock (_connections)
            {
                if (pages.Length != _connections.Count || !_connections.SequenceEqual(pages))
                {
                    pages = [.. _connections];
                }
            }

            // Nothing is captured (no engine round trip) while no page is open.
            if (pages.Length > 0)
            {
                buffer.ResetWrittenCount();
                byte[]? graph;
                try
                {
                    graph = _stage.WriteFrame(buffer);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
                {
                    graph = null;
                    buffer.ResetWrittenCount();
                    buffer.Write(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["t"] = "error", ["message"] = e.Message }));
                }

                byte[] frame = buffer.WrittenSpan.ToArray();
                foreach (StageConnection page in pages)
                {
                    if (graph is not null)
                    {
                        page.OfferGraph(graph);
                    }

                    page.OfferFrame(frame);
                }

                Interlocked.Increment(ref _framesCaptured);
            }
            else
            {
                _stage.StopMetering();
            }

            next += period;
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                Thread.Sleep(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }
            else
            {
                // Behind (a long engine round trip): start again from now rather than catch up in a burst.
                next = Stopwatch.GetTimestamp();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _feed?.Join(TimeSpan.FromSeconds(2));
        if (_app is { } app)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await app.StopAsync(stopping.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
