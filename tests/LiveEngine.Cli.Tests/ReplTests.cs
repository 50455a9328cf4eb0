using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// The REPL in a real terminal (tmux), and an editor (headless Neovim with the example plugin) driving the same
/// performance through the socket. The engine plays through the real-time null driver, in an engine process of
/// its own (the default) unless a test says otherwise; each test's engine listens on a socket in its folder.
/// </summary>
[Collection("TimingSensitive")]
public sealed class ReplTests() : ReplFolder("le-repl-")
{
    private string[] Args(int port = 0, bool engineProcess = true) =>
    [
        "--driver", "null", "--port", port.ToString(), "--history", Path.Combine(Dir, "history"),
        "--session-log", Path.Combine(Dir, "session.jsonl"), "--config", WriteConfig(engineProcess),
    ];

    private string WriteConfig(bool engineProcess)
    {
        string path = Path.Combine(Dir, "test.config");
        File.WriteAllLines(path,
        [
            "[engine]", $"process = {(engineProcess ? "true" : "false")}", $"socket = \"{EngineSocket}\"",
            "[repl]", $"sample_folders = \"{Dir}\"",
            "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\"",
        ]);
        return path;
    }

    [Fact]
    public void MultiLineSnippet_Completion_History_Graph_Panic_StopPlay_Quit()
    {
        using var tmux = new TmuxSession(Dir, Args());
        tmux.WaitFor("lua>");

        // A multi-line function: the REPL continues while the chunk is unfinished.
        tmux.Type("function twice(x)");
        tmux.WaitFor("(unfinished");
        tmux.Type("  return x * 2");
        tmux.Type("end");
        tmux.Type("print(twice(21))");
        tmux.WaitFor(s => s.Contains("\n42", StringComparison.Ordinal), "the result 42");

        // Completion: 'twi' + Tab completes the user's own function.
        tmux.Type("twi", enter: false);
        tmux.Key("Tab");
        tmux.WaitFor("lua> twice");
        tmux.Type("(100)");
        tmux.WaitFor(s => s.Contains("200", StringComparison.Ordinal), "twice(100) = 200");

        // History: Ctrl+P brings back the last entry.
        tmux.Key("C-p");
        tmux.WaitFor(s => s.TrimEnd().EndsWith("lua> twice(100)", StringComparison.Ordinal), "the recalled entry");
        tmux.Key("Enter");
        tmux.WaitFor(s => s.Split("200").Length >= 3, "the recalled entry's result");

        // A graph, shown by :graph once it has landed (at the next bar).
        tmux.Type("out(saw(\"bass\", { freq = 55 }) >> lpf(\"lp\", { cutoff = 900 }))");
        Thread.Sleep(2500); // more than a bar at 120 BPM
        tmux.Type(":graph");
        string graph = tmux.WaitFor("← bass");
        Assert.Matches(@"bass\s+saw", graph);

        // :save writes the graph as JSON; :load commits it again later.
        tmux.Type(":save saved.json");
        tmux.WaitFor("saved the graph to saved.json");
        Assert.Contains("\"bass\"", File.ReadAllText(Path.Combine(Dir, "saved.json")));

        // An error names the chunk and line, and the REPL goes on.
        tmux.Type("pley()");
        tmux.WaitFor("error: repl:");

        tmux.Type(":panic");
        tmux.WaitFor("panic: callbacks stopped");
        Thread.Sleep(300);
        tmux.Type(":graph");
        tmux.WaitFor(s => s.Contains("1 nodes, 0 edges", StringComparison.Ordinal), "the silent graph after :panic");
        tmux.Type(":load saved.json");
        tmux.WaitFor("graph from saved.json lands at sample");

        // A stray Ctrl+C does not stop the music.
        tmux.Key("C-c");
        tmux.WaitFor("Ctrl+C does not stop the music");
        tmux.Type("print(6 * 7)");
        tmux.WaitFor(s => s.Split("\n42").Length >= 3, "the REPL still evaluating after Ctrl+C");

        // The transport: :stop holds the clock, :play plays on from there; both are logged.
        tmux.Type(":stop");
        tmux.WaitFor("stopped at sample");
        tmux.Type(":play");
        tmux.WaitFor("playing from sample");

        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");

        string history = File.ReadAllText(Path.Combine(Dir, "history"));
        Assert.Contains("function twice(x)\\n  return x * 2\\nend", history);
        string log = File.ReadAllText(Path.Combine(Dir, "session.jsonl"));
        Assert.Contains("\"kind\":\"panic\"", log);
        Assert.Contains("\"kind\":\"stop\"", log);
        Assert.Contains("\"kind\":\"play\"", log);
    }

