using System.Globalization;
using LiveEngine.Snapshots;

namespace LiveEngine.Cli;

/// <summary>
/// The <c>[engine]</c> and <c>[driver]</c> tables of <c>repl.config</c>: defaults for the stream format, the
/// scheduler and the audio driver that the command-line flags override. The file is TOML; this reader takes the part of TOML the file uses (tables,
/// <c>key = value</c> with integers, floats, booleans and basic strings, <c># comments</c>) and names the line
/// of anything else. The REPL issue extends the file with its own tables (MIDI, socket, history).
/// </summary>
internal sealed record EngineConfig
{
    public const string FileName = "repl.config";

    private static readonly string[] s_keys = ["sample_rate", "block_frames", "threads", "policy", "seed", "tempo", "beats_per_bar", "process", "socket"];
    private static readonly string[] s_driverKeys = ["name", "jack_server", "host_api", "device"];
    private static readonly string[] s_socketKeys = ["enabled", "bind", "port", "token", "max_message_bytes", "messages_per_second"];
    private static readonly string[] s_replKeys = ["mode", "history", "quantize", "session_log", "sample_folders", "cs_timeout_ms"];
    private static readonly string[] s_logKeys = ["path", "level"];
    private static readonly string[] s_midiKeys = ["jack_input", "connect", "network_port", "network_bind", "network_secret", "bank_size", "banks"];
    private static readonly string[] s_drivers = ["auto", "jack", "portaudio", "null", "offline"];
    private static readonly string[] s_policies = ["critical-path", "steal", "wavefront"];

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

    public static EngineConfig Parse(IReadOnlyList<string> lines, string name)
    {
        var config = new EngineConfig { Source = name };
        string table = "";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int n = 0; n < lines.Count; n++)
        {
            string where = $"{name}:{n + 1}";
            string line = StripComment(lines[n], where).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                if (!line.EndsWith(']') || line.StartsWith("[["))
                {
                    throw new CliException($"{where}: a table header is written [name].");
                }

                table = line[1..^1].Trim();
                if (table is not ("engine" or "driver" or "socket" or "repl" or "log" or "midi"))
                {
                    throw new CliException($"{where}: unknown table [{table}]. Known tables: engine, driver, socket, repl, log, midi.");
                }

                continue;
            }

