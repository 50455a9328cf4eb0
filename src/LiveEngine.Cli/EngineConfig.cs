namespace LiveEngine.Cli;

/// <summary>
/// The tables of <c>repl.config</c>: defaults for the stream format, the scheduler and the audio driver that the
/// command-line flags override (<c>[engine]</c>, <c>[driver]</c>), and the front end's own (<c>[socket]</c>, <c>[repl]</c>,
/// <c>[log]</c>, <c>[midi]</c>). The file is TOML 1.1, read by <see cref="EngineConfigReader"/> (Tomlyn), which names the file,
/// the line, the key and what it accepts for every mistake.
/// </summary>
internal sealed record EngineConfig
{
    public const string FileName = "repl.config";

    /// <summary>Most worker threads, as <c>--threads</c> takes (Cli.CreateExecutor).</summary>
    public const int MaxThreads = 256;

    /// <summary>Frames per second. Default 48000.</summary>
    public int SampleRate { get; init; } = 48_000;

    /// <summary>Frames per block. Default 64.</summary>
    public int BlockFrames { get; init; } = 64;

    /// <summary>Worker threads, the calling thread included. Default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>critical-path, steal or wavefront. Default critical-path.</summary>
    public string Policy { get; init; } = "critical-path";

    /// <summary>The REPL plays through an engine process of its own (true), or renders in its own process (false). Default true.</summary>
    public bool EngineProcess { get; init; } = true;

    /// <summary>The engine process's control socket; null for the default (<c>$XDG_RUNTIME_DIR/liveengine-engine.sock</c>, else the temp folder).</summary>
    public string? EngineSocket { get; init; }

    /// <summary>Session seed. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>auto, jack, portaudio, null or offline. Default auto.</summary>
    public string Driver { get; init; } = "auto";

    /// <summary>JACK server name; null for the default server.</summary>
    public string? JackServer { get; init; }

    /// <summary>PortAudio host API by name; null for any.</summary>
    public string? HostApi { get; init; }

    /// <summary>PortAudio device by (part of) its name; null for the host API's default.</summary>
    public string? Device { get; init; }

    /// <summary>Tempo at the start, BPM. Default 120.</summary>
    public double Tempo { get; init; } = 120;

    /// <summary>Beats per bar at the start. Default 4.</summary>
    public int BeatsPerBar { get; init; } = 4;

    /// <summary>[engine] admission: refuse, warn or off, for a commit predicted over <see cref="AdmissionLimit"/>. Default refuse.</summary>
    public string Admission { get; init; } = "refuse";

    /// <summary>[engine] admission_limit: the share of the block deadline a commit's predicted real-time block time may take. Default 0.7.</summary>
    public double AdmissionLimit { get; init; } = 0.7;

    /// <summary>[engine] render_ahead: whether <c>play</c> and <c>render</c> render deferrable graphs ahead of the device. Default false.</summary>
    public bool RenderAhead { get; init; }

    /// <summary>[engine] render_ahead_ms: how far ahead. Default 100.</summary>
    public double RenderAheadMs { get; init; } = 100;

    /// <summary>[engine] deferred_block_frames: the deferred domain's block. Default 1024.</summary>
    public int DeferredBlockFrames { get; init; } = 1024;

    /// <summary>[engine] deferred_admission_limit: the share of the deferred block's duration a commit's predicted deferred (render-ahead) block time may take. Default 1.</summary>
    public double DeferredAdmissionLimit { get; init; } = 1.0;

    /// <summary>[engine] gpu: off, auto or cpu-accelerator: where convolutions' long partitions run in <c>play</c> and <c>render</c> with render-ahead (docs/convolution.md, "GPU placement"). Default off.</summary>
    public string Gpu { get; init; } = "off";

