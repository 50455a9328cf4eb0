namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>driver = "auto"</c> at the REPL: with no JACK server, PortAudio's default output device plays (here ALSA's
/// <c>null</c> PCM, set by an <c>.asoundrc</c> in the REPL's home), and the REPL says so and why.
/// </summary>
public sealed class ReplDriverChoiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-repl-driver-").FullName;

    private string EngineSocket => Path.Combine(_dir, "engine.sock");

    public void Dispose()
    {
        using (var kill = System.Diagnostics.Process.Start("pkill", ["-f", EngineSocket]))
        {
            kill.WaitForExit();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Auto_WithNoJackServer_PlaysThroughPortAudiosDefaultDevice_AndSaysWhy()
    {
        File.WriteAllText(Path.Combine(_dir, ".asoundrc"), "pcm.!default { type null }\nctl.!default { type hw card 0 }\n");
        string config = Path.Combine(_dir, "test.config");
        File.WriteAllLines(config,
        [
            "[engine]", $"socket = \"{EngineSocket}\"",
            "[driver]", "name = \"auto\"", $"jack_server = \"no-such-server-{Guid.NewGuid():N}\"",
            "[log]", $"path = \"{Path.Combine(_dir, "liveengine.log")}\"",
        ]);
        using var tmux = new TmuxSession(_dir, new Dictionary<string, string> { ["HOME"] = _dir }, "--port", "0", "--history", Path.Combine(_dir, "history"), "--session-log", Path.Combine(_dir, "session.jsonl"), "--config", config);
        string banner = tmux.WaitFor("lua>", seconds: 60);
        Assert.Contains("playing through PortAudio (ALSA: default). Driver auto: the JACK server 'no-such-server-", banner.Replace("\n", "", StringComparison.Ordinal));
        Assert.Contains("is not running; PortAudio's default output device is ALSA: default.", banner.Replace("\n", "", StringComparison.Ordinal));
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }
}
