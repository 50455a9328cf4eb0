using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace LiveEngine.Frontend.Rpc;

/// <summary>How the editor socket listens and what it accepts.</summary>
public sealed record EditorServerOptions
{
    /// <summary>The address to bind; loopback by default. Any other address requires <see cref="Token"/>.</summary>
    public IPAddress Bind { get; init; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 picks a free one (see <see cref="EditorServer.Port"/>).</summary>
    public int Port { get; init; } = 7771;

    /// <summary>When set, a client's first message must be <c>initialize</c> with this token.</summary>
    public string? Token { get; init; }

    /// <summary>The largest message body accepted, in bytes (1 MiB).</summary>
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Sustained messages per second per connection; more are answered with a rate-limit error and not run.</summary>
    public int MessagesPerSecond { get; init; } = 500;

    /// <summary>Messages a connection may send at once above the sustained rate.</summary>
    public int Burst { get; init; } = 1000;

    /// <summary>How long a body may take to arrive after its header.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The editor socket: JSON-RPC 2.0 over TCP with LSP's base-protocol framing, served by StreamJsonRpc behind a
/// guard that answers what StreamJsonRpc should never see — malformed JSON, bad framing, oversized messages,
/// floods, unauthenticated clients — with JSON-RPC errors, so that nothing a client sends can stop the server,
/// let alone the music. Engine notices go to every client as <c>engine/notice</c> notifications.
/// </summary>
public sealed class EditorServer : IAsyncDisposable
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int RateLimited = -32000;
    public const int Unauthorized = -32001;

    private readonly Performance _performance;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<EditorConnection, byte> _connections = new();
    private Task? _accepting;
    private int _clients;

    public EditorServer(Performance performance, EditorServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(performance);
        ArgumentNullException.ThrowIfNull(options);
        if (!IPAddress.IsLoopback(options.Bind) && string.IsNullOrEmpty(options.Token))
        {
            throw new ArgumentException($"The editor socket binds to {options.Bind}, which is not loopback: set a token (repl.config [socket] token) so that only your editor can drive the engine.", nameof(options));
        }

        _performance = performance;
        Options = options;
        _listener = new TcpListener(options.Bind, options.Port);
        _performance.Notices += Broadcast;
    }

    public EditorServerOptions Options { get; }

    /// <summary>The port listened on (useful with port 0).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Messages refused (framing, JSON, rate, auth) since start, all connections.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    internal long _refused;

    public int Connections => _connections.Count;

    public void Start()
    {
        _listener.Start();
        _accepting = AcceptLoop();
    }

    internal Performance Performance => _performance;

    /// <summary>Statistics for <c>stats/get</c> and the <c>stats</c> notification.</summary>
    internal JsonObject Stats()
    {
        var session = _performance.Session;
        long position = session.Position;
        var stats = new JsonObject
        {
            ["sample"] = position,
            ["bar"] = session.Clock.BarAt(position).ToDouble(),
            ["bpm"] = session.Clock.TempoAt(position).ToDouble(),
            ["gc"] = new JsonArray(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)),
            ["refusedMessages"] = Refused,
            ["clients"] = Connections,
        };
        if (_performance.Remote?.LastStats is { } engine)
        {
            // The engine process's own figures, as polled by the control thread (no request per call).
            stats["driver"] = engine.Driver;
            stats["engineSample"] = engine.Position;
            stats["blocks"] = engine.Callbacks;
            stats["xruns"] = engine.Xruns;
            stats["blockUsP50"] = Math.Round(engine.BlockP50Us, 1);
            stats["blockUsP99"] = Math.Round(engine.BlockP99Us, 1);
            stats["blockUsMax"] = Math.Round(engine.BlockMaxUs, 1);
            stats["engineGc"] = new JsonArray(engine.Gen0Collections, engine.Gen1Collections, engine.Gen2Collections);
            stats["audioAllocatedBytes"] = engine.AudioThreadAllocatedBytes;
        }
        else if (_performance.Driver is { } driver)
        {
            stats["driver"] = driver.Name;
            stats["blocks"] = driver.Stats.Callbacks;
            stats["xruns"] = driver.Stats.Xruns;
            stats["blockUsP50"] = Math.Round(driver.Stats.PercentileUs(0.5), 1);
            stats["blockUsP99"] = Math.Round(driver.Stats.PercentileUs(0.99), 1);
            stats["blockUsMax"] = Math.Round(driver.Stats.MaxUs(), 1);
        }

        return stats;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            client.NoDelay = true;
            var connection = new EditorConnection(this, client, $"client{Interlocked.Increment(ref _clients)}");
            _connections.TryAdd(connection, 0);
            _ = Task.Run(async () =>
            {
                try
                {
                    await connection.RunAsync(_stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            });
        }
    }

    private void Broadcast(Notice notice)
    {
        var payload = new JsonObject
        {
            ["level"] = notice.Level.ToString().ToLowerInvariant(),
            ["source"] = notice.Source,
            ["message"] = notice.Message,
            ["time"] = notice.Time.ToString("O"),
        };
        foreach (EditorConnection connection in _connections.Keys)
        {
            connection.Notify("engine/notice", payload.DeepClone().AsObject());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _performance.Notices -= Broadcast;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }

        foreach (EditorConnection connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}

/// <summary>One editor's connection: the guard in front of StreamJsonRpc, and the writer that keeps frames whole.</summary>
internal sealed class EditorConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Stream _rpcSide;
    private readonly Stream _guardSide;
    private readonly JsonRpc _rpc;
    private bool _authorized;
    private double _tokens;
    private long _lastRefill;
    private CancellationTokenSource? _statsSubscription;
    private int _disposed;

    public EditorConnection(EditorServer server, TcpClient client, string name)
    {
        Server = server;
        Name = name;
        _client = client;
        _socket = client.GetStream();
        _authorized = string.IsNullOrEmpty(server.Options.Token);
        _tokens = server.Options.Burst;
        _lastRefill = Environment.TickCount64;
        (_rpcSide, _guardSide) = FullDuplexStream.CreatePair();
        _rpc = new JsonRpc(new HeaderDelimitedMessageHandler(_rpcSide, _rpcSide, new SystemTextJsonFormatter()));
        _rpc.AddLocalRpcTarget(new EditorApi(server.Performance, this), new JsonRpcTargetOptions { DisposeOnDisconnect = false });
        _rpc.StartListening();
    }

    public EditorServer Server { get; }

    public string Name { get; }

    public string? ClientName { get; set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task outbound = PumpOutboundAsync(cancellationToken);
        var reader = new LspFrameReader(_socket, Server.Options.MaxMessageBytes, Server.Options.BodyTimeout);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Frame frame = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                switch (frame.Kind)
                {
                    case FrameKind.End:
                        return;
                    case FrameKind.BadHeader:
                        await RefuseAsync(null, EditorServer.ParseError, "Bad framing: " + frame.Problem + "; expected 'Content-Length: N' and a blank line before each message.").ConfigureAwait(false);
                        break;
                    case FrameKind.TooLarge:
                    case FrameKind.Incomplete:
                        await RefuseAsync(null, EditorServer.InvalidRequest, frame.Problem!).ConfigureAwait(false);
                        break;
                    default:
                        await GuardAsync(frame.Body!, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client went away or the server stops: nothing to answer.
        }
        finally
        {
            _rpc.Dispose();
            await _guardSide.DisposeAsync().ConfigureAwait(false);
            try
            {
                await outbound.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Sends a notification (fire and forget; dropped if the client is gone).</summary>
    public void Notify(string method, JsonObject payload)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = payload });
        _ = WriteFrameAsync(body);
    }

    public void SubscribeStats(TimeSpan? interval)
    {
        CancellationTokenSource? old = Interlocked.Exchange(ref _statsSubscription, null);
        old?.Cancel();
        old?.Dispose();
        if (interval is not { } every)
        {
            return;
        }

        var cts = new CancellationTokenSource();
        _statsSubscription = cts;
        CancellationToken token = cts.Token;
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every);
            try
            {
                while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
                {
                    Notify("stats", Server.Stats());
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    private async Task GuardAsync(byte[] body, CancellationToken cancellationToken)
    {
        JsonNode? message;
        try
        {
            message = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            await RefuseAsync(null, EditorServer.ParseError, $"Parse error: {e.Message}").ConfigureAwait(false);
            return;
        }

        if (message is JsonArray)
        {
            await RefuseAsync(null, EditorServer.InvalidRequest, "Batches are not supported: send one request per message.").ConfigureAwait(false);
            return;
        }

        if (message is not JsonObject request)
        {
            await RefuseAsync(null, EditorServer.InvalidRequest, "A request is a JSON object with jsonrpc, method, params and id.").ConfigureAwait(false);
            return;
        }

        JsonNode? id = request["id"]?.DeepClone();
        if (id is not null && id.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
        {
            await RefuseAsync(null, EditorServer.InvalidRequest, "The id must be a string or a number.").ConfigureAwait(false);
            return;
        }

        if (request["jsonrpc"] is not JsonValue version || version.GetValueKind() != JsonValueKind.String || version.GetValue<string>() != "2.0")
        {
            await RefuseAsync(id, EditorServer.InvalidRequest, "jsonrpc must be \"2.0\".").ConfigureAwait(false);
            return;
        }

        if (request["method"] is not JsonValue methodValue || methodValue.GetValueKind() != JsonValueKind.String)
        {
            await RefuseAsync(id, EditorServer.InvalidRequest, "method must be a string.").ConfigureAwait(false);
            return;
        }

        if (request["params"] is { } parameters && parameters.GetValueKind() is not (JsonValueKind.Object or JsonValueKind.Array))
        {
            await RefuseAsync(id, EditorServer.InvalidRequest, "params must be an object or an array.").ConfigureAwait(false);
            return;
        }

        if (!TakeToken())
        {
            Interlocked.Increment(ref Server._refused);
            if (id is not null)
            {
                await WriteErrorAsync(id, EditorServer.RateLimited, $"Rate limited: more than {Server.Options.MessagesPerSecond} messages/s (burst {Server.Options.Burst}); this request was not run.").ConfigureAwait(false);
            }

            return;
        }

        string method = methodValue.GetValue<string>();
        if (!_authorized)
        {
            if (method == "initialize" && request["params"]?["token"] is JsonValue token && token.GetValueKind() == JsonValueKind.String
                && CryptographicEquals(token.GetValue<string>(), Server.Options.Token!))
            {
                _authorized = true;
            }
            else
            {
                await RefuseAsync(id, EditorServer.Unauthorized, "Unauthorized: send 'initialize' with the server's token first.").ConfigureAwait(false);
                return;
            }
        }

        await _guardSide.WriteAsync(LspFrameReader.Encode(body), cancellationToken).ConfigureAwait(false);
        await _guardSide.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private bool TakeToken()
    {
        long now = Environment.TickCount64;
        _tokens = Math.Min(Server.Options.Burst, _tokens + ((now - _lastRefill) * Server.Options.MessagesPerSecond / 1000.0));
        _lastRefill = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }

    private static bool CryptographicEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private Task RefuseAsync(JsonNode? id, int code, string message)
    {
        Interlocked.Increment(ref Server._refused);
        return WriteErrorAsync(id, code, message);
    }

    private Task WriteErrorAsync(JsonNode? id, int code, string message)
    {
        var response = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        };
        return WriteFrameAsync(JsonSerializer.SerializeToUtf8Bytes(response));
    }

    private async Task PumpOutboundAsync(CancellationToken cancellationToken)
    {
        var reader = new LspFrameReader(_guardSide, int.MaxValue, TimeSpan.FromMinutes(1));
        while (true)
        {
            Frame frame = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (frame.Kind != FrameKind.Message)
            {
                return;
            }

            await WriteFrameAsync(frame.Body!).ConfigureAwait(false);
        }
    }

    private async Task WriteFrameAsync(byte[] body)
    {
        byte[] frame = LspFrameReader.Encode(body);
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                await _socket.WriteAsync(frame).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // The client is gone; its reader will end the connection.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        SubscribeStats(null);
        _rpc.Dispose();
        await _rpcSide.DisposeAsync().ConfigureAwait(false);
        await _guardSide.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
    }
}