    /// <summary>
    /// [engine] audio_cpus: a CPU list (<c>1</c>, <c>2-3</c>) for the engine's audio thread and workers, every other
    /// thread of the engine process kept off it (docs/audio.md, "Late periods"); null (<c>""</c> or <c>"off"</c>): the OS
    /// places every thread. Default off.
    /// </summary>
    public string? AudioCpus { get; init; }

    /// <summary><see cref="Admission"/> as the session's policy.</summary>
    public Live.AdmissionPolicy AdmissionPolicy => Cli.ParseAdmission(Admission);

    /// <summary>[socket] enabled: whether the REPL opens the editor socket. Default true.</summary>
    public bool SocketEnabled { get; init; } = true;

    /// <summary>[socket] bind: the address the editor socket listens on. Default 127.0.0.1 (loopback).</summary>
    public string SocketBind { get; init; } = "127.0.0.1";

    /// <summary>[socket] port. Default 7771.</summary>
    public int SocketPort { get; init; } = 7771;

    /// <summary>[socket] token: required from clients when set; any non-loopback bind needs one. Default none.</summary>
    public string? SocketToken { get; init; }

    /// <summary>[socket] max_message_bytes. Default 1048576.</summary>
    public int SocketMaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>[socket] messages_per_second per connection. Default 500.</summary>
    public int SocketMessagesPerSecond { get; init; } = 500;

    /// <summary>[ui] port: the browser stage view's port (docs/ui.md); 0 turns it off. Default 0 (off).</summary>
    public int UiPort { get; init; }

    /// <summary>[ui] bind: the address the stage view listens on; anything but loopback needs [ui] token. Default 127.0.0.1.</summary>
    public string UiBind { get; init; } = "127.0.0.1";

    /// <summary>[ui] token: when set, the page's address must carry it (…/?token=…). Default none.</summary>
    public string? UiToken { get; init; }

    /// <summary>[ui] frames_per_second: updates sent to each page, 30..60. Default 30.</summary>
    public int UiFramesPerSecond { get; init; } = 30;

    /// <summary>[repl] mode: lua or cs. Default lua.</summary>
    public string ReplMode { get; init; } = "lua";

    /// <summary>[repl] history: the history file. Default ~/.liveengine_history.</summary>
    public string ReplHistory { get; init; } = "~/.liveengine_history";

    /// <summary>[repl] quantize: when typed code's commits land. Default bar.</summary>
    public string ReplQuantize { get; init; } = "bar";

    /// <summary>[repl] session_log: the folder session logs go to. Default sessions.</summary>
    public string SessionLogFolder { get; init; } = "sessions";

    /// <summary>[repl] sample_folders: folders (separated by ':') code may load samples from. Default none.</summary>
    public string SampleFolders { get; init; } = "";

    /// <summary>[repl] cs_timeout_ms: how long a C# snippet's code may run before it is stopped. Default 50.</summary>
    public int CSharpTimeoutMs { get; init; } = 50;

    /// <summary>The C# snippet limits <see cref="CSharpTimeoutMs"/> sets.</summary>
    public LiveEngine.CSharp.SnippetLimits CSharpLimits => new() { EvaluationTimeout = TimeSpan.FromMilliseconds(CSharpTimeoutMs) };

    /// <summary>[log] path: the log file. Default liveengine.log.</summary>
    public string LogPath { get; init; } = "liveengine.log";

    /// <summary>[log] level: verbose, debug, information, warning, error. Default information.</summary>
    public string LogLevel { get; init; } = "information";

    /// <summary>[midi] jack_input: open a JACK MIDI input (RtMidi) when playing through JACK. Default true.</summary>
    public bool MidiJackInput { get; init; } = true;

    /// <summary>[midi] connect: a JACK MIDI port to connect the input to (a controller). Default none.</summary>
    public string? MidiConnect { get; init; }

    /// <summary>[midi] network_port: UDP port of the Network MIDI 2.0 host endpoint; 0 for none. Default 0.</summary>
    public int MidiNetworkPort { get; init; }