            int equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new CliException($"{where}: expected 'key = value', found '{line}'.");
            }

            string key = line[..equals].Trim();
            string raw = line[(equals + 1)..].Trim();
            if (table.Length == 0)
            {
                throw new CliException($"{where}: '{key}' comes before any table; put it under [engine], [driver], [socket], [repl], [log] or [midi].");
            }

            if (!seen.Add(table + "." + key))
            {
                throw new CliException($"{where}: key '{key}' is set twice in [{table}].");
            }

            if (table == "driver")
            {
                config = key switch
                {
                    "name" => config with { Driver = OneOf(String(raw, key, where), s_drivers, key, where) },
                    "jack_server" => config with { JackServer = String(raw, key, where) },
                    "host_api" => config with { HostApi = String(raw, key, where) },
                    "device" => config with { Device = String(raw, key, where) },
                    _ => throw new CliException($"{where}: unknown key '{key}' in [driver]. Known keys: {string.Join(", ", s_driverKeys)}."),
                };
                continue;
            }

            if (table == "socket")
            {
                config = key switch
                {
                    "enabled" => config with { SocketEnabled = Boolean(raw, key, where) },
                    "bind" => config with { SocketBind = Address(String(raw, key, where), key, where) },
                    "port" => config with { SocketPort = Range(Integer(raw, key, where), 0, 65535, key, where) },
                    "token" => config with { SocketToken = String(raw, key, where) is { Length: > 0 } token ? token : null },
                    "max_message_bytes" => config with { SocketMaxMessageBytes = Range(Integer(raw, key, where), 1024, 64 << 20, key, where) },
                    "messages_per_second" => config with { SocketMessagesPerSecond = Range(Integer(raw, key, where), 1, 100_000, key, where) },
                    _ => throw new CliException($"{where}: unknown key '{key}' in [socket]. Known keys: {string.Join(", ", s_socketKeys)}."),
                };
                continue;
            }

            if (table == "repl")
            {
                config = key switch
                {
                    "mode" => config with { ReplMode = OneOf(String(raw, key, where), ["lua", "cs"], key, where) },
                    "history" => config with { ReplHistory = String(raw, key, where) },
                    "quantize" => config with { ReplQuantize = Quantize(String(raw, key, where), key, where) },
                    "session_log" => config with { SessionLogFolder = String(raw, key, where) },
                    "sample_folders" => config with { SampleFolders = String(raw, key, where) },
                    "cs_timeout_ms" => config with { CSharpTimeoutMs = Range(Integer(raw, key, where), 1, 600_000, key, where) },
                    _ => throw new CliException($"{where}: unknown key '{key}' in [repl]. Known keys: {string.Join(", ", s_replKeys)}."),
                };
                continue;
            }

            if (table == "midi")
            {
                config = key switch
                {
                    "jack_input" => config with { MidiJackInput = Boolean(raw, key, where) },
                    "connect" => config with { MidiConnect = String(raw, key, where) is { Length: > 0 } port ? port : null },
                    "network_port" => config with { MidiNetworkPort = Range(Integer(raw, key, where), 0, 65535, key, where) },
                    "network_bind" => config with { MidiNetworkBind = Address(String(raw, key, where), key, where) },
                    "network_secret" => config with { MidiNetworkSecret = String(raw, key, where) is { Length: > 0 } secret ? secret : null },
                    "bank_size" => config with { MidiBankSize = Range(Integer(raw, key, where), 1, 128, key, where) },
                    "banks" => config with { MidiBanks = String(raw, key, where) is { Length: > 0 } banks ? banks : null },
                    _ => throw new CliException($"{where}: unknown key '{key}' in [midi]. Known keys: {string.Join(", ", s_midiKeys)}."),
                };
                continue;
            }

            if (table == "log")
            {
                config = key switch
                {
                    "path" => config with { LogPath = String(raw, key, where) },
                    "level" => config with { LogLevel = OneOf(String(raw, key, where), ["verbose", "debug", "information", "warning", "error"], key, where) },
                    _ => throw new CliException($"{where}: unknown key '{key}' in [log]. Known keys: {string.Join(", ", s_logKeys)}."),
                };
                continue;
            }

            config = key switch
            {
                "tempo" => config with { Tempo = RangeD(Number(raw, key, where), 1, 999, key, where) },
                "beats_per_bar" => config with { BeatsPerBar = Range(Integer(raw, key, where), 1, 64, key, where) },
                "sample_rate" => config with { SampleRate = Range(Integer(raw, key, where), CompileOptions.MinSampleRate, CompileOptions.MaxSampleRate, key, where) },
                "block_frames" => config with { BlockFrames = Range(Integer(raw, key, where), 1, CompileOptions.MaxBlockLimit, key, where) },
                "threads" => config with { Threads = Range(Integer(raw, key, where), 1, MaxThreads, key, where) },
                "seed" => config with { Seed = Integer(raw, key, where) },
                "policy" => config with { Policy = OneOf(String(raw, key, where), s_policies, key, where) },
                "process" => config with { EngineProcess = Boolean(raw, key, where) },
                "socket" => config with { EngineSocket = String(raw, key, where) is { Length: > 0 } path ? path : null },
                _ => throw new CliException($"{where}: unknown key '{key}' in [engine]. Known keys: {string.Join(", ", s_keys)}."),
            };
        }

        return config;
    }

    private static string StripComment(string line, string where)
    {
        bool inString = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"' && (i == 0 || line[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (c == '#' && !inString)
            {
                return line[..i];
            }
        }

        return inString ? throw new CliException($"{where}: unterminated string.") : line;
    }

    private static int Integer(string raw, string key, string where) =>
        int.TryParse(raw.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new CliException($"{where}: '{key}' must be an integer, not {raw}.");

    private static double Number(string raw, string key, string where) =>
        double.TryParse(raw.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new CliException($"{where}: '{key}' must be a number, not {raw}.");

    private static bool Boolean(string raw, string key, string where) => raw switch
    {
        "true" => true,
        "false" => false,
        _ => throw new CliException($"{where}: '{key}' must be true or false, not {raw}."),
    };

    private static int Range(int value, int min, int max, string key, string where) =>
        value >= min && value <= max ? value : throw new CliException($"{where}: '{key}' must be {min}..{max}, not {value}.");

    private static double RangeD(double value, double min, double max, string key, string where) =>
        value >= min && value <= max ? value : throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{where}: '{key}' must be {min}..{max}, not {value}."));

    private static string OneOf(string value, string[] allowed, string key, string where) =>
        allowed.Contains(value) ? value : throw new CliException($"{where}: '{key}' must be one of {string.Join(", ", allowed)}, not \"{value}\".");

    private static string Quantize(string value, string key, string where) =>
        LiveEngine.Time.Quantization.TryParse(value, out _, out string? error) ? value : throw new CliException($"{where}: '{key}': {error}");

    private static string Address(string value, string key, string where) =>
        System.Net.IPAddress.TryParse(value, out _) ? value : throw new CliException($"{where}: '{key}' must be an IP address (e.g. \"127.0.0.1\" or \"0.0.0.0\"), not \"{value}\".");

    private static string String(string raw, string key, string where) =>
        raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"'
            ? raw[1..^1]
            : throw new CliException($"{where}: '{key}' must be a string in double quotes, not {raw}.");
}
