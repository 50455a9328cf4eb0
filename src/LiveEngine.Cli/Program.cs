using System.CommandLine;
using LiveEngine.Cli;

var root = new RootCommand("LiveEngine: a live-coding music engine. Render graphs offline, benchmark them, list node types.")
{
    RenderCommand.Create(),
    BenchCommand.Create(),
    NodesCommand.Create(),
    SelfTestCommand.Create(),
};
return root.Parse(args).Invoke();
