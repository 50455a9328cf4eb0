using System.CommandLine;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine serve</c>: the performance without a terminal (docs/serve.md). It hosts what the REPL hosts (the
/// engine process, the languages, the editor socket, MIDI and the session log) and runs until SIGTERM or SIGINT,
/// which stop it and its engine process. It reads nothing from standard input and logs to standard error and
/// to repl.config [log] path, so it runs under systemd, under <c>setsid … &lt;/dev/null</c>, or started by an editor.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the performance headless (no terminal): the engine, the languages, the editor socket, MIDI and the session log, until SIGTERM or SIGINT.");
        Option<string?> driver = PerformanceHost.DriverOption();
        Option<int?> port = PerformanceHost.PortOption();
        Option<string?> sessionLog = PerformanceHost.SessionLogOption();
        Option<string?> config = Cli.ConfigOption();
        command.Options.Add(driver);
        command.Options.Add(port);
        command.Options.Add(sessionLog);
        command.Options.Add(config);
        command.SetAction((result, cancellationToken) => Cli.RunAsync(async () =>
        {
            EngineConfig defaults = PerformanceHost.WithOverrides(EngineConfig.Load(result.GetValue(config)), result, driver, port);
            return await RunAsync(defaults, result.GetValue(sessionLog), cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    /// <param name="config">repl.config, with the command line's overrides.</param>
    /// <param name="sessionLog">The session log file; null for a new one in [repl] session_log.</param>
    /// <param name="stopping">Cancelled by SIGTERM or SIGINT (System.CommandLine's process termination handling).</param>
    private static async Task<int> RunAsync(EngineConfig config, string? sessionLog, CancellationToken stopping)
    {
        string logPath = PerformanceHost.ExpandHome(config.LogPath);
        using Serilog.Core.Logger log = PerformanceHost.CreateLog(config, logPath, toStandardError: true);

        sessionLog ??= PerformanceHost.DefaultSessionLog(config);
        await using PerformanceHost host = PerformanceHost.Start(config, sessionLog, logPath, log, line => log.Information("{Line}", line));
        log.Information("serving (process {ProcessId}); SIGTERM or SIGINT stops the server and its engine process", Environment.ProcessId);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or SIGINT: stop.
        }

        log.Information("stopping: closing the editor socket, then the engine process");
        await host.CloseStageAsync().ConfigureAwait(false);
        await host.CloseEditorSocketAsync().ConfigureAwait(false);
        host.StopEngine();
        log.Information("stopped");
        return 0;
    }
}
