using System.CommandLine;
using System.Net;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Repl;
using LiveEngine.Frontend.Rpc;
using LiveEngine.Time;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine</c> (or <c>liveengine repl</c>): the performer's REPL, with the editor socket, the session log and
/// the audio driver (JACK when a server runs; otherwise the real-time null driver, silent, and the session log
/// renders offline with <c>liveengine replay</c>).
/// </summary>
internal static class ReplCommand
{
    public static Command Create()
    {
        var command = new Command("repl", "The live-coding REPL (the default command): Lua and C#, with the editor socket and the session log.");
        AddOptions(command);
        return command;
    }

    /// <summary>Adds the REPL's options and action to <paramref name="command"/> (the root command gets them too).</summary>
    public static void AddOptions(Command command)
    {
        Option<string?> driver = PerformanceHost.DriverOption();
        var mode = new Option<string?>("--mode") { Description = "Language at the start: lua or cs (repl.config [repl] mode)." };
        Option<int?> port = PerformanceHost.PortOption();
        var noSocket = new Option<bool>("--no-socket") { Description = "Do not open the editor socket." };
        Option<string?> sessionLog = PerformanceHost.SessionLogOption();
        var history = new Option<string?>("--history") { Description = "History file (repl.config [repl] history)." };
        Option<string?> config = Cli.ConfigOption();
        command.Options.Add(driver);
        command.Options.Add(mode);
        command.Options.Add(port);
        command.Options.Add(noSocket);
        command.Options.Add(sessionLog);
        command.Options.Add(history);
        command.Options.Add(config);
        command.SetAction((result, cancellationToken) => Cli.RunAsync(async () =>
        {
            EngineConfig defaults = PerformanceHost.WithOverrides(EngineConfig.Load(result.GetValue(config)), result, driver, port);
            defaults = defaults with
            {
                ReplMode = result.GetValue(mode) ?? defaults.ReplMode,
                SocketEnabled = defaults.SocketEnabled && !result.GetValue(noSocket),
                ReplHistory = result.GetValue(history) ?? defaults.ReplHistory,
            };
            if (defaults.ReplMode is not ("lua" or "cs"))
            {
                throw new CliException($"--mode must be lua or cs, not '{defaults.ReplMode}'.");
            }

            return await RunAsync(defaults, result.GetValue(sessionLog), cancellationToken).ConfigureAwait(false);
        }));
    }

    private static async Task<int> RunAsync(EngineConfig config, string? sessionLog, CancellationToken cancellationToken)
    {
        string logPath = PerformanceHost.ExpandHome(config.LogPath);
        using Serilog.Core.Logger log = PerformanceHost.CreateLog(config, logPath, toStandardError: false);

        // Native libraries' complaints go to a file next to the log, never over the prompt. This process's own
        // errors (a configuration mistake, an engine that does not start: Cli.RunAsync prints them) must still reach
        // the performer: Console.OpenStandardError duplicates fd 2 now, before it is redirected.
        Console.SetError(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });
        NativeStderr.RedirectTo(logPath + ".stderr");

        sessionLog ??= PerformanceHost.DefaultSessionLog(config);
        if (!Quantization.TryParse(config.ReplQuantize, out Quantization quantize, out string? error))
        {
            throw new CliException(error!);
        }

        // A server (liveengine serve, or another REPL) on the editor socket owns the performance: this REPL becomes
        // one more of its clients. Otherwise this REPL hosts the performance itself.
        if (AttachToServer(config) is { } server)
        {
            using (server)
            {
                return await RunAttachedAsync(server, config, quantize, log, cancellationToken).ConfigureAwait(false);
            }
        }

        PerformanceHost host = PerformanceHost.Start(config, sessionLog, logPath, log, Console.WriteLine);
        try
        {
            Performance performance = host.Performance;
            var repl = new Repl(performance, new ReplOptions { Mode = config.ReplMode, HistoryPath = PerformanceHost.ExpandHome(config.ReplHistory), Quantize = quantize }, log: log);

            // On stage a stray Ctrl+C must not stop the music: while code runs it is ignored, with a hint; :quit leaves.
            // (While the performer types, it is a key that clears the line: Repl.)
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                performance.Notify(NoticeLevel.Info, "repl", Repl.QuitHint);
            };
            try
            {
                await repl.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await host.CloseStageAsync().ConfigureAwait(false);
                await host.CloseEditorSocketAsync().ConfigureAwait(false);
            }

            if (performance.Remote is { } remote)
            {
                if (repl.Detached)
                {
                    Console.WriteLine($"The engine process {remote.Engine.Info.ProcessId} plays on with the graph (callbacks stop with this REPL); `liveengine` with the same [engine] socket attaches to it again.");
                }
                else
                {
                    host.StopEngine();
                }
            }
        }
        finally
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        log.Information("REPL ended");
        return 0;
    }

    /// <summary>
    /// The server listening on repl.config's editor socket ([socket] bind and port; loopback for a wildcard bind),
    /// or null when none does, the socket is off, or its port is 0 (any free port: nothing to find).
    /// </summary>
    private static EditorSocketService? AttachToServer(EngineConfig config)
    {
        if (!config.SocketEnabled || config.SocketPort == 0 || !IPAddress.TryParse(config.SocketBind, out IPAddress? bind))
        {
            return null;
        }

        IPAddress address = bind.Equals(IPAddress.Any) ? IPAddress.Loopback : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bind;
        try
        {
            return EditorSocketService.TryAttach(new IPEndPoint(address, config.SocketPort), config.SocketToken, TimeSpan.FromSeconds(2));
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"Something listens on the editor socket {address}:{config.SocketPort}, but this REPL could not attach to it: {e.Message} Set the server's [socket] token, or another [socket] port.");
        }
    }

    /// <summary>The REPL as a client of a running server: the server's performance plays on when it leaves.</summary>
    private static async Task<int> RunAttachedAsync(EditorSocketService server, EngineConfig config, Quantization quantize, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        Console.WriteLine($"Attached to the LiveEngine server on {server.Endpoint}: its engine, languages, MIDI and session log. :quit leaves it playing.");
        log.Information("REPL attached to the server on {Endpoint}", server.Endpoint);
        var repl = new Repl(server, new ReplOptions { Mode = config.ReplMode, HistoryPath = PerformanceHost.ExpandHome(config.ReplHistory), Quantize = quantize }, log: log);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            server.Notify(NoticeLevel.Info, "repl", Repl.QuitHint);
        };
        using var untilGone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, server.ServerGone);
        try
        {
            await repl.RunAsync(untilGone.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (server.ServerGone.IsCancellationRequested)
        {
            // The line editor was waiting for a key when the server went: said below.
        }

        if (server.ServerGone.IsCancellationRequested)
        {
            // The server stopped (SIGTERM, a crash, kill -9): there is nothing left to send code to.
            Console.WriteLine($"The server on {server.Endpoint} has gone ({server.GoneReason}); this REPL ends. Start `liveengine` again: it attaches to a new server, or starts its own engine.");
            log.Warning("REPL ended: the server on {Endpoint} has gone ({Reason})", server.Endpoint, server.GoneReason);
            return 3;
        }

        Console.WriteLine($"Left the server on {server.Endpoint}; it plays on.");
        log.Information("REPL ended (attached)");
        return 0;
    }
}
