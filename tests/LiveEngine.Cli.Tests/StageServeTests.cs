using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// The stage view of a real <c>liveengine serve</c> (engine process on the null driver, [ui] port set), read by
/// chromium with no test harness at all: <c>chromium --headless --dump-dom</c> a few seconds after an eval.
/// </summary>
[Collection("TimingSensitive")]
public sealed partial class StageServeTests() : ReplFolder("le-stage-")
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public void Serve_WithUiPort_ServesAPage_WhoseDumpedDomHoldsTheNodesOfTheLastEval()
    {
        Assert.True(File.Exists(Chromium), $"This test reads the page with Debian's chromium, and {Chromium} is missing: apt-get install chromium (.ci/run does).");
        int uiPort = FreeTcpPort();
        string config = Path.Combine(Dir, "serve.config");
        File.WriteAllLines(config,
        [
            "[engine]", "process = true", $"socket = \"{EngineSocket}\"",
            "[driver]", "name = \"null\"",
            "[socket]", "port = 0",
            "[repl]", $"session_log = \"{Dir}\"",
            "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\"",
            "[ui]", $"port = {uiPort}",
        ]);
        string stderr = Path.Combine(Dir, "serve.stderr");
        using Process launcher = ServeTests.StartDetached(stderr, "serve", "--config", config);
        string started = ServeTests.WaitForLog(stderr, log => log.Contains("serving (process", StringComparison.Ordinal) && EditorSocketLine().IsMatch(log), "the server to start");
        int serverPid = int.Parse(ServingLine().Match(started).Groups[1].Value, CultureInfo.InvariantCulture);
        try
        {
            Assert.Contains($"Stage view: http://127.0.0.1:{uiPort}/", started, StringComparison.Ordinal);
            int port = int.Parse(EditorSocketLine().Match(started).Groups[1].Value, CultureInfo.InvariantCulture);
            using (var editor = new EditorSocketClient(port))
            {
                JsonNode result = editor.Call("eval", new JsonObject
                {
                    ["language"] = "lua",
                    ["code"] = "out(sine(\"domlead\", { freq = 440 }) >> gain(\"domamp\", { level = 0.3 }))",
                    ["quantize"] = "now",
                })!;
                Assert.True((bool)result["ok"]!, result.ToJsonString());
            }

            Thread.Sleep(3000);
            string dom = DumpDom($"http://127.0.0.1:{uiPort}/");
            Assert.Contains("data-id=\"domlead\"", dom, StringComparison.Ordinal);
            Assert.Contains("data-id=\"domamp\"", dom, StringComparison.Ordinal);
            Assert.Contains("data-id=\"out\"", dom, StringComparison.Ordinal);
        }
        finally
        {
            ServeTests.Kill(serverPid, "TERM");
            var clock = Stopwatch.StartNew();
            while (ServeTests.IsAlive(serverPid) && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(100);
            }
        }

        Assert.False(ServeTests.IsAlive(serverPid), $"the server {serverPid} still runs 20 s after SIGTERM");
    }

    private string DumpDom(string url)
    {
        var start = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(Dir, "chromium-profile")}", "--dump-dom", url,
        ])
        {
            start.ArgumentList.Add(arg);
        }

        using Process chromium = Process.Start(start)!;
        Task<string> output = chromium.StandardOutput.ReadToEndAsync();
        Task<string> error = chromium.StandardError.ReadToEndAsync();
        if (!chromium.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            chromium.Kill(entireProcessTree: true);
            Assert.Fail($"chromium --dump-dom {url} did not finish within 60 s");
        }

        Assert.True(chromium.ExitCode == 0, $"chromium --dump-dom exited with {chromium.ExitCode}: {error.Result}");
        return output.Result;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Editor socket: 127\.0\.0\.1:(\d+)")]
    private static partial Regex EditorSocketLine();

    [GeneratedRegex(@"serving \(process (\d+)\)")]
    private static partial Regex ServingLine();
}
