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
    private int _disposed;

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
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

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

    // Requests of a batch in flight in StreamJsonRpc, by the id the connection gave them: their batch and their own id.
    private const string BatchIdPrefix = "liveengine-batch-";
    private readonly ConcurrentDictionary<string, (EditorBatch Batch, JsonNode? Id)> _batchWaiters = new();
    private long _batchIds;

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
                        await GuardAsync(frame.Body!, reader, cancellationToken).ConfigureAwait(false);
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

    private async Task GuardAsync(byte[] body, LspFrameReader reader, CancellationToken cancellationToken)
    {
        JsonNode? message;
        try
        {
            message = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            // A body that is not JSON usually means the framing is off too (a Content-Length shorter than the
            // body): its rest is skipped up to the next header, so that one bad message gets one error.
            reader.SkipToNextFrame();
            await RefuseAsync(null, EditorServer.ParseError, $"Parse error: {e.Message}").ConfigureAwait(false);
            return;
        }

        if (message is JsonArray batch)
        {
            await BatchAsync(batch, cancellationToken).ConfigureAwait(false);
            return;
        }

        Admission admission = Admit(message);
        if (admission.Error is { } error)
        {
            await WriteFrameAsync(JsonSerializer.SerializeToUtf8Bytes(error)).ConfigureAwait(false);
        }
        else if (admission.Forward)
        {
            await ForwardAsync(body, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A JSON-RPC batch: each element is admitted like a single request; the answers go back as one array, in
    /// which notifications have no entry (and an all-notification batch gets no reply at all). The requests
    /// that reach StreamJsonRpc carry an id of the connection's own, so that their answers can be told apart
    /// from those of other requests in flight and given their id back.
    /// </summary>
    private async Task BatchAsync(JsonArray batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            await RefuseAsync(null, EditorServer.InvalidRequest, "An empty batch: a batch is an array of one or more requests.").ConfigureAwait(false);
            return;
        }

        var responses = new EditorBatch();
        foreach (JsonNode? element in batch)
        {
            Admission admission = Admit(element);
            if (admission.Error is { } error)
            {
                responses.Add(error);
            }
            else if (admission.Forward)
            {
                JsonObject request = element!.DeepClone().AsObject();
                if (request["id"] is { } id)
                {
                    string internalId = $"{BatchIdPrefix}{Interlocked.Increment(ref _batchIds)}";
                    request["id"] = internalId;
                    responses.Expect();
                    _batchWaiters[internalId] = (responses, id.DeepClone());
                }

                await ForwardAsync(JsonSerializer.SerializeToUtf8Bytes(request), cancellationToken).ConfigureAwait(false);
            }
        }

        if (responses.Seal() is { } all)
        {
            await WriteFrameAsync(JsonSerializer.SerializeToUtf8Bytes(all)).ConfigureAwait(false);
        }
    }

    /// <summary>What the guard decided for one request: an error to answer with, or to forward it, or neither (a refused notification).</summary>
    private readonly record struct Admission(JsonObject? Error, bool Forward);

    /// <summary>Checks one request (alone or in a batch); counts refusals. Reader thread.</summary>
    private Admission Admit(JsonNode? message)
    {
        if (message is not JsonObject request)
        {
            return Refuse(null, EditorServer.InvalidRequest, "A request is a JSON object with jsonrpc, method, params and id.");
        }

        JsonNode? id = request["id"]?.DeepClone();
        if (id is not null && id.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
        {
            return Refuse(null, EditorServer.InvalidRequest, "The id must be a string or a number.");
        }

        if (request["jsonrpc"] is not JsonValue version || version.GetValueKind() != JsonValueKind.String || version.GetValue<string>() != "2.0")
        {
            return Refuse(id, EditorServer.InvalidRequest, "jsonrpc must be \"2.0\".");
        }

        if (request["method"] is not JsonValue methodValue || methodValue.GetValueKind() != JsonValueKind.String)
        {
            return Refuse(id, EditorServer.InvalidRequest, "method must be a string.");
        }

        if (request["params"] is { } parameters && parameters.GetValueKind() is not (JsonValueKind.Object or JsonValueKind.Array))
        {
            return Refuse(id, EditorServer.InvalidRequest, "params must be an object or an array.");
        }

        if (!TakeToken())
        {
            Interlocked.Increment(ref Server._refused);
            return id is null
                ? default
                : new Admission(Error(id, EditorServer.RateLimited, $"Rate limited: more than {Server.Options.MessagesPerSecond} messages/s (burst {Server.Options.Burst}); this request was not run."), false);
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
                return Refuse(id, EditorServer.Unauthorized, "Unauthorized: send 'initialize' with the server's token first.");
            }
        }

        if (EditorMethods.Instance.Check(method, request["params"]) is { } problem)
        {
            // A notification is never answered, not even with an error (JSON-RPC 2.0, section 4.1).
            Interlocked.Increment(ref Server._refused);
            return id is null ? default : new Admission(Error(id, problem.Code, problem.Message), false);
        }

        return new Admission(null, true);
    }

    private Admission Refuse(JsonNode? id, int code, string message)
    {
        Interlocked.Increment(ref Server._refused);
        return new Admission(Error(id, code, message), false);
    }

    private async Task ForwardAsync(byte[] body, CancellationToken cancellationToken)
    {
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
        return WriteFrameAsync(JsonSerializer.SerializeToUtf8Bytes(Error(id, code, message)));
    }

    private static JsonObject Error(JsonNode? id, int code, string message) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
    };

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

            byte[] body = frame.Body!;
            if (!_batchWaiters.IsEmpty || body.AsSpan().IndexOf("\"error\""u8) >= 0)
            {
                body = Outbound(body);
                if (body.Length == 0)
                {
                    continue;
                }
            }

            await WriteFrameAsync(body).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A response from StreamJsonRpc on its way out: an error loses StreamJsonRpc's <c>data</c> (.NET type names
    /// and stack traces are nothing an editor can use), and an answer to a request of a batch goes into its
    /// batch (empty: held back until the batch is complete). Outbound pump only.
    /// </summary>
    private byte[] Outbound(byte[] body)
    {
        if (JsonNode.Parse(body) is not JsonObject response)
        {
            return body;
        }

        bool changed = response["error"] is JsonObject error && error.Remove("data");
        if (response["id"] is JsonValue id && id.GetValueKind() == JsonValueKind.String
            && _batchWaiters.TryRemove(id.GetValue<string>(), out (EditorBatch Batch, JsonNode? Id) waiter))
        {
            response["id"] = waiter.Id;
            return waiter.Batch.Answer(response) is { } all ? JsonSerializer.SerializeToUtf8Bytes(all) : [];
        }

        return changed ? JsonSerializer.SerializeToUtf8Bytes(response) : body;
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