    [Fact]
    public void TextAndEnterInOneSendKeys_EvaluateAsIfTyped()
    {
        using var tmux = new TmuxSession(Dir, Args());
        tmux.WaitFor("lua>");

        // One send-keys call: the text and its Enter arrive in one read, as from vim-slime or a paste.
        tmux.Burst("out(saw{55} >> lpf{800})", "Enter");
        // Its value (the output node), then a fresh prompt: no continuation line.
        tmux.WaitFor(s => LastLines(s, 3) == "lua> out(saw{55} >> lpf{800})\nout(out)\nlua>", "the value and a fresh prompt after the evaluated line");
        Thread.Sleep(2500); // the commit lands on the next bar
        tmux.Burst(":graph", "Enter");
        string graph = tmux.WaitFor(s => s.Contains("lpf", StringComparison.Ordinal) && s.Contains("← saw", StringComparison.Ordinal), "saw into lpf in :graph");
        Assert.DoesNotContain("....", graph, StringComparison.Ordinal);

        // A pasted multi-line block (literally: tmux would take a bare "end" for the End key), the newlines as a
        // terminal pastes them (CR): each line as if typed, an unfinished chunk continuing on the next.
        tmux.Burst("-l", "function inc(x)\r  return x + 1\rend\rprint(inc(41))\r");
        tmux.WaitFor(s => s.Contains("\n42", StringComparison.Ordinal), "the pasted function's result");

        // Lines that end in a bare LF, as some tools send them, too.
        tmux.Burst("-l", "print(6 * 11)\nprint(6 * 12)\n");
        tmux.WaitFor(s => s.Contains("\n66", StringComparison.Ordinal) && s.Contains("\n72", StringComparison.Ordinal), "the results of LF-ended lines");

        tmux.Burst(":quit", "Enter");
        string end = tmux.WaitFor("LIVEENGINE-EXITED 0");
        Assert.DoesNotContain("does not answer", end, StringComparison.Ordinal); // the engine stopped by :quit is no error
    }

    [Fact]
    public void CtrlC_CtrlU_AndEsc_ClearTheLine_AndCtrlCOnAnEmptyLineHintsAtQuit()
    {
        using var tmux = new TmuxSession(Dir, Args());
        tmux.WaitFor("lua>");

        tmux.Type("pley(1, ", enter: false);
        Thread.Sleep(300);
        tmux.Key("C-c");
        tmux.WaitFor(s => !s.Contains("pley", StringComparison.Ordinal), "the line cleared by Ctrl+C");
        tmux.Type("print(6 * 7)");
        tmux.WaitFor(s => s.Contains("\n42", StringComparison.Ordinal), "the code typed after Ctrl+C, alone");

        // An unfinished chunk is dropped by Ctrl+C too.
        tmux.Type("function broken(");
        tmux.WaitFor("(unfinished");
        tmux.Key("C-c");
        tmux.WaitFor("dropped the unfinished chunk");
        tmux.Type("print(6 * 8)");
        tmux.WaitFor(s => s.Contains("\n48", StringComparison.Ordinal), "the code typed after dropping the chunk, alone");

        // Ctrl+U clears to the start of the line, keeping what is right of the cursor.
        tmux.Type("junk junk print(", enter: false);
        Thread.Sleep(300);
        tmux.Key("C-u");
        tmux.Type("6 * 9)", enter: false);
        tmux.Key("Home");
        tmux.Type("print(", enter: false);
        tmux.Key("End");
        Thread.Sleep(300);
        tmux.Key("Enter");
        tmux.WaitFor(s => s.Contains("\n54", StringComparison.Ordinal), "the line after Ctrl+U");

        tmux.Type("more junk", enter: false);
        Thread.Sleep(300);
        tmux.Key("Escape");
        Thread.Sleep(300);
        tmux.Type("print(6 * 10)");
        string screen = tmux.WaitFor(s => s.Contains("\n60", StringComparison.Ordinal), "the line after Esc");
        Assert.DoesNotContain("error", screen, StringComparison.Ordinal);

        // On an empty line, Ctrl+C only says how to leave; the music goes on.
        tmux.Key("C-c");
        tmux.WaitFor("type :quit to leave");
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }

