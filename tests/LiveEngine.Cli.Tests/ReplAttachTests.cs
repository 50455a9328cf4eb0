using System.Diagnostics;
using System.Globalization;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>liveengine</c> in a real terminal (tmux) while <c>liveengine serve</c> runs: the REPL attaches to the server
/// through its editor socket instead of starting a performance of its own, and leaving it leaves the server playing.
/// </summary>
[Collection("TimingSensitive")]
public sealed class ReplAttachTests() : ReplFolder("le-attach-")
{
    [Fact]
    public void Repl_WithAServerRunning_AttachesToIt_AndQuitLeavesItPlaying()
    {
        (int port, string config, Process launcher, int serverPid) = StartServer();
        using Process server = launcher;
        try
        {
            using var tmux = new TmuxSession(Dir, "--config", config);
            tmux.WaitFor($"Attached to the LiveEngine server on 127.0.0.1:{port}");
            tmux.WaitFor("lua>");

            // The server's Lua decides that a chunk is unfinished, and evaluates it when it is.
            tmux.Type("function twice(x)");
            tmux.WaitFor("(unfinished");
            tmux.Type("  return x * 2");
            tmux.Type("end");
            tmux.Type("print(twice(21))");
            tmux.WaitFor(s => s.Contains("\n42", StringComparison.Ordinal), "the result 42");

            // Completion comes from the server's Lua state: the function defined above.
            tmux.Type("twi", enter: false);
            tmux.Key("Tab");
            tmux.WaitFor("lua> twice");
            tmux.Type("(100)");
            tmux.WaitFor(s => s.Contains("200", StringComparison.Ordinal), "twice(100) = 200");

            // What the REPL commits, the server plays: its editor socket sees the graph and the tempo.
            tmux.Type("out(saw(\"bass\", { freq = 55 }))");
            tmux.Type(":tempo 90 now");
            tmux.WaitFor("tempo 90 BPM from sample");
            using (var editor = new EditorSocketClient(port))
            {
                var clock = Stopwatch.StartNew();
                while (!editor.Call("graph/get")!["nodes"]!.AsArray().Any(n => (string?)n!["id"] == "bass") && clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(100);
                }

                Assert.Contains(editor.Call("graph/get")!["nodes"]!.AsArray(), n => (string?)n!["id"] == "bass");

                // The tempo lands at the engine's next block; the server's estimate of the position reaches it soon after.
                clock.Restart();
                while ((double)editor.Call("transport/state")!["bpm"]! != 90 && clock.Elapsed < TimeSpan.FromSeconds(5))
                {
                    Thread.Sleep(100);
                }

                Assert.Equal(90, (double)editor.Call("transport/state")!["bpm"]!);
            }

            tmux.Type(":graph");
            tmux.WaitFor(s => System.Text.RegularExpressions.Regex.IsMatch(s, @"bass\s+saw"), "the server's graph in :graph");
            tmux.Type(":stats");
            tmux.WaitFor("engine process");

            // :link reaches the engine process through the server (link/command, then engine request 20): off, and a
            // word other than on or off is refused with what to write.
            tmux.Type(":link");
            tmux.WaitFor("Ableton Link is off");
            tmux.Type(":link maybe");
            tmux.WaitFor("say ':link on'");

            // Leaving the REPL leaves the server (and its engine) playing.
            tmux.Type(":quit");
            tmux.WaitFor("Left the server");
            tmux.WaitFor("LIVEENGINE-EXITED 0");
            Thread.Sleep(500);
            Assert.True(ServeTests.IsAlive(serverPid), "the server stopped when the attached REPL left");

            // One session log: the server's holds what the attached REPL evaluated.
            string sessionLog = Directory.GetFiles(Dir, "session-*.jsonl").Single();
            Assert.Contains("\"source\":\"repl:", File.ReadAllText(sessionLog), StringComparison.Ordinal);
        }
        finally
        {
            ServeTests.Kill(serverPid, "TERM");
            server.WaitForExit(20_000);
        }
    }

    [Fact]
    public void Repl_AttachedWhenTheServerStops_SaysSoAndEnds_WithoutAStackTrace()
    {
        (_, string config, Process launcher, int serverPid) = StartServer();
        using Process server = launcher;
        try
        {
            using var tmux = new TmuxSession(Dir, "--config", config);
            tmux.WaitFor("lua>");
            tmux.Type("x = 21");

            // The server stops while the performer is at the prompt (before the fix, the next line ended the REPL with
            // an unhandled exception and its stack trace: IsComplete asked the closed socket).
            ServeTests.Kill(serverPid, "TERM");
            tmux.WaitFor("has gone");
            tmux.WaitFor(s => s.Contains("LIVEENGINE-EXITED 3", StringComparison.Ordinal), "the REPL to end with exit code 3");
            string screen = tmux.Screen();
            Assert.Contains("Start `liveengine` again", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", screen, StringComparison.Ordinal);
        }
        finally
        {
            ServeTests.Kill(serverPid, "TERM");
            server.WaitForExit(20_000);
        }
    }

    /// <summary>Starts `liveengine serve` (null driver, its own engine process) on a free editor-socket port, detached.</summary>
    private (int Port, string Config, Process Launcher, int ServerPid) StartServer()
    {
        int port = FreePort();
        string config = Path.Combine(Dir, "serve.config");
        File.WriteAllLines(config,
        [
            "[engine]", "process = true", $"socket = \"{EngineSocket}\"",
            "[driver]", "name = \"null\"",
            "[socket]", $"port = {port}",
            "[repl]", $"session_log = \"{Dir}\"", $"history = \"{Path.Combine(Dir, "history")}\"",
            "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\"",
        ]);
        string stderr = Path.Combine(Dir, "serve.stderr");
        Process launcher = ServeTests.StartDetached(stderr, "serve", "--config", config);
        string started = ServeTests.WaitForLog(stderr, log => ServeTests.ServingLine().IsMatch(log), "the server to start");
        return (port, config, launcher, int.Parse(ServeTests.ServingLine().Match(started).Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
