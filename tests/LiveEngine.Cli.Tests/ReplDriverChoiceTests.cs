namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>driver = "auto"</c> at the REPL: with no JACK server, PortAudio's default output device plays (here ALSA's
/// <c>null</c> PCM, set by an <c>.asoundrc</c> in the REPL's home), and the REPL says so and why.
/// </summary>
public sealed class ReplDriverChoiceTests() : ReplFolder("le-repl-driver-")
{
    [Fact]
    public void Auto_WithNoJackServer_PlaysThroughPortAudiosDefaultDevice_AndSaysWhy()
    {
        File.WriteAllText(Path.Combine(Dir, ".asoundrc"), "pcm.!default { type null }\nctl.!default { type hw card 0 }\n");
        string config = Path.Combine(Dir, "test.config");
        File.WriteAllLines(config,
        [
            "[engine]", $"socket = \"{EngineSocket}\"",
            "[driver]", "name = \"auto\"", $"jack_server = \"no-such-server-{Guid.NewGuid():N}\"",
            "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\"",
        ]);
        using var tmux = new TmuxSession(Dir, new Dictionary<string, string> { ["HOME"] = Dir }, "--port", "0", "--history", Path.Combine(Dir, "history"), "--session-log", Path.Combine(Dir, "session.jsonl"), "--config", config);
        string banner = tmux.WaitFor("lua>", seconds: 60);
        Assert.Contains("playing through PortAudio (ALSA: default). Driver auto: the JACK server 'no-such-server-", banner.Replace("\n", "", StringComparison.Ordinal));
        Assert.Contains("is not running; PortAudio's default output device is ALSA: default.", banner.Replace("\n", "", StringComparison.Ordinal));
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }
}
