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

    // In-process engine only ([engine] gpu); the engine process has its own.
    private readonly Gpu.GpuConvolutionPlacement? _placement;

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
                DeferredAdmissionLimit = config.DeferredAdmissionLimit,
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
            Nodes.NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();

            // [engine] gpu in this process too: the convolutions' long partitions, launched between deferred blocks.
            Gpu.GpuMode gpu = GpuPlacementSetup.Parse(config.Gpu, "[engine] gpu");
            _placement = gpu == Gpu.GpuMode.Off ? null : GpuPlacementSetup.Install(gpu, Math.Min(config.DeferredBlockFrames, Options.Session.MaxBlockFrames), config.RenderAheadMs, offline: false, registry);
            Performance = new Performance(registry, Options, _executor);
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
            if (config.RenderAhead || _placement is not null)
            {
                local.StartRenderAhead(waitWhenEmpty: false, threadStarted: () => Hosts.RealTime.RealTimeThread.TryPromoteCurrentThread(60), deferredBlockHook: _placement);
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
        StartOsc(performance, config, _say);
        StartLink(config, log);

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

        StartStage(config, log);
        _say($"Session log: {SessionLogPath} (render it with: liveengine replay {SessionLogPath} --out session.wav)");
    }

    /// <summary>The browser stage view (docs/ui.md); null when [ui] port is 0 (the default) or it could not open.</summary>
    public Web.StageServer? Stage { get; private set; }

    /// <summary>Opens the stage view when repl.config [ui] port is set; a port it cannot take is said, not fatal.</summary>
    private void StartStage(EngineConfig config, Serilog.ILogger log)
    {
        if (config.UiPort == 0)
        {
            return;
        }

        if (!IPAddress.TryParse(config.UiBind, out IPAddress? bind))
        {
            throw new CliException($"[ui] bind '{config.UiBind}' is not an IP address.");
        }

        Web.StageServer? stage = null;
        try
        {
            stage = new Web.StageServer(Performance, new Web.StageServerOptions { Bind = bind, Port = config.UiPort, Token = config.UiToken, FramesPerSecond = config.UiFramesPerSecond });
            stage.Start();
            Stage = stage;
            _say($"Stage view: {stage.Url} (docs/ui.md).");
            log.Information("stage view on {Url}", stage.Url);
        }
        catch (Exception e) when (e is IOException or ArgumentException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            stage?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _say($"Stage view not opened: {e.Message}");
            log.Warning(e, "stage view not opened");
        }
    }

    /// <summary>Closes the stage view: no page follows the performance any more.</summary>
    public async ValueTask CloseStageAsync()
    {
        if (Stage is { } stage)
        {
            Stage = null;
            await stage.DisposeAsync().ConfigureAwait(false);
        }
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
        await CloseStageAsync().ConfigureAwait(false);
        await CloseEditorSocketAsync().ConfigureAwait(false);
        IEngineControl? current = Performance.Remote?.Engine;
        Performance.Dispose();
        _successor?.Dispose();
        (_executor as IDisposable)?.Dispose();
        _placement?.Dispose();
        current?.Dispose();
        _engine?.Dispose();
    }

    /// <summary>
    /// [link] enabled: in this process, the local session follows the Link session; with an engine process, the engine
    /// does (EngineLauncher passes --link-quantum) and this only tells the performer when Link cannot run, and why.
    /// </summary>
    private void StartLink(EngineConfig config, Serilog.ILogger log)
    {
        if (!config.LinkEnabled)
        {
            return;
        }

        if (Performance.LocalLink is { } local)
        {
            local.Options = new Hosts.Link.LinkOptions { Quantum = config.LinkQuantum, OutputLatencyMicros = (long)(config.LinkLatencyMs * 1000), StartStopSync = config.LinkStartStopSync };
        }

        // In this process: start the follower; with an engine process it started with --link-quantum, and this asks it.
        Hosts.Link.LinkReport report = Performance.SetLink(true);
        if (!report.Enabled)
        {
            string reason = report.Reason ?? "Ableton Link did not start (see the engine's log).";
            _say(reason);
            log.Warning("{Reason}", reason);
            return;
        }

        _say($"Ableton Link on (quantum {config.LinkQuantum.ToString(System.Globalization.CultureInfo.InvariantCulture)}): the clock follows the Link session on this network (docs/link.md).");
        log.Information("Ableton Link on, quantum {Quantum}", config.LinkQuantum);
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

    /// <summary>The OSC server and the SuperDirt endpoint repl.config asks for ([osc], [dirt], docs/sync.md).</summary>
    private static void StartOsc(Performance performance, EngineConfig config, Action<string> say)
    {
        if (config.DirtEnabled)
        {
            StartDirt(performance, config, say);
        }

        if (config.OscPort == 0)
        {
            return;
        }

        if (!IPAddress.TryParse(config.OscBind, out IPAddress? address))
        {
            throw new CliException($"[osc] bind '{config.OscBind}' is not an IP address.");
        }

        try
        {
            // Through the logged session: what OSC sets is in the session log, and a replay sets it on the same sample.
            var osc = new LiveEngine.Frontend.Osc.OscHost(performance.Logged, new IPEndPoint(address, config.OscPort), config.OscLatencyMs, config.OscTcp, config.OscAllowRemote);
            osc.Router.Delivered += performance.LogOsc;
            foreach (ILiveLanguage language in performance.Languages.All)
            {
                if (language is LiveEngine.Frontend.Osc.IOscListener listener)
                {
                    osc.Router.AddListener(listener);
                }
            }

            long lastNotice = 0;
            osc.Router.Refused += message =>
            {
                // A sender that keeps sending wrong messages gets one notice a second, not one per message.
                long now = Environment.TickCount64;
                if (now - Interlocked.Read(ref lastNotice) >= 1000)
                {
                    Interlocked.Exchange(ref lastNotice, now);
                    performance.Notify(NoticeLevel.Warning, "osc", message);
                }
            };
            performance.Attach(osc);
            say($"OSC in: {address}:{config.OscPort} (UDP{(config.OscTcp ? ", TCP with SLIP framing" : "")}; latency {config.OscLatencyMs} ms).");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
        {
            say($"OSC not opened: {e.Message}");
        }
    }

    private static void StartDirt(Performance performance, EngineConfig config, Action<string> say)
    {
        if (!IPAddress.TryParse(config.DirtBind, out IPAddress? address))
        {
            throw new CliException($"[dirt] bind '{config.DirtBind}' is not an IP address.");
        }

        try
        {
            ILiveSession session = performance.Logged;
            int rate = session.Options.SampleRate;
            var map = new LiveEngine.Osc.OscTimeMap(rate, (long)Math.Round(config.OscLatencyMs * rate / 1000.0), LiveEngine.Osc.OscTimeTag.Now, session.Position);
            var dirt = new LiveEngine.Frontend.Dirt.DirtHost(session, performance.Samples, map, new IPEndPoint(address, config.DirtPort), config.OscAllowRemote)
            {
                SampleLoaded = performance.LogSample,

                // Link leads the tempo when it is on: two tempo authorities would fight.
                BeatsPerCycle = config.DirtFollowCps && !config.LinkEnabled ? config.DirtBeatsPerCycle : 0,
            };
            var resync = new Timer(_ => map.Resync(LiveEngine.Osc.OscTimeTag.Now, session.Position, (long)(LiveEngine.Frontend.Osc.OscHost.ResyncToleranceMs * rate / 1000)), null, 100, 100);
            long lastNotice = 0;
            dirt.Refused += message =>
            {
                long now = Environment.TickCount64;
                if (now - Interlocked.Read(ref lastNotice) >= 1000)
                {
                    Interlocked.Exchange(ref lastNotice, now);
                    performance.Notify(NoticeLevel.Warning, "dirt", message);
                }
            };
            performance.Attach(resync);
            performance.Attach(dirt);
            string tempo = dirt.BeatsPerCycle > 0 ? $"the tempo follows cps at {dirt.BeatsPerCycle} beats per cycle" : config.DirtFollowCps ? "cps does not set the tempo: Link leads it" : "cps does not set the tempo (follow_cps = false)";
            say($"SuperDirt: /dirt/play on {address}:{config.DirtPort} (UDP), sounds from {(performance.Samples.Folders.Count == 0 ? "no sample folders: set [repl] sample_folders" : string.Join(", ", performance.Samples.Folders))}; {tempo}.");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
        {
            say($"SuperDirt endpoint not opened: {e.Message}");
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
