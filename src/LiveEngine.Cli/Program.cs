using System.CommandLine;
using LiveEngine.Cli;

var root = new RootCommand("LiveEngine: a live-coding music engine. Play graphs through JACK, render them offline, benchmark them, list node types.")
{
    PlayCommand.Create(),
    RenderCommand.Create(),
    BenchCommand.Create(),
    NodesCommand.Create(),
    DevicesCommand.Create(),
    SelfTestCommand.Create(),
};
return root.Parse(args).Invoke();
