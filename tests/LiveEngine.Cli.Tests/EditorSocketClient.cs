using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LiveEngine.Tests.Cli;

/// <summary>An editor on the socket (JSON-RPC 2.0 with LSP framing, docs/protocol.md): calls a method and reads its answer, skipping notifications.</summary>
internal sealed class EditorSocketClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private int _nextId;

    public EditorSocketClient(int port)
    {
        _client = new TcpClient("127.0.0.1", port) { NoDelay = true, ReceiveTimeout = 30_000 };
        _stream = _client.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    /// <summary>The answer's <c>result</c>; fails the test on an error answer.</summary>
    public JsonNode? Call(string method, JsonObject? parameters = null)
    {
        int id = ++_nextId;
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        string body = request.ToJsonString();
        _stream.Write(Encoding.UTF8.GetBytes($"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}"));
        while (true)
        {
            JsonObject message = ReadFrame();
            if (message["id"] is { } answered && (int)answered == id)
            {
                Assert.True(message["error"] is null, $"{method} failed: {message.ToJsonString()}");
                return message["result"];
            }
        }
    }

    private JsonObject ReadFrame()
    {
        int length = 0;
        string? line;
        while ((line = _reader.ReadLine()) is { Length: > 0 })
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        Assert.True(line is not null, "the socket closed");
        char[] buffer = new char[length];
        _reader.ReadBlock(buffer, 0, length);
        return JsonNode.Parse(new string(buffer))!.AsObject();
    }

    public void Dispose() => _client.Dispose();
}
