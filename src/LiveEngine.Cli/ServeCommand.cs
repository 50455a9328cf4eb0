using System.CommandLine;
using Serilog;

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
        var driver = new Option<string?>("--driver", "-d") { Description = "auto (JACK if a server runs, else null), jack, portaudio or null (repl.config [driver] name)." };
        var port = new Option<int?>("--port") { Description = "Editor socket port (repl.config [socket] port; 0 for any free port)." };
        var sessionLog = new Option<string?>("--session-log") { Description = "Session log file (default: a new file in repl.config [repl] session_log)." };
        Option<string?> config = Cli.ConfigOption();
        command.Options.Add(driver);
        command.Options.Add(port);
        command.Options.Add(sessionLog);
        command.Options.Add(config);
        command.SetAction((result, cancellationToken) => Cli.RunAsync(async () =>
        {
            EngineConfig defaults = EngineConfig.Load(result.GetValue(config));
            defaults = defaults with
            {
                Driver = result.GetValue(driver) ?? defaults.Driver,
                SocketPort = result.GetValue(port) ?? defaults.SocketPort,
            };
            if (defaults.SocketPort is < 0 or > 65535)
            {
                throw new CliException($"--port must be 0..65535, not {defaults.SocketPort}.");
            }

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
        using Serilog.Core.Logger log = new LoggerConfiguration()
            .MinimumLevel.Is(ReplCommand.LogLevel(config))
            .WriteTo.Sink(new StandardErrorSink())
            .WriteTo.File(logPath, flushToDiskInterval: TimeSpan.FromSeconds(1))
            .CreateLogger();

        sessionLog ??= ReplCommand.DefaultSessionLog(config);
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
        await host.CloseEditorSocketAsync().ConfigureAwait(false);
        host.StopEngine();
        log.Information("stopped");
        return 0;
    }
}
