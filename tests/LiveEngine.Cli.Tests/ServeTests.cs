using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LiveEngine.Midi.Transports.Network;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>liveengine serve</c> as a service runs it: no terminal (<c>setsid … &lt;/dev/null</c>), a real engine process
/// playing through the real-time null driver, driven over the editor socket and Network MIDI 2.0, stopped by SIGTERM.
/// </summary>
[Collection("TimingSensitive")]
public sealed partial class ServeTests() : ReplFolder("le-serve-")
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public void Serve_WithoutATerminal_AnswersEditorEvalsAndNetworkMidi_AndSigtermStopsItAndItsEngine()
    {
        int midiPort = FreeUdpPort();
        string config = WriteConfig(midiPort);
        string stderr = Path.Combine(Dir, "serve.stderr");
        using Process launcher = StartDetached(stderr, "serve", "--config", config);

        string started = WaitForLog(stderr, log => EditorSocketLine().IsMatch(log) && ServingLine().IsMatch(log), "the server to start");
        int port = int.Parse(EditorSocketLine().Match(started).Groups[1].Value, CultureInfo.InvariantCulture);
        int serverPid = int.Parse(ServingLine().Match(started).Groups[1].Value, CultureInfo.InvariantCulture);
        int enginePid = int.Parse(EngineLine().Match(started).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.NotEqual(serverPid, enginePid);
        Assert.True(IsAlive(serverPid) && IsAlive(enginePid), started);

        using (var editor = new EditorSocketClient(port))
        {
            // Lua over the editor socket: its answer, and the graph it committed.
            JsonNode result = editor.Call("eval", new JsonObject
            {
                ["language"] = "lua",
                ["code"] = "midi(\"bind cc 74 -> drive 0..1\")\nout(sine(\"osc\", { freq = 220 }))\nprint(6 * 7)",
                ["quantize"] = "now",
            })!;
            Assert.True((bool)result["ok"]!, result.ToJsonString());
            Assert.Contains("42", (string)result["output"]!, StringComparison.Ordinal);
            JsonNode graph = editor.Call("graph/get")!;
            Assert.Contains(graph["nodes"]!.AsArray(), n => (string?)n!["id"] == "osc" && (string?)n["type"] == "sine");

            // Network MIDI 2.0 moves the bound variable, both ways.
            using var midi = new NetMidiClient(new IPEndPoint(IPAddress.Loopback, midiPort), "serve test");
            Assert.True(midi.Invite(TimeSpan.FromSeconds(10)), "the Network MIDI 2.0 host did not accept the invitation");
            midi.Send(UmpMessage.ControlChange(0, 0, 74, uint.MaxValue));
            WaitForVariable(editor, "drive", 1.0);
            midi.Send(UmpMessage.ControlChange(0, 0, 74, 0));
            WaitForVariable(editor, "drive", 0.0);
        }

        // SIGTERM stops the server cleanly, and its engine process with it.
        Assert.Equal(0, Kill(serverPid, "TERM"));
        var clock = Stopwatch.StartNew();
        while ((IsAlive(serverPid) || IsAlive(enginePid)) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(100);
        }

        string log = File.ReadAllText(stderr);
        Assert.False(IsAlive(serverPid), $"the server {serverPid} still runs 20 s after SIGTERM:\n{log}");
        Assert.False(IsAlive(enginePid), $"its engine process {enginePid} still runs 20 s after the server's SIGTERM:\n{log}");
        Assert.Empty(ProcessesNaming(EngineSocket));
        Assert.Contains("stopped", log, StringComparison.Ordinal);
        if (launcher.Id == serverPid)
        {
            Assert.True(launcher.WaitForExit(5_000));
            Assert.Equal(0, launcher.ExitCode);
        }
    }

    [Fact]
    public void Serve_WithAPortOutOfRange_StopsBeforeAnythingStarts_WithTheReason()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "serve", "--config", WriteConfig(FreeUdpPort()), "--port", "70000");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--port must be 0..65535, not 70000.", result.Error, StringComparison.Ordinal);
        Assert.Empty(ProcessesNaming(EngineSocket));
    }

    private string WriteConfig(int midiPort)
    {
        string path = Path.Combine(Dir, "serve.config");
        File.WriteAllLines(path,
        [
            "[engine]", "process = true", $"socket = \"{EngineSocket}\"",
            "[driver]", "name = \"null\"",
            "[socket]", "port = 0",
            "[repl]", $"session_log = \"{Dir}\"",
            "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\"",
            "[midi]", $"network_port = {midiPort}", "network_bind = \"127.0.0.1\"",
        ]);
        return path;
    }

    /// <summary>Starts liveengine as a service manager or an editor would: a session of its own, no terminal, stdin from /dev/null.</summary>
    internal static Process StartDetached(string stderrPath, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "liveengine.dll");
        Assert.True(File.Exists(dll), $"liveengine.dll not found next to the tests at {dll}");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("err=$1; shift; exec setsid \"$@\" </dev/null >/dev/null 2>\"$err\"");
        start.ArgumentList.Add("liveengine-serve");
        start.ArgumentList.Add(stderrPath);
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    internal static string WaitForLog(string path, Func<string, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        string log = "";
        while (clock.Elapsed < s_wait)
        {
            log = File.Exists(path) ? File.ReadAllText(path) : "";
            if (condition(log))
            {
                return log;
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"Waited {s_wait.TotalSeconds} s for {what}; its standard error:\n{log}");
        return log;
    }

    private static void WaitForVariable(EditorSocketClient editor, string name, double expected)
    {
        var clock = Stopwatch.StartNew();
        JsonNode? variables = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            variables = editor.Call("variables/get");
            if (variables?[name] is { } value && Math.Abs((double)value - expected) < 1e-6)
            {
                return;
            }

            Thread.Sleep(50);
        }

        Assert.Fail($"the variable {name} did not reach {expected}: {variables?.ToJsonString()}");
    }

    /// <summary>Running, not a zombie waiting for its parent.</summary>
    internal static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static int Kill(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode;
    }

    /// <summary>Live processes whose command line contains <paramref name="text"/> (an engine socket path).</summary>
    private static List<int> ProcessesNaming(string text)
    {
        var found = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && pid != Environment.ProcessId)
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal) && IsAlive(pid))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone while we looked.
                }
            }
        }

        return found;
    }

    private static int FreeUdpPort()
    {
        using var socket = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    [GeneratedRegex(@"Editor socket: 127\.0\.0\.1:(\d+)")]
    private static partial Regex EditorSocketLine();

    /// <summary>The server's "serving (process N)" line, whole: a log read mid-write may hold only its start.</summary>
    [GeneratedRegex(@"serving \(process (\d+)\)")]
    internal static partial Regex ServingLine();

    [GeneratedRegex(@"Engine process (\d+) started")]
    private static partial Regex EngineLine();
}
