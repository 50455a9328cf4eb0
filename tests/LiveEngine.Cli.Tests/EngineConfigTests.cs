using LiveEngine.Cli;

namespace LiveEngine.Tests.Cli;

public sealed class EngineConfigTests
{
    [Fact]
    public void RepositoryReplConfig_ParsesToTheDocumentedDefaults()
    {
        EngineConfig config = EngineConfig.Load(Path.Combine(RenderCommandTests.RepositoryRoot(), "repl.config"));
        Assert.Equal(new EngineConfig { Source = config.Source }, config);
    }

    [Fact]
    public void Values_CommentsAndOtherTables_AreRead()
    {
        EngineConfig config = EngineConfig.Parse(
            ["# comment", "[driver]", "name = \"jack\"", "host_api = \"JACK\"", "[midi]", "ports = 2", "", "[engine]", "sample_rate = 96_000  # trailing", "threads = 4", "policy = \"wavefront\""],
            "test.config");
        Assert.Equal("jack", config.Driver);
        Assert.Equal("JACK", config.HostApi);
        Assert.Null(config.Device);
        Assert.Equal(96_000, config.SampleRate);
        Assert.Equal(4, config.Threads);
        Assert.Equal("wavefront", config.Policy);
        Assert.Equal(64, config.BlockFrames);
    }

    [Theory]
    [InlineData("sample_rat = 48000", "test.config:2: unknown key 'sample_rat' in [engine]. Known keys: sample_rate, block_frames, threads, policy, seed.")]
    [InlineData("threads = two", "test.config:2: 'threads' must be an integer, not two.")]
    [InlineData("policy = steal", "test.config:2: 'policy' must be a string in double quotes, not steal.")]
    [InlineData("threads 2", "test.config:2: expected 'key = value', found 'threads 2'.")]
    [InlineData("policy = \"steal", "test.config:2: unterminated string.")]
    public void Mistakes_AreNamedWithFileAndLine(string line, string message)
    {
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(["[engine]", line], "test.config"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Bench_TakesThreadsFromTheConfig_AndFlagsOverrideIt()
    {
        string config = Path.Combine(Path.GetTempPath(), $"liveengine-{Guid.NewGuid():N}.config");
        File.WriteAllLines(config, ["[engine]", "threads = 2", "block_frames = 128"]);
        try
        {
            LiveEngineProcess.Result fromConfig = LiveEngineProcess.Run(null, "bench", "voices-16", "--seconds", "0.5", "--config", config);
            Assert.True(fromConfig.ExitCode == 0, fromConfig.Error);
            Assert.Contains("2 thread(s)", fromConfig.Output);
            Assert.Contains("128-frame blocks", fromConfig.Output);

            LiveEngineProcess.Result overridden = LiveEngineProcess.Run(null, "bench", "voices-16", "--seconds", "0.5", "--config", config, "--threads", "1");
            Assert.True(overridden.ExitCode == 0, overridden.Error);
            Assert.Contains("1 thread(s)", overridden.Output);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
