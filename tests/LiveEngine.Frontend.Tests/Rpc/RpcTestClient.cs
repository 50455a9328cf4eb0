using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using LiveEngine.Frontend.Rpc;

namespace LiveEngine.Tests.Frontend.Rpc;

/// <summary>A raw TCP client for the editor socket: writes whatever bytes a test wants and reads framed replies.</summary>
internal sealed class RpcTestClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly LspFrameReader _reader;
    private int _nextId;

    public RpcTestClient(int port)
    {
        _client = new TcpClient("127.0.0.1", port) { NoDelay = true };
        _stream = _client.GetStream();
        _reader = new LspFrameReader(_stream, 64 << 20, TimeSpan.FromSeconds(10));
    }

    public void SendRaw(string text) => SendRaw(Encoding.UTF8.GetBytes(text));

    public void SendRaw(byte[] bytes)
    {
        _stream.Write(bytes);
        _stream.Flush();
    }

    public void SendBody(string json) => SendRaw(LspFrameReader.Encode(Encoding.UTF8.GetBytes(json)));

    public int Send(string method, JsonObject? parameters = null)
    {
        int id = ++_nextId;
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method };
        if (parameters is not null)
        {
            request["params"] = parameters;
        }

        SendBody(request.ToJsonString());
        return id;
    }

    /// <summary>The next message that is not a notification.</summary>
    public JsonObject ReadResponse(TimeSpan? timeout = null)
    {
        while (true)
        {
            JsonObject message = ReadMessage(timeout);
            if (message["method"] is null)
            {
                return message;
            }
        }
    }

    public JsonObject ReadMessage(TimeSpan? timeout = null) => ReadNode(timeout).AsObject();

    /// <summary>The next answer, an object or a batch's array, passing over the server's notifications (notices may come at any time).</summary>
    public JsonNode ReadAnswer(TimeSpan? timeout = null)
    {
        while (true)
        {
            JsonNode node = ReadNode(timeout);
            if (node is not JsonObject { } message || message["method"] is null)
            {
                return node;
            }
        }
    }

    /// <summary>The next message: an object, or an array (a batch's answer).</summary>
    public JsonNode ReadNode(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        Frame frame = _reader.ReadAsync(cts.Token).GetAwaiter().GetResult();
        Assert.Equal(FrameKind.Message, frame.Kind);
        return JsonNode.Parse(frame.Body)!;
    }

    public JsonObject Call(string method, JsonObject? parameters = null, int? requestId = null)
    {
        if (requestId is { } chosen)
        {
            _nextId = chosen - 1;
        }

        int id = Send(method, parameters);
        JsonObject response = ReadResponse();
        Assert.Equal(id, (int)response["id"]!);
        return response;
    }

    public void Dispose() => _client.Dispose();
}
