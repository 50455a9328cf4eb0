using System.CommandLine;
using System.Globalization;
using System.Net;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
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
/// One performance as a service: the engine (in its own process, attached to or started, with a standby engine
/// ready to take over; or in this process, with a driver), the languages, the MIDI inputs, the editor socket and
/// the session log, as repl.config sets them up. The REPL (<c>liveengine</c>) and the headless server
/// (<c>liveengine serve</c>) each host one; the REPL's prompt and the editor socket are its clients.
/// </summary>
internal sealed class PerformanceHost : IAsyncDisposable
{
    private readonly EngineClient? _engine;
    private readonly EngineSuccessor? _successor;
    private readonly Execution.IGraphExecutor? _executor;
    private readonly Action<string> _say;

    /// <param name="config">repl.config, with the command line's overrides.</param>
    /// <param name="sessionLog">The session log file.</param>
    /// <param name="logPath">The log file: the engine process logs next to it.</param>
    /// <param name="log">Where notices and events are logged.</param>
    /// <param name="say">Where the lines for the performer go (what plays, where the socket listens).</param>
    private PerformanceHost(EngineConfig config, string sessionLog, string logPath, Serilog.ILogger log, Action<string> say)
    {
        _say = say;
        SessionLogPath = sessionLog;
        Options = new PerformanceOptions
        {
            Session = new LiveSessionOptions
            {
                SampleRate = config.SampleRate,
                MaxBlockFrames = Math.Max(config.BlockFrames, 1024),
                Seed = (ulong)config.Seed,
                Tempo = Fraction.FromDecimal((decimal)config.Tempo),
                BeatsPerBar = config.BeatsPerBar,
                DeviceBlockFrames = config.BlockFrames,
                Admission = config.AdmissionPolicy,
                AdmissionLimit = config.AdmissionLimit,
                RenderAheadMs = config.RenderAheadMs,
                DeferredBlockFrames = config.DeferredBlockFrames,
            },
            BlockFrames = config.BlockFrames,
            LogPath = sessionLog,
            MidiBankSize = config.MidiBankSize,
            SampleFolders = [.. config.SampleFolders.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ExpandHome)],
        };
        if (config.EngineProcess)
        {
            (_engine, DriverText) = EngineLauncher.AttachEngine(config, logPath);
            EngineSuccessor next = _successor = EngineLauncher.StandbyEngine(config, logPath);
            Performance = new Performance(BuiltinNodeTypes.CreateRegistry(), Options, new RemoteSession(_engine, Options.Session))
            {
                EngineRestarter = remote => EngineLauncher.RestartEngine(remote, next),
            };
        }
        else
        {
            _executor = Cli.CreateExecutor(config.Threads, config.Policy);
            Performance = new Performance(BuiltinNodeTypes.CreateRegistry(), Options, _executor);
            DriverText = "";
        }
    }

    public Performance Performance { get; }

    public PerformanceOptions Options { get; }

    /// <summary>What plays the performance, for the performer: the engine process and its driver.</summary>
    public string DriverText { get; private set; }

    public string SessionLogPath { get; }

    /// <summary>The editor socket; null when repl.config turns it off or it could not open.</summary>
    public EditorServer? EditorSocket { get; private set; }

    /// <summary>
    /// Sets up the performance repl.config describes and starts it playing: the engine, the languages, the control
    /// thread, MIDI and the editor socket. Throws <see cref="CliException"/> (nothing left running) when it cannot.
    /// </summary>
    public static PerformanceHost Start(EngineConfig config, string sessionLog, string logPath, Serilog.ILogger log, Action<string> say)
    {
        var host = new PerformanceHost(config, sessionLog, logPath, log, say);
        try
        {
            host.Play(config, log);
            return host;
        }
        catch
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private void Play(EngineConfig config, Serilog.ILogger log)
    {
        Performance performance = Performance;
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
            NodeTypeWarmUp.Run(performance.Registry, Options.Session.SampleRate, Options.Session.MaxBlockFrames);
            if (config.RenderAhead)
            {
                local.StartRenderAhead(waitWhenEmpty: false, threadStarted: () => Hosts.RealTime.RealTimeThread.TryPromoteCurrentThread(60));
            }

            local.Renderer.WarmUp();
            DriverHandle driver = StartDriver(local, config, out string driverText);
            DriverText = driverText;
            performance.Play(driver);
            driverName = driver.Name;
        }
        else
        {
            performance.StartControl();
            driverName = _engine!.Info.Driver;
        }

        log.Information("performance started: {Driver}; session log {SessionLog}", DriverText, SessionLogPath);
        _say(DriverText);

        StartMidi(performance, config, driverName == "jack", log, _say);

        if (config.SocketEnabled)
        {
            if (!IPAddress.TryParse(config.SocketBind, out IPAddress? bind))
            {
                throw new CliException($"[socket] bind '{config.SocketBind}' is not an IP address.");
            }

            try
            {
                var server = new EditorServer(performance, new EditorServerOptions
                {
                    Bind = bind,
                    Port = config.SocketPort,
                    Token = config.SocketToken,
                    MaxMessageBytes = config.SocketMaxMessageBytes,
                    MessagesPerSecond = config.SocketMessagesPerSecond,
                });
                server.Start();
                EditorSocket = server;
                _say($"Editor socket: {bind}:{server.Port} (JSON-RPC 2.0, LSP framing; docs/protocol.md).");
                log.Information("editor socket on {Bind}:{Port}", bind, server.Port);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
            {
                _say($"Editor socket not opened: {e.Message}");
                log.Warning(e, "editor socket not opened");
            }
        }

        _say($"Session log: {SessionLogPath} (render it with: liveengine replay {SessionLogPath} --out session.wav)");
    }

    /// <summary>Closes the editor socket: no client drives the performance any more.</summary>
    public async ValueTask CloseEditorSocketAsync()
    {
        if (EditorSocket is { } server)
        {
            EditorSocket = null;
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the engine process (one that went away on purpose is not replaced); in this process, nothing to do.</summary>
    public void StopEngine()
    {
        if (Performance.Remote is not { } remote)
        {
            return;
        }

        // An engine that went away on purpose is neither reported nor replaced.
        Performance.StopControl();
        try
        {
            Performance.EngineRestarter = null;
            remote.Engine.Shutdown();
        }
        catch (Exception e) when (e is EngineRequestException or IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            _say($"The engine process did not stop cleanly: {e.Message}");
        }
    }

    /// <summary>Closes the socket and the performance (its MIDI inputs, languages and session log); the engine process plays on unless <see cref="StopEngine"/> stopped it.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseEditorSocketAsync().ConfigureAwait(false);
        IEngineControl? current = Performance.Remote?.Engine;
        Performance.Dispose();
        _successor?.Dispose();
        (_executor as IDisposable)?.Dispose();
        current?.Dispose();
        _engine?.Dispose();
    }

    /// <summary>The controller inputs repl.config asks for: a JACK MIDI input (RtMidi) and a Network MIDI 2.0 endpoint.</summary>
    private static void StartMidi(Performance performance, EngineConfig config, bool jack, Serilog.ILogger log, Action<string> say)
    {
        if (config.MidiBanks is { } banks)
        {
            try
            {
                performance.Midi.LoadJson(File.ReadAllText(PerformanceHost.ExpandHome(banks)));
                say($"MIDI banks loaded from {banks}.");
            }
            catch (Exception e) when (e is IOException or ArgumentException or FormatException or System.Text.Json.JsonException)
            {
                say($"MIDI banks not loaded from {banks}: {e.Message}");
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
                say($"MIDI in: JACK port liveengine-midi:in{(config.MidiConnect is null ? "" : " ← " + config.MidiConnect)}.");
            }
            catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or EntryPointNotFoundException)
            {
                say($"MIDI in (JACK) not opened: {e.Message}");
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
                say($"MIDI in: Network MIDI 2.0 host on {address}:{config.MidiNetworkPort} (UDP{(config.MidiNetworkSecret is null ? "" : ", clients authenticate with the shared secret")}).");
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
            {
                say($"Network MIDI 2.0 not opened: {e.Message}");
            }
        }
    }

    private static DriverHandle StartDriver(LiveSession session, EngineConfig config, out string description)
    {
        LiveRenderer renderer = session.Renderer;
        DriverChoice choice = EngineLauncher.ChooseDriver(config);
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

    /// <summary><c>--driver</c>: overrides repl.config [driver] name (the REPL and the server take it).</summary>
    public static Option<string?> DriverOption() => new("--driver", "-d") { Description = "auto (JACK if a server runs, else null), jack, portaudio or null (repl.config [driver] name)." };

    /// <summary><c>--port</c>: overrides repl.config [socket] port.</summary>
    public static Option<int?> PortOption() => new("--port") { Description = "Editor socket port (repl.config [socket] port; 0 for any free port)." };

    /// <summary><c>--session-log</c>: the session log file.</summary>
    public static Option<string?> SessionLogOption() => new("--session-log") { Description = "Session log file (default: a new file in repl.config [repl] session_log)." };

    /// <summary>repl.config with <c>--driver</c> and <c>--port</c> applied; a port out of range is a <see cref="CliException"/>.</summary>
    public static EngineConfig WithOverrides(EngineConfig config, ParseResult result, Option<string?> driver, Option<int?> port)
    {
        config = config with
        {
            Driver = result.GetValue(driver) ?? config.Driver,
            SocketPort = result.GetValue(port) ?? config.SocketPort,
        };
        if (config.SocketPort is < 0 or > 65535)
        {
            throw new CliException($"--port must be 0..65535, not {config.SocketPort}.");
        }

        return config;
    }

    /// <summary>The log: repl.config [log] path at [log] level, and standard error too when <paramref name="toStandardError"/> (the headless server).</summary>
    public static Serilog.Core.Logger CreateLog(EngineConfig config, string logPath, bool toStandardError)
    {
        LoggerConfiguration log = new LoggerConfiguration()
            .MinimumLevel.Is(config.LogLevel switch
            {
                "verbose" => LogEventLevel.Verbose,
                "debug" => LogEventLevel.Debug,
                "warning" => LogEventLevel.Warning,
                "error" => LogEventLevel.Error,
                _ => LogEventLevel.Information,
            })
            .WriteTo.File(logPath, flushToDiskInterval: TimeSpan.FromSeconds(1));
        return (toStandardError ? log.WriteTo.Sink(new StandardErrorSink()) : log).CreateLogger();
    }

    /// <summary>A new file in repl.config [repl] session_log.</summary>
    public static string DefaultSessionLog(EngineConfig config) =>
        Path.Combine(ExpandHome(config.SessionLogFolder), $"session-{DateTime.Now:yyyyMMdd-HHmmss}.jsonl");

    internal static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]) : path;
}
