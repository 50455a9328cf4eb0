using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using LiveEngine.Languages;
using LiveEngine.Time;

namespace LiveEngine.Frontend.Rpc;

/// <summary>
/// A running server's performance (<c>liveengine serve</c>, or another REPL), reached through its editor socket:
/// how the REPL attaches to it instead of starting an engine of its own. Every REPL command is one of the socket's
/// methods (docs/protocol.md), so the server's <see cref="Performance"/> does the work, logs it in its session log,
/// and every other client sees it; the server's notices arrive as <c>engine/notice</c> notifications.
/// </summary>
/// <remarks>
/// One reader task dispatches the answers (by id) and the notifications; calls may come from any thread. A call the
/// server refuses throws <see cref="InvalidOperationException"/> with the server's message; when the connection
/// closes, every waiting call fails and the performer gets a notice.
/// </remarks>
public sealed class EditorSocketService : IPerformanceService, IDisposable
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly LspFrameReader _reader;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly object _writeGate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _serverGone = new();
    private readonly Task _reading;
    private int _nextId;
    private volatile bool _closed;

    private EditorSocketService(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new LspFrameReader(_stream, 64 << 20, TimeSpan.FromSeconds(10));
        _reading = Task.Run(ReadLoopAsync);
    }

    /// <summary>
    /// Attaches to the server listening on <paramref name="endpoint"/>: null when nothing listens there (then the
    /// REPL hosts its own performance). Throws <see cref="InvalidOperationException"/> when something answers but
    /// refuses (a wrong token) or is not a LiveEngine server.
    /// </summary>
    public static EditorSocketService? TryAttach(IPEndPoint endpoint, string? token, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var client = new TcpClient(endpoint.AddressFamily) { NoDelay = true };
        try
        {
            if (!client.ConnectAsync(endpoint.Address, endpoint.Port).Wait(timeout))
            {
                client.Dispose();
                return null;
            }
        }
        catch (AggregateException e) when (e.InnerException is SocketException)
        {
            client.Dispose();
            return null;
        }

        var service = new EditorSocketService(client);
        try
        {
            JsonNode? hello = service.CallNow("initialize", new JsonObject { ["token"] = token, ["client"] = "repl" });
            if ((string?)hello?["server"] != "liveengine")
            {
                throw new InvalidOperationException($"{endpoint} answers, but not as a LiveEngine server.");
            }

            service.LanguageNames = [.. hello!["languages"]!.AsArray().Select(n => (string)n!)];
            service.Endpoint = endpoint;
            return service;
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint? Endpoint { get; private set; }

    public IReadOnlyCollection<string> LanguageNames { get; private set; } = [];

    /// <summary>The built-in node types (those the server's code defined are not coloured here).</summary>
    public IReadOnlyList<string> NodeTypeNames { get; } = [.. Dsp.BuiltinNodeTypes.CreateRegistry().Types.Select(t => t.Name)];

    /// <summary>True: the server's engine plays on when this client leaves.</summary>
    public bool PlaysInEngineProcess => true;

    public event Action<Notice>? Notices;

    /// <summary>
    /// Cancelled when the server closes the connection (it stopped, or it was killed): the attached REPL ends then,
    /// saying why, instead of answering every later line with the same error.
    /// </summary>
    public CancellationToken ServerGone => _serverGone.Token;

    /// <summary>Why the server's connection ended, once <see cref="ServerGone"/> is cancelled.</summary>
    public string? GoneReason { get; private set; }

    /// <summary>Shows a notice here only (the server's other clients do not see it).</summary>
    public void Notify(NoticeLevel level, string source, string message) =>
        Notices?.Invoke(new Notice(level, source, message, DateTimeOffset.UtcNow));

    // With the server gone (before or during the call), a chunk counts as complete: its evaluation then reports the
    // closed socket, and the REPL ends (ServerGone).
    public bool IsComplete(string language, string code)
    {
        if (_closed || !LanguageNames.Contains(language, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            return (bool)CallNow("code/isComplete", new JsonObject { ["language"] = language, ["code"] = code })!;
        }
        catch (InvalidOperationException) when (_closed)
        {
            return true;
        }
    }

    public IReadOnlyList<string> Complete(string language, string code, int position)
    {
        if (_closed || !LanguageNames.Contains(language, StringComparer.OrdinalIgnoreCase))
        {
            return [];
        }

        try
        {
            return [.. CallNow("complete", new JsonObject { ["language"] = language, ["code"] = code, ["position"] = position })!.AsArray().Select(n => (string)n!)];
        }
        catch (InvalidOperationException) when (_closed)
        {
            return [];
        }
    }

    public Task<Evaluation> EvaluateAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        CallForEvaluationAsync("eval", new JsonObject { ["language"] = language, ["code"] = code, ["quantize"] = quantize.ToString(), ["source"] = source }, cancellationToken);

    /// <summary>Sends the file's full path: the server reads it (it runs on this machine).</summary>
    public Task<Evaluation> LoadAsync(string path, Quantization quantize, CancellationToken cancellationToken = default) =>
        CallForEvaluationAsync("load", new JsonObject { ["path"] = Path.GetFullPath(path), ["quantize"] = quantize.ToString() }, cancellationToken);

    // An evaluation that could not reach the server is a failed evaluation with the reason, as the in-process
    // performance reports one: the REPL shows it and goes on.
    private async Task<Evaluation> CallForEvaluationAsync(string method, JsonObject parameters, CancellationToken cancellationToken)
    {
        try
        {
            return ToEvaluation(await CallAsync(method, parameters, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidOperationException e) when (_closed)
        {
            return Evaluation.Failure(e.Message);
        }
    }

    public string DescribeGraph() => (string)CallNow("graph/text")!;

    public string DescribeStats() => (string)CallNow("stats/text")!;

    public IReadOnlyList<KeyValuePair<string, double>> VariablesNow() =>
        [.. CallNow("variables/get")!.AsObject().Select(p => new KeyValuePair<string, double>(p.Key, (double)p.Value!))];

    public double TempoNow() => (double)CallNow("transport/state")!["bpm"]!;

    public long SetTempo(Fraction bpm, Quantization when) =>
        (long)CallNow("transport/tempo", new JsonObject { ["bpm"] = bpm.ToDouble(), ["quantize"] = when.ToString() })!["sample"]!;

    public bool Undo(Quantization when) => (bool)CallNow("undo", new JsonObject { ["quantize"] = when.ToString() })!;

    public void Panic() => CallNow("panic");

    public long SetTransport(bool playing) => (long)CallNow(playing ? "transport/play" : "transport/stop")!["sample"]!;

    public string MidiCommand(string command) => (string)CallNow("midi/command", new JsonObject { ["command"] = command })!;

    public string LinkCommand(string argument) => (string)CallNow("link/command", new JsonObject { ["command"] = argument })!;

    /// <summary>Sends the full path: the server writes the file (it runs on this machine).</summary>
    public string Save(string path) => (string)CallNow("graph/save", new JsonObject { ["path"] = Path.GetFullPath(path) })!;

    private static Evaluation ToEvaluation(JsonNode? result) =>
        new() { Ok = (bool)result!["ok"]!, Output = (string?)result["output"] ?? "", Error = (string?)result["error"] };

    /// <summary>A call whose answer the REPL waits for (at most <see cref="s_callTimeout"/>).</summary>
    private JsonNode? CallNow(string method, JsonObject? parameters = null)
    {
        Task<JsonNode?> call = CallAsync(method, parameters, CancellationToken.None);
        bool done;
        try
        {
            done = call.Wait(s_callTimeout);
        }
        catch (AggregateException)
        {
            // Faulted (the server refused, or closed the socket): GetResult below throws the call's own exception,
            // not an AggregateException that the REPL's handlers do not expect.
            done = true;
        }

        if (!done)
        {
            throw new InvalidOperationException($"The server did not answer {method} within {s_callTimeout.TotalSeconds:0} s.");
        }

        return call.GetAwaiter().GetResult();
    }

    private async Task<JsonNode?> CallAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            throw new InvalidOperationException("The server closed the editor socket: :quit, and start liveengine again.");
        }

        int id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        byte[] frame = LspFrameReader.Encode(Encoding.UTF8.GetBytes(request.ToJsonString()));
        try
        {
            lock (_writeGate)
            {
                _stream.Write(frame);
            }
        }
        catch (IOException e)
        {
            _pending.TryRemove(id, out _);
            throw new InvalidOperationException($"The server closed the editor socket: {e.Message}", e);
        }

        using (cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken)))
        {
            return await answer.Task.ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync()
    {
        string why = "it closed the connection";
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Frame frame = await _reader.ReadAsync(_stop.Token).ConfigureAwait(false);
                if (frame.Kind == FrameKind.End)
                {
                    break;
                }

                if (frame.Kind != FrameKind.Message || JsonNode.Parse(frame.Body) is not JsonObject message)
                {
                    continue;
                }

                if (message["id"] is JsonValue idValue && idValue.TryGetValue(out int id) && _pending.TryRemove(id, out TaskCompletionSource<JsonNode?>? answer))
                {
                    if (message["error"] is { } error)
                    {
                        answer.TrySetException(new InvalidOperationException((string?)error["message"] ?? error.ToJsonString()));
                    }
                    else
                    {
                        answer.TrySetResult(message["result"]);
                    }
                }
                else if ((string?)message["method"] == "engine/notice" && message["params"] is JsonObject notice)
                {
                    NoticeLevel level = (string?)notice["level"] switch { "error" => NoticeLevel.Error, "warning" => NoticeLevel.Warning, _ => NoticeLevel.Info };
                    Notices?.Invoke(new Notice(level, (string?)notice["source"] ?? "server", (string?)notice["message"] ?? "", DateTimeOffset.UtcNow));
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Text.Json.JsonException)
        {
            why = e.Message;
        }

        _closed = true;
        foreach (int id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out TaskCompletionSource<JsonNode?>? answer))
            {
                answer.TrySetException(new InvalidOperationException($"The server closed the editor socket ({why})."));
            }
        }

        if (!_stop.IsCancellationRequested)
        {
            GoneReason = why;
            Notify(NoticeLevel.Error, "server", $"the server closed the editor socket ({why})");
            _serverGone.Cancel();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _client.Dispose();
        try
        {
            _reading.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The reader stopped with the socket.
        }

        _stop.Dispose();
        _serverGone.Dispose();
    }
}
