using System.CommandLine;
using LiveEngine.Cli;

// For `render --timing`: when Main was reached.
ProcessTiming.MarkMain();

// A command that renders audio here has its render path compiled on another thread meanwhile (see RenderPathWarmUp).
if (RenderPathWarmUp.PaysFor(args))
{
    RenderPathWarmUp.Start();
}

// SIGTERM and SIGINT cancel the command's token; a command then has this long to stop cleanly (`liveengine serve`
// stops its engine process and lets its standby engine go) before System.CommandLine ends the process anyway.
return await LiveEngineCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(10) });