    [Fact]
    public void AnEnterTypedWhileNoticesPrint_IsNotLost()
    {
        using var tmux = new TmuxSession(Dir, Args());
        tmux.WaitFor("lua>");

        // A flood of notices: every 1/16 beat, eight callbacks that fail (and are disabled) at once.
        tmux.Type("every(1/16, function() for i = 1, 8 do after(0, function() error(\"flood\") end) end end, \"flood\")");
        tmux.WaitFor(s => s.Split("flood").Length > 40, "the flood of notices");
        for (int i = 0; i < 5; i++)
        {
            tmux.Type($"print({i} + 1000)");
            tmux.WaitFor(s => s.Contains($"\n{i + 1000}", StringComparison.Ordinal), $"print({i} + 1000), Enter typed during the flood");
        }

        tmux.Burst("stop(\"flood\")", "Enter", ":quit", "Enter");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }

    [Theory]
    [InlineData("threads = 0", "'threads' must be 1..256, not 0.")]
    [InlineData("socket = \"/no/such/folder/engine.sock\"", "The engine process did not start")]
    public void AStartFailure_IsShownInTheTerminal_AndTheReplExitsNonZero(string line, string message)
    {
        string config = Path.Combine(Dir, "bad.config");
        File.WriteAllLines(config, ["[engine]", line, "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\""]);
        using var tmux = new TmuxSession(Dir, "--driver", "null", "--no-socket", "--config", config);
        string screen = tmux.WaitFor("LIVEENGINE-EXITED");
        Assert.Contains(message, screen);
        Assert.Contains("LIVEENGINE-EXITED 2", screen);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APieceLoadedAtTheRepl_PlaysWithoutAllocatingOnTheAudioThread(bool engineProcess)
    {
        using var tmux = new TmuxSession(Dir, Args(engineProcess: engineProcess));
        tmux.WaitFor("lua>");
        tmux.Type(":load " + Path.Combine(RenderCommandTests.RepositoryRoot(), "examples", "techno.lua"));
        Thread.Sleep(4000); // the piece lands on the next bar and plays through new node types and events
        tmux.Type(":graph");
        tmux.WaitFor("kick");
        tmux.Type(":stats");
        string stats = tmux.WaitFor("audio thread allocated");
        Assert.Contains("audio thread allocated 0 bytes after warm-up", stats);
        if (engineProcess)
        {
            // The engine's own collections: none since its start-up, whatever the REPL's compilers did.
            Assert.Contains("engine process", stats);
        }

        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
        Assert.False(File.Exists(EngineSocket), ":quit stops the engine process, which removes its socket");
    }

    [Fact]
    public void AnEngineThatDies_IsReplaced_AndTheGraphAndTheCallbacksGoOn()
    {
        using var tmux = new TmuxSession(Dir, Args());
        string banner = tmux.WaitFor("lua>");
        int pid = int.Parse(System.Text.RegularExpressions.Regex.Match(banner, @"Engine process (\d+) started").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        tmux.Type("out(saw(\"bass\", { freq = 55 }) >> lpf(\"lp\", { cutoff = 300 }))");
        tmux.Type("every(1, function(i) set(\"lp\", \"cutoff\", 400 + i) end, \"sweep\")");
        Thread.Sleep(2500);

        using (var engine = System.Diagnostics.Process.GetProcessById(pid))
        {
            engine.Kill();
            engine.WaitForExit();
        }

        tmux.WaitFor("took over at bar", seconds: 60);
        tmux.Type(":graph");
        tmux.WaitFor("← bass");

        // The callback, which runs in the REPL, goes on setting the new engine's filter.
        string first = tmux.WaitFor(s => System.Text.RegularExpressions.Regex.IsMatch(s, @"cutoffHz=4\d\d"), "the sweep on the new engine");
        string seen = System.Text.RegularExpressions.Regex.Matches(first, @"cutoffHz=(4\d\d)")[^1].Groups[1].Value;
        Thread.Sleep(2500);
        tmux.Type(":graph");
        tmux.WaitFor(s => System.Text.RegularExpressions.Regex.Matches(s, @"cutoffHz=(4\d\d)") is { Count: > 0 } m && m[^1].Groups[1].Value != seen, "a later sweep step");
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }

    [Fact]
    public void ASampleLoadedAtTheRepl_PlaysInTheEngineProcess()
    {
        var blip = new float[4_800];
        for (int i = 0; i < blip.Length; i++)
        {
            blip[i] = 0.8f * MathF.Sin(2 * MathF.PI * 440 * i / 48_000f);
        }

        using (var wav = new LiveEngine.Hosts.Wav.WavWriter(Path.Combine(Dir, "blip.wav"), 48_000, 1, LiveEngine.Hosts.Wav.WavSampleFormat.Float32))
        {
            wav.WritePlanar([blip], 0, blip.Length);
        }

        using var tmux = new TmuxSession(Dir, Args());
        tmux.WaitFor("lua>");
        tmux.Type("sample(\"blip\", \"blip.wav\")");
        tmux.WaitFor("sample 'blip': 4800 frames");

        // The engine process has its own sample library: without the sample sent there, this commit is refused.
        tmux.Type("out(sampler(\"s\") { sample = \"blip\", level = 1 })");
        Thread.Sleep(2500);
        tmux.Type(":graph");
        string graph = tmux.WaitFor(s => s.Contains(" s ", StringComparison.Ordinal) && s.Contains("sampler", StringComparison.Ordinal), "the sampler in the engine's graph");
        Assert.DoesNotContain("error", graph, StringComparison.Ordinal);
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }

    [Fact]
    public void DetachLeavesTheEnginePlaying_AndTheNextReplAttachesToTheSameGraph()
    {
        using (var tmux = new TmuxSession(Dir, Args()))
        {
            tmux.WaitFor("lua>");
            tmux.WaitFor("Engine process");
            tmux.Type("out(sine(\"drone\", { freq = 110 }))");
            Thread.Sleep(2500); // the commit lands on the next bar
            tmux.Type(":detach");
            tmux.WaitFor("LIVEENGINE-EXITED 0");
        }

        Assert.True(File.Exists(EngineSocket), "the engine plays on after :detach");
        using (var tmux = new TmuxSession(Dir, Args()))
        {
            string banner = tmux.WaitFor("lua>");
            Assert.Contains("Attached to the engine process", banner);
            tmux.Type(":graph");
            tmux.WaitFor("drone");
            tmux.Type(":quit");
            tmux.WaitFor("LIVEENGINE-EXITED 0");
        }

        Assert.False(File.Exists(EngineSocket));
    }

    [Fact]
    public void HeadlessNeovim_SendsAParagraph_AndTheGraphChangesAtTheNextBar()
    {
        string nvim = new[] { "/usr/bin/nvim", "/usr/local/bin/nvim" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nvim is not installed: `apt-get install neovim` (.ci/run does this).");
        int port = FreePort();
        using var tmux = new TmuxSession(Dir, Args(port));
        tmux.WaitFor("lua>");
        tmux.WaitFor($"127.0.0.1:{port}");

        string piece = Path.Combine(Dir, "piece.lua");
        File.WriteAllLines(piece,
        [
            "-- sent from Neovim",
            "",
            "out(saw(\"bass\", { freq = 55 }) >> lpf(\"lp\", { cutoff = 700 }))",
            "print(\"commit at \" .. commit(\"bar\"))",
            "",
            "print(\"not this paragraph\")",
        ]);
        string result = Path.Combine(Dir, "result.json");
        string plugin = Path.Combine(RenderCommandTests.RepositoryRoot(), "examples", "editors", "nvim");
        string script = Path.Combine(Dir, "send.lua");
        File.WriteAllText(script, $$"""
            local le = require('liveengine')
            le.setup({ port = {{port}} })
            vim.api.nvim_win_set_cursor(0, { 4, 0 })
            local done = false
            le.send_paragraph({ done = function(r)
              vim.schedule(function()
                vim.fn.writefile({ vim.json.encode(r) }, '{{result}}')
                done = true
              end)
            end })
            vim.wait(20000, function() return done end, 50)
            vim.cmd('qa!')
            """);
        long before = Position(port);
        var start = new System.Diagnostics.ProcessStartInfo(nvim) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "--headless", "-u", "NONE", "--cmd", $"set rtp+={plugin}", piece, "-c", $"luafile {script}" })
        {
            start.ArgumentList.Add(arg);
        }

        using (var process = System.Diagnostics.Process.Start(start)!)
        {
            Assert.True(process.WaitForExit(30_000), "nvim did not finish");
        }

        Assert.True(File.Exists(result), "nvim wrote no result");
        JsonObject response = JsonNode.Parse(File.ReadAllText(result))!.AsObject();
        Assert.True((bool)response["result"]!["ok"]!, response.ToJsonString());
        string output = (string)response["result"]!["output"]!;
        Assert.DoesNotContain("not this paragraph", output);
        long commit = long.Parse(output.Split("commit at ")[1].Trim().Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
        const long Bar = 48_000 * 2; // 4/4 at 120 BPM
        Assert.Equal(0, commit % Bar);
        Assert.InRange(commit, before, before + (3 * Bar));

        // The editor and the REPL drive one engine: the REPL shows the graph the editor sent.
        Thread.Sleep(2500);
        tmux.Type(":graph");
        tmux.WaitFor("bass");
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }

    [Fact]
    public void TheReplAndAHostileSocketClient_ShareOneEngine_ThatKeepsPlaying()
    {
        int port = FreePort();
        using var tmux = new TmuxSession(Dir, Args(port));
        tmux.WaitFor($"127.0.0.1:{port}");
        long before = Position(port);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var client = new TcpClient("127.0.0.1", port))
        {
            NetworkStream stream = client.GetStream();
            void Send(string body) => stream.Write(Encoding.UTF8.GetBytes($"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}"));
            Send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");                       // malformed JSON
            Send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"no/such\"}");             // unknown method
            stream.Write(Encoding.ASCII.GetBytes("Content-Length: 2000000\r\n\r\n"));   // oversized
            stream.Write(new byte[2_000_000]);
            var flood = new StringBuilder();
            for (int i = 0; i < 10_000; i++)
            {
                string body = $"{{\"jsonrpc\":\"2.0\",\"id\":{100 + i},\"method\":\"transport/state\"}}";
                flood.Append($"Content-Length: {body.Length}\r\n\r\n{body}");
            }

            stream.Write(Encoding.ASCII.GetBytes(flood.ToString()));
            var reader = new StreamReader(stream, Encoding.UTF8);
            int answers = 0, parseErrors = 0, notFound = 0, tooLarge = 0, limited = 0;
            while (answers < 10_003)
            {
                JsonObject message = ReadFrame(reader);
                if (message["method"] is not null)
                {
                    continue; // a notification
                }

                answers++;
                switch ((int?)message["error"]?["code"])
                {
                    case -32700:
                        parseErrors++;
                        break;
                    case -32601:
                        notFound++;
                        break;
                    case -32600:
                        tooLarge++;
                        break;
                    case -32000:
                        limited++;
                        break;
                }
            }

            Assert.Equal(1, parseErrors);
            Assert.Equal(1, notFound);
            Assert.Equal(1, tooLarge);
            Assert.True(limited > 0, "the flood was not rate limited");
        }

        // The REPL still answers, and the engine kept rendering in real time.
        tmux.Type("print(6 * 7)");
        tmux.WaitFor(s => s.Contains("\n42", StringComparison.Ordinal), "the REPL's answer after the flood");
        double seconds = clock.Elapsed.TotalSeconds;
        long advanced = Position(port) - before;
        Assert.True(advanced > (seconds - 0.5) * 48_000 * 0.8, $"the engine rendered {advanced} samples in {seconds:0.00} s: it did not keep up with real time");
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }

    /// <summary>The last <paramref name="count"/> non-empty lines of the screen, without the padding tmux adds.</summary>
    private static string LastLines(string screen, int count) =>
        string.Join('\n', screen.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).TakeLast(count));

    private static JsonObject ReadFrame(StreamReader reader)
    {
        int length = 0;
        string? line;
        while ((line = reader.ReadLine()) is { Length: > 0 })
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        char[] buffer = new char[length];
        reader.ReadBlock(buffer, 0, length);
        return JsonNode.Parse(new string(buffer))!.AsObject();
    }

    private static long Position(int port)
    {
        using var client = new TcpClient("127.0.0.1", port);
        NetworkStream stream = client.GetStream();
        // The engine's own position (its statistics, polled from the engine process every 250 ms), not the REPL's
        // estimate of it, which advances with the wall clock.
        string body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stats/get\"}";
        stream.Write(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n{body}"));
        var reader = new StreamReader(stream, Encoding.UTF8);
        JsonObject message;
        while ((message = ReadFrame(reader))["id"] is null)
        {
            // a notification (an xrun notice, say): not the answer
        }

        return (long)(message["result"]!["engineSample"] ?? message["result"]!["sample"])!;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
