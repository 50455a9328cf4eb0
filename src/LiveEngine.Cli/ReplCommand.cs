using System.CommandLine;
using System.Globalization;
using System.Net;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Repl;
using LiveEngine.Frontend.Rpc;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Hosts.Engine;
using LiveEngine.Hosts.Jack;
using LiveEngine.Hosts.PortAudio;
using LiveEngine.Live;
using LiveEngine.Midi.Control;
using LiveEngine.Time;
using Serilog;
using Serilog.Events;

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
        var driver = new Option<string?>("--driver", "-d") { Description = "auto (JACK if a server runs, else null), jack, portaudio or null (repl.config [driver] name)." };
        var mode = new Option<string?>("--mode") { Description = "Language at the start: lua or cs (repl.config [repl] mode)." };
        var port = new Option<int?>("--port") { Description = "Editor socket port (repl.config [socket] port; 0 for any free port)." };
        var noSocket = new Option<bool>("--no-socket") { Description = "Do not open the editor socket." };
        var sessionLog = new Option<string?>("--session-log") { Description = "Session log file (default: a new file in repl.config [repl] session_log)." };
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
            EngineConfig defaults = EngineConfig.Load(result.GetValue(config));
            defaults = defaults with
            {
                Driver = result.GetValue(driver) ?? defaults.Driver,
                ReplMode = result.GetValue(mode) ?? defaults.ReplMode,
                SocketPort = result.GetValue(port) ?? defaults.SocketPort,
                SocketEnabled = defaults.SocketEnabled && !result.GetValue(noSocket),
                ReplHistory = result.GetValue(history) ?? defaults.ReplHistory,
            };
            if (defaults.ReplMode is not ("lua" or "cs"))
            {
                throw new CliException($"--mode must be lua or cs, not '{defaults.ReplMode}'.");
            }

            if (defaults.SocketPort is < 0 or > 65535)
            {
                throw new CliException($"--port must be 0..65535, not {defaults.SocketPort}.");
            }

            return await RunAsync(defaults, result.GetValue(sessionLog), cancellationToken).ConfigureAwait(false);
        }));
    }

    private static async Task<int> RunAsync(EngineConfig config, string? sessionLog, CancellationToken cancellationToken)
    {
        string logPath = ExpandHome(config.LogPath);
        using Serilog.Core.Logger log = new LoggerConfiguration()
            .MinimumLevel.Is(config.LogLevel switch
            {
                "verbose" => LogEventLevel.Verbose,
                "debug" => LogEventLevel.Debug,
                "warning" => LogEventLevel.Warning,
                "error" => LogEventLevel.Error,
                _ => LogEventLevel.Information,
            })
            .WriteTo.File(logPath, flushToDiskInterval: TimeSpan.FromSeconds(1))
            .CreateLogger();

        // Native libraries' complaints go to a file next to the log, never over the prompt. This process's own
        // errors (a configuration mistake, an engine that does not start: Cli.RunAsync prints them) must still reach
        // the performer: Console.OpenStandardError duplicates fd 2 now, before it is redirected.
        Console.SetError(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });
        NativeStderr.RedirectTo(logPath + ".stderr");

        sessionLog ??= Path.Combine(ExpandHome(config.SessionLogFolder), $"session-{DateTime.Now:yyyyMMdd-HHmmss}.jsonl");
        var options = new PerformanceOptions
        {
            Session = new LiveSessionOptions
            {
                SampleRate = config.SampleRate,
                MaxBlockFrames = Math.Max(config.BlockFrames, 1024),
                Seed = (ulong)config.Seed,
                Tempo = Fraction.FromDecimal((decimal)config.Tempo),
                BeatsPerBar = config.BeatsPerBar,
            },
            BlockFrames = config.BlockFrames,
            LogPath = sessionLog,
            MidiBankSize = config.MidiBankSize,
            SampleFolders = [.. config.SampleFolders.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ExpandHome)],
        };
        EngineClient? engine = null;
        EngineSuccessor? successor = null;
        Execution.IGraphExecutor? executor = null;
        Performance performance;
        string driverText;
        if (config.EngineProcess)
        {
            (engine, driverText) = AttachEngine(config, logPath);
            EngineSuccessor next = successor = StandbyEngine(config, logPath);
            performance = new Performance(BuiltinNodeTypes.CreateRegistry(), options, new RemoteSession(engine, options.Session))
            {
                EngineRestarter = remote => RestartEngine(remote, next),
            };
        }
        else
        {
            executor = Cli.CreateExecutor(config.Threads, config.Policy);
            performance = new Performance(BuiltinNodeTypes.CreateRegistry(), options, executor);
            driverText = "";
        }

        try
        {
            return await RunAsync(performance, engine, config, options, sessionLog, driverText, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            IEngineControl? current = performance.Remote?.Engine;
            performance.Dispose();
            successor?.Dispose();
            (executor as IDisposable)?.Dispose();
            current?.Dispose();
            engine?.Dispose();
        }
    }

    private static async Task<int> RunAsync(Performance performance, EngineClient? engine, EngineConfig config, PerformanceOptions options, string sessionLog, string driverText, Serilog.Core.Logger log, CancellationToken cancellationToken)
    {
        foreach (Func<ILiveSession, ILiveLanguage> language in FrontendLanguages.Create(performance.Registry, config.CSharpLimits))
        {
            performance.AddLanguage(language);
        }

        performance.Notices += notice => log.Write(notice.Level switch
        {
            NoticeLevel.Error => LogEventLevel.Error,
            NoticeLevel.Warning => LogEventLevel.Warning,
            _ => LogEventLevel.Information,
        }, "{Source}: {Message}", notice.Source, notice.Message);

        string driverName;
        if (performance.Local is { } local)
        {
            // Compile every node type's render path (and run its static set-up) now, not in the first real-time
            // callback that plays it: the code typed later may use any of them. (An engine process does this itself.)
            LiveEngine.Hosts.Engine.NodeTypeWarmUp.Run(performance.Registry, options.Session.SampleRate, options.Session.MaxBlockFrames);
            local.Renderer.WarmUp();
            DriverHandle driver = StartDriver(local, config, out driverText);
            performance.Play(driver);
            driverName = driver.Name;
        }
        else
        {
            performance.StartControl();
            driverName = engine!.Info.Driver;
        }

        log.Information("REPL started: {Driver}; session log {SessionLog}", driverText, sessionLog);
        Console.WriteLine(driverText);

        StartMidi(performance, config, driverName == "jack", log);

        EditorServer? server = null;
        if (config.SocketEnabled)
        {
            if (!IPAddress.TryParse(config.SocketBind, out IPAddress? bind))
            {
                throw new CliException($"[socket] bind '{config.SocketBind}' is not an IP address.");
            }

            try
            {
                server = new EditorServer(performance, new EditorServerOptions
                {
                    Bind = bind,
                    Port = config.SocketPort,
                    Token = config.SocketToken,
                    MaxMessageBytes = config.SocketMaxMessageBytes,
                    MessagesPerSecond = config.SocketMessagesPerSecond,
                });
                server.Start();
                Console.WriteLine($"Editor socket: {bind}:{server.Port} (JSON-RPC 2.0, LSP framing; docs/protocol.md).");
                log.Information("editor socket on {Bind}:{Port}", bind, server.Port);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
            {
                Console.WriteLine($"Editor socket not opened: {e.Message}");
                log.Warning(e, "editor socket not opened");
                server = null;
            }
        }

        Console.WriteLine($"Session log: {sessionLog} (render it with: liveengine replay {sessionLog} --out session.wav)");
        if (!Quantization.TryParse(config.ReplQuantize, out Quantization quantize, out string? error))
        {
            throw new CliException(error!);
        }

        var repl = new Repl(performance, new ReplOptions { Mode = config.ReplMode, HistoryPath = ExpandHome(config.ReplHistory), Quantize = quantize }, log: log);

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
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (performance.Remote is { } remote)
        {
            if (repl.Detached)
            {
                Console.WriteLine($"The engine process {remote.Engine.Info.ProcessId} plays on with the graph (callbacks stop with this REPL); `liveengine` with the same [engine] socket attaches to it again.");
            }
            else
            {
                try
                {
                    // An engine that went away on purpose is not replaced.
                    performance.EngineRestarter = null;
                    remote.Engine.Shutdown();
                }
                catch (Exception e) when (e is EngineRequestException or IOException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    Console.WriteLine($"The engine process did not stop cleanly: {e.Message}");
                }
            }
        }

        log.Information("REPL ended");
        return 0;
    }

    /// <summary>
    /// Attaches to the engine process listening on the configured socket (one left playing by an earlier REPL
    /// keeps its graph and its position), or starts one: detached from this terminal, so that neither a Ctrl+C nor
    /// a crash of the REPL stops the music.
    /// </summary>
    private static (EngineClient Engine, string Description) AttachEngine(EngineConfig config, string logPath)
    {
        string socketPath = config.EngineSocket is { } configured ? ExpandHome(configured) : DefaultEngineSocket();
        try
        {
            EngineClient attached = EngineClient.Connect(socketPath, "repl");
            return (attached, $"Attached to the engine process {attached.Info.ProcessId} on {socketPath}, still playing through {attached.Info.Driver} (at sample {attached.Info.Position}).");
        }
        catch (InvalidOperationException)
        {
            // No engine there yet: start one.
        }
        catch (EngineRequestException e)
        {
            throw new CliException($"The engine on {socketPath} refused this REPL: {e.Message} Stop it, or set another [engine] socket.");
        }

        DriverChoice chosen = ChooseDriver(config);
        string engineLog = logPath + ".engine";
        EngineClient engine = LaunchEngine(config, socketPath, chosen, engineLog, config.Tempo.ToString(CultureInfo.InvariantCulture), config.BeatsPerBar, resume: null);

        // "jack", "portaudio (ALSA: default)" or "null".
        string playing = engine.Info.Driver;
        string where = playing.StartsWith("jack", StringComparison.Ordinal) ? "JACK"
            : playing.StartsWith("portaudio", StringComparison.Ordinal) ? "PortAudio" + playing["portaudio".Length..]
            : config.Driver == "auto" ? "the null driver, in real time but silent; the session log renders it (liveengine replay)"
            : "the null driver (real-time paced, silent)";
        if (chosen.Kind != "null" && playing == "null")
        {
            where = $"the null driver, because {chosen.Kind} could not start (see {engineLog})";
        }

        string why = config.Driver == "auto" ? $" Driver auto: {chosen.Reason}." : "";
        return (engine, $"Engine process {engine.Info.ProcessId} started on {socketPath}: {engine.Info.SampleRate} Hz, playing through {where}.{why}");
    }

    /// <summary>
    /// Keeps a warmed standby engine ready (<see cref="EngineSuccessor"/>), started a few seconds from now so that
    /// its warm-up does not slow the REPL's own start.
    /// </summary>
    private static EngineSuccessor StandbyEngine(EngineConfig config, string logPath)
    {
        string socketPath = config.EngineSocket is { } configured ? ExpandHome(configured) : DefaultEngineSocket();
        var successor = new EngineSuccessor(socketPath, () => EngineCommand.DetachedEngineStartInfo(
            [.. EngineArguments(config, socketPath, ChooseDriver(config), config.Tempo.ToString(CultureInfo.InvariantCulture), config.BeatsPerBar, resume: null), "--standby"],
            logPath + ".engine",
            standby: true));
        successor.PrepareLater();
        return successor;
    }

    /// <summary>
    /// Brings in the standby engine to take over from <paramref name="remote"/>'s, which died or hung (then it is
    /// stopped first): at the position, beat, bar and tempo where the performance was.
    /// </summary>
    internal static IEngineControl RestartEngine(RemoteSession remote, EngineSuccessor successor)
    {
        (TempoOrigin origin, Fraction bpm, int beatsPerBar) = remote.ResumePoint();
        return successor.TakeOver(remote.Engine, origin, bpm, beatsPerBar, "repl", TimeSpan.FromSeconds(30));
    }

    /// <summary>The driver repl.config names; for auto, JACK, else PortAudio's default device, else null (<see cref="AutoDriverChoice"/>).</summary>
    private static DriverChoice ChooseDriver(EngineConfig config) => config.Driver switch
    {
        "auto" => AutoDriverChoice.Choose(config.JackServer, channels: 2, fallback: "null"),
        "jack" or "portaudio" or "null" => new DriverChoice(config.Driver, "repl.config names it"),
        _ => throw new CliException($"The REPL plays through auto, jack, portaudio or null, not '{config.Driver}'."),
    };

    private static EngineClient LaunchEngine(EngineConfig config, string socketPath, DriverChoice driver, string engineLog, string tempo, int beatsPerBar, string? resume)
    {
        List<string> arguments = EngineArguments(config, socketPath, driver, tempo, beatsPerBar, resume);
        long logStart = File.Exists(engineLog) ? new FileInfo(engineLog).Length : 0;
        try
        {
            return EngineClient.Launch(EngineCommand.DetachedEngineStartInfo(arguments, engineLog), socketPath, "repl", TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"The engine process did not start: {e.Message} Its log, {engineLog}, says:{EngineLogSince(engineLog, logStart)}");
        }
    }

    private static List<string> EngineArguments(EngineConfig config, string socketPath, DriverChoice choice, string tempo, int beatsPerBar, string? resume)
    {
        string driver = choice.Kind;
        var arguments = new List<string>
        {
            "--socket", socketPath, "--driver", driver,
            "--sample-rate", config.SampleRate.ToString(CultureInfo.InvariantCulture),
            // Silent, so latency does not matter: larger periods wake the pacing thread less often.
            "--block", (driver == "null" ? Math.Max(config.BlockFrames, 256) : config.BlockFrames).ToString(CultureInfo.InvariantCulture),
            "--threads", config.Threads.ToString(CultureInfo.InvariantCulture),
            "--tempo", tempo,
            "--beats-per-bar", beatsPerBar.ToString(CultureInfo.InvariantCulture),
        };
        AddIfSet(arguments, "--jack-server", config.JackServer);
        AddIfSet(arguments, "--host-api", config.HostApi ?? choice.HostApi);
        AddIfSet(arguments, "--device", config.Device);
        AddIfSet(arguments, "--resume", resume);
        return arguments;
    }

    /// <summary>What the engine process wrote to its log from <paramref name="start"/> on (its last lines, indented): why it did not start.</summary>
    private static string EngineLogSince(string engineLog, long start)
    {
        try
        {
            using var stream = new FileStream(engineLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Max(start, stream.Length - 2000), SeekOrigin.Begin);
            // Its words, not the stack trace of an exception it did not catch.
            string[] lines = [.. new StreamReader(stream).ReadToEnd().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0 && !l.TrimStart().StartsWith("at ", StringComparison.Ordinal))];
            return lines.Length == 0 ? " nothing." : string.Concat(lines.Select(l => Environment.NewLine + "  " + l));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $" (unreadable: {e.Message})";
        }
    }

    private static void AddIfSet(List<string> arguments, string option, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            arguments.Add(option);
            arguments.Add(value);
        }
    }

    /// <summary>One engine per user by default (<see cref="EngineSocketPath.Default"/>).</summary>
    private static string DefaultEngineSocket()
    {
        try
        {
            return EngineSocketPath.Default();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>The controller inputs repl.config asks for: a JACK MIDI input (RtMidi) and a Network MIDI 2.0 endpoint.</summary>
    private static void StartMidi(Performance performance, EngineConfig config, bool jack, Serilog.ILogger log)
    {
        if (config.MidiBanks is { } banks)
        {
            try
            {
                performance.Midi.LoadJson(File.ReadAllText(ExpandHome(banks)));
                Console.WriteLine($"MIDI banks loaded from {banks}.");
            }
            catch (Exception e) when (e is IOException or ArgumentException or FormatException or System.Text.Json.JsonException)
            {
                Console.WriteLine($"MIDI banks not loaded from {banks}: {e.Message}");
            }
        }

        if (jack && config.MidiJackInput)
        {
            try
            {
                if (config.JackServer is { } server)
                {
                    LiveEngine.Midi.Transports.RtMidi.RtMidiPorts.UseJackServer(server);
                }

                performance.Attach(new LiveEngine.Midi.Transports.RtMidi.RtMidiInput("liveengine-midi", performance.Midi, config.MidiConnect));
                Console.WriteLine($"MIDI in: JACK port liveengine-midi:in{(config.MidiConnect is null ? "" : " ← " + config.MidiConnect)}.");
            }
            catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or EntryPointNotFoundException)
            {
                Console.WriteLine($"MIDI in (JACK) not opened: {e.Message}");
                log.Warning(e, "RtMidi JACK input not opened");
            }
        }

        if (config.MidiNetworkPort > 0)
        {
            if (!IPAddress.TryParse(config.MidiNetworkBind, out IPAddress? address))
            {
                throw new CliException($"[midi] network_bind '{config.MidiNetworkBind}' is not an IP address.");
            }

            try
            {
                MidiControl midi = performance.Midi;
                performance.Attach(new LiveEngine.Midi.Transports.Network.NetMidiHost((m, arrival) => midi.Receive(m, arrivalTimestamp: arrival), new IPEndPoint(address, config.MidiNetworkPort), "LiveEngine", sharedSecret: config.MidiNetworkSecret));
                Console.WriteLine($"MIDI in: Network MIDI 2.0 host on {address}:{config.MidiNetworkPort} (UDP{(config.MidiNetworkSecret is null ? "" : ", clients authenticate with the shared secret")}).");
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
            {
                Console.WriteLine($"Network MIDI 2.0 not opened: {e.Message}");
            }
        }
    }

    private static DriverHandle StartDriver(LiveSession session, EngineConfig config, out string description)
    {
        LiveRenderer renderer = session.Renderer;
        DriverChoice choice = ChooseDriver(config);
        string why = config.Driver == "auto" ? $" Driver auto: {choice.Reason}." : "";
        switch (choice.Kind)
        {
            case "jack":
                JackDriver jack;
                try
                {
                    jack = JackDriver.Start(renderer, config.SampleRate, "liveengine", config.JackServer);
                }
                catch (InvalidOperationException e)
                {
                    throw new CliException(e.Message);
                }

                description = string.Create(CultureInfo.InvariantCulture, $"Playing through JACK: {jack.SampleRate} Hz, {jack.BufferFrames}-frame buffers.{why}");
                return new DriverHandle("jack", jack.Stats, jack.BufferFrames, () => jack.IsShutDown, jack);
            case "portaudio":
                PortAudioDriver pa;
                try
                {
                    pa = PortAudioDriver.Start(renderer, config.SampleRate, config.BlockFrames, config.HostApi ?? choice.HostApi, config.Device);
                }
                catch (Exception e) when (e is InvalidOperationException or DllNotFoundException)
                {
                    throw new CliException(e.Message);
                }

                description = $"Playing through PortAudio ({pa.DeviceName}).{why}";
                return new DriverHandle("portaudio", pa.Stats, config.BlockFrames, static () => false, pa);
            default:
                // Silent, so latency does not matter: larger periods wake the pacing thread less often.
                int block = Math.Min(Math.Max(config.BlockFrames, 256), renderer.MaxBlockFrames);
                NullDriver paced = NullDriver.Start(renderer, config.SampleRate, block);
                description = config.Driver == "auto"
                    ? $"No audio device ({choice.Reason}): playing through the null driver, in real time but silent. The session log renders it: liveengine replay."
                    : "Playing through the null driver (real-time paced, silent).";
                return new DriverHandle("null", paced.Stats, block, static () => false, paced);
        }
    }

    internal static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]) : path;
}
