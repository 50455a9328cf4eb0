using System.CommandLine;
using LiveEngine.Cli;

var root = new RootCommand("LiveEngine: a live-coding music engine. Play graphs through JACK, render them offline, benchmark them, list node types.")
{
    ReplCommand.Create(),
    ReplayCommand.Create(),
    PlayCommand.Create(),
    RenderCommand.Create(),
    BenchCommand.Create(),
    NodesCommand.Create(),
    DevicesCommand.Create(),
    EngineCommand.Create(),
    SelfTestCommand.Create(),
    MidiCommand.Create(),
};
// `liveengine` alone opens the REPL.
ReplCommand.AddOptions(root);
return await root.Parse(args).InvokeAsync();
