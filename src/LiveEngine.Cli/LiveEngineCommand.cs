using System.CommandLine;

namespace LiveEngine.Cli;

/// <summary>The <c>liveengine</c> command line: every subcommand, and the REPL's options on the root.</summary>
internal static class LiveEngineCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("LiveEngine: a live-coding music engine. Play graphs through JACK, render them offline, benchmark them, list node types.")
        {
            ReplCommand.Create(),
            ServeCommand.Create(),
            ReplayCommand.Create(),
            PlayCommand.Create(),
            RenderCommand.Create(),
            BenchCommand.Create(),
            NodesCommand.Create(),
            DevicesCommand.Create(),
            EngineCommand.Create(),
            SelfTestCommand.Create(),
            GpuCommand.Create(),
            MidiCommand.Create(),
            PatternCommand.Create(),
            OscCommand.Create(),
            LinkCommand.Create(),
        };
        // `liveengine` alone opens the REPL.
        ReplCommand.AddOptions(root);
        return root;
    }
}
