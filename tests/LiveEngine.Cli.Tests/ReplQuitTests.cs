using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>:quit</c> after editor clients have used the socket: the REPL and its engine process are gone within 2 s,
/// whether the client has left or is still connected.
/// </summary>
[Collection("TimingSensitive")]
public sealed partial class ReplQuitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-quit-").FullName;

    private string EngineSocket => Path.Combine(_dir, "engine.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Quit_AfterEditorClientsConnected_EndsTheReplAndItsEngineWithin2Seconds()
    {
        int port = FreePort();
        string config = Path.Combine(_dir, "test.config");
        File.WriteAllLines(config,
        [
            "[engine]", "process = true", $"socket = \"{EngineSocket}\"",
            "[log]", $"path = \"{Path.Combine(_dir, "liveengine.log")}\"",
        ]);
        using var tmux = new TmuxSession(_dir, "--driver", "null", "--port", port.ToString(), "--history", Path.Combine(_dir, "history"),
            "--session-log", Path.Combine(_dir, "session.jsonl"), "--config", config);
        string screen = tmux.WaitFor($"127.0.0.1:{port}");
        tmux.WaitFor("lua>");
        using Process engine = Process.GetProcessById(int.Parse(EnginePid().Match(screen).Groups[1].Value));
        try
        {
            // One client asks and leaves; another is still connected at the :quit.
            using (var leaving = new TcpClient("127.0.0.1", port))
            {
                Assert.Contains("\"result\"", Ask(leaving));
            }

            using var staying = new TcpClient("127.0.0.1", port);
            Assert.Contains("\"result\"", Ask(staying));

            tmux.Burst(":quit", "Enter");
            var clock = Stopwatch.StartNew();
            tmux.WaitFor("LIVEENGINE-EXITED 0", seconds: 2);
            Assert.True(engine.WaitForExit(Math.Max(0, 2000 - (int)clock.ElapsedMilliseconds)), $"the engine process {engine.Id} still runs {clock.Elapsed.TotalSeconds:0.00} s after :quit");
            Assert.False(File.Exists(EngineSocket), "the engine process removes its socket when it stops");
        }
        finally
        {
            if (!engine.HasExited)
            {
                engine.Kill();
            }
        }
    }

    private static string Ask(TcpClient client)
    {
        NetworkStream stream = client.GetStream();
        string body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"transport/state\"}";
        stream.Write(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n{body}"));
        byte[] buffer = new byte[4096];
        var answer = new StringBuilder();
        stream.ReadTimeout = 10_000;
        while (!answer.ToString().Contains("\"id\":1", StringComparison.Ordinal))
        {
            int read = stream.Read(buffer);
            Assert.True(read > 0, "the editor socket closed before answering");
            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [GeneratedRegex(@"Engine process (\d+) started")]
    private static partial Regex EnginePid();
}
