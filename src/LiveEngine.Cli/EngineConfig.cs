using System.Globalization;

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

    private static readonly string[] s_keys = ["sample_rate", "block_frames", "threads", "policy", "seed"];
    private static readonly string[] s_driverKeys = ["name", "jack_server", "host_api", "device"];

    /// <summary>Frames per second. Default 48000.</summary>
    public int SampleRate { get; init; } = 48_000;

    /// <summary>Frames per block. Default 64.</summary>
    public int BlockFrames { get; init; } = 64;

    /// <summary>Worker threads, the calling thread included. Default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>critical-path, steal or wavefront. Default critical-path.</summary>
    public string Policy { get; init; } = "critical-path";

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
                continue;
            }

            int equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new CliException($"{where}: expected 'key = value', found '{line}'.");
            }

            string key = line[..equals].Trim();
            string raw = line[(equals + 1)..].Trim();
            if (table is not "engine" and not "driver")
            {
                // Tables of later issues (midi, socket, repl) are theirs to read.
                continue;
            }

            if (!seen.Add(table + "." + key))
            {
                throw new CliException($"{where}: key '{key}' is set twice in [{table}].");
            }

            if (table == "driver")
            {
                config = key switch
                {
                    "name" => config with { Driver = String(raw, key, where) },
                    "jack_server" => config with { JackServer = String(raw, key, where) },
                    "host_api" => config with { HostApi = String(raw, key, where) },
                    "device" => config with { Device = String(raw, key, where) },
                    _ => throw new CliException($"{where}: unknown key '{key}' in [driver]. Known keys: {string.Join(", ", s_driverKeys)}."),
                };
                continue;
            }

            config = key switch
            {
                "sample_rate" => config with { SampleRate = Integer(raw, key, where) },
                "block_frames" => config with { BlockFrames = Integer(raw, key, where) },
                "threads" => config with { Threads = Integer(raw, key, where) },
                "seed" => config with { Seed = Integer(raw, key, where) },
                "policy" => config with { Policy = String(raw, key, where) },
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

    private static string String(string raw, string key, string where) =>
        raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"'
            ? raw[1..^1]
            : throw new CliException($"{where}: '{key}' must be a string in double quotes, not {raw}.");
}
