using LiveEngine.Cli;

namespace LiveEngine.Tests.Cli;

/// <summary>A C# snippet that never ends, typed at the REPL in a real terminal: it is stopped, and the REPL answers.</summary>
[Collection("TimingSensitive")]
public sealed class RunawaySnippetTests() : ReplFolder("le-runaway-")
{
    [Fact]
    public void WhileTrue_IsStopped_AndTheReplAnswersStats_AndEvaluatesTheNextSnippet()
    {
        string config = Path.Combine(Dir, "test.config");
        File.WriteAllLines(config,
        [
            "[engine]", $"socket = \"{EngineSocket}\"",
            "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\"",
        ]);
        using var tmux = new TmuxSession(Dir, "--driver", "null", "--port", "0", "--history", Path.Combine(Dir, "history"), "--session-log", Path.Combine(Dir, "session.jsonl"), "--config", config);
        tmux.WaitFor("lua>");
        tmux.Type(":cs");
        tmux.WaitFor("cs>");

        tmux.Type("while (true) { }");
        tmux.WaitFor("C# snippet stopped: ran longer than 50 ms (an endless loop?)");

        tmux.Type(":stats");
        tmux.WaitFor("audio thread allocated");
        tmux.Type("6 * 7");
        tmux.WaitFor(s => s.Contains("\n42", StringComparison.Ordinal), "the next snippet's value");

        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");
    }

    [Fact]
    public void TheCSharpTimeout_IsSetInReplConfig_AndAZeroOneIsRefusedWithItsLine()
    {
        EngineConfig config = EngineConfig.Parse(["[repl]", "cs_timeout_ms = 200"], "test.config");
        Assert.Equal(TimeSpan.FromMilliseconds(200), config.CSharpLimits.EvaluationTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(50), EngineConfig.Parse([], "empty").CSharpLimits.EvaluationTimeout);
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(["[repl]", "cs_timeout_ms = 0"], "test.config"));
        Assert.StartsWith("test.config:2: ", e.Message, StringComparison.Ordinal);
    }
}