    /// <summary>[midi] network_bind: the address it listens on. Default 0.0.0.0.</summary>
    public string MidiNetworkBind { get; init; } = "0.0.0.0";

    /// <summary>[midi] network_secret: the shared secret clients authenticate with; required beyond loopback. Default none.</summary>
    public string? MidiNetworkSecret { get; init; }

    /// <summary>[midi] bank_size: controllers per bank. Default 32.</summary>
    public int MidiBankSize { get; init; } = 32;

    /// <summary>[midi] banks: a saved bank file to load at the start. Default none.</summary>
    public string? MidiBanks { get; init; }

    /// <summary>[osc] port: the OSC server's UDP (and TCP, SLIP-framed) port; 0 for none. Default 0.</summary>
    public int OscPort { get; init; }

    /// <summary>[osc] bind: the address it listens on. Default 127.0.0.1.</summary>
    public string OscBind { get; init; } = "127.0.0.1";

    /// <summary>[osc] allow_remote: allow a bind beyond loopback (OSC has no authentication). Default false.</summary>
    public bool OscAllowRemote { get; init; }

    /// <summary>[osc] tcp: also accept TCP connections with SLIP framing on the same port. Default true.</summary>
    public bool OscTcp { get; init; } = true;

    /// <summary>[osc] latency_ms: added to every OSC time tag (and to messages that have none). Default 20.</summary>
    public double OscLatencyMs { get; init; } = 20;

    /// <summary>[dirt] enabled: accept SuperDirt's /dirt/play (Tidal, Strudel). Default false.</summary>
    public bool DirtEnabled { get; init; }

    /// <summary>[dirt] port: the UDP port SuperDirt listens on. Default 57120.</summary>
    public int DirtPort { get; init; } = 57120;

    /// <summary>[dirt] bind: the address it listens on; beyond loopback needs [osc] allow_remote. Default 127.0.0.1.</summary>
    public string DirtBind { get; init; } = "127.0.0.1";

    /// <summary>[dirt] follow_cps: the tempo follows the events' cps (cps × 60 × beats_per_cycle BPM) unless [link] is enabled. Default true.</summary>
    public bool DirtFollowCps { get; init; } = true;

    /// <summary>[dirt] beats_per_cycle: beats in one Tidal cycle, for follow_cps. Default 4.</summary>
    public double DirtBeatsPerCycle { get; init; } = 4;

    /// <summary>[link] enabled: the engine's clock follows an Ableton Link session on the local network (docs/link.md). Default false.</summary>
    public bool LinkEnabled { get; init; }

    /// <summary>[link] quantum: beats over which phase is shared with the peers. Default 4.</summary>
    public double LinkQuantum { get; init; } = 4;

    /// <summary>[link] latency_ms: output latency, from rendering a sample to hearing it. Default 0.</summary>
    public double LinkLatencyMs { get; init; }

    /// <summary>[link] start_stop_sync: share start and stop with the peers. Default true.</summary>
    public bool LinkStartStopSync { get; init; } = true;

    /// <summary>Where the values came from, for messages.</summary>
    public string Source { get; init; } = "built-in defaults";

    /// <summary>Reads <paramref name="path"/>, or <c>repl.config</c> in the working directory if it exists, else the defaults.</summary>
    public static EngineConfig Load(string? path)
    {
        if (path is null)
        {
            path = Path.Combine(Environment.CurrentDirectory, FileName);
            if (!File.Exists(path))
            {
                return new EngineConfig();
            }
        }
        else if (!File.Exists(path))
        {
            throw new CliException($"Config file not found: {path}");
        }

        return Parse(File.ReadAllLines(path), path);
    }

    /// <summary>Reads the lines of a TOML file named <paramref name="name"/> (for messages).</summary>
    /// <exception cref="CliException">A mistake, as <c>name:line: what is wrong and what is accepted</c>.</exception>
    public static EngineConfig Parse(IReadOnlyList<string> lines, string name) => EngineConfigReader.Read(string.Join('\n', lines), name);
}
