namespace LiveEngine.Tests.Cli;

public sealed class NodesCommandTests
{
    [Fact]
    public void DocsNodesMd_IsTheCurrentOutputOfLiveengineNodes()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "nodes");
        Assert.Equal(0, result.ExitCode);
        string documented = File.ReadAllText(Path.Combine(RenderCommandTests.RepositoryRoot(), "docs", "nodes.md"));
        Assert.True(documented == result.Output, "docs/nodes.md is out of date: regenerate it with `liveengine nodes > docs/nodes.md`.");
        foreach (string type in new[] { "saw", "rlpf", "lpf", "reverb", "master", "feedback", "out" })
        {
            Assert.Contains($"## `{type}`", result.Output);
        }
    }
}
