using System.Globalization;
using LiveEngine.Snapshots;
using Tomlyn;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using Tomlyn.Text;

namespace LiveEngine.Cli;

/// <summary>
/// Reads <c>repl.config</c> into an <see cref="EngineConfig"/> with Tomlyn's pull parser, so the whole of TOML 1.1 is
/// accepted (comments anywhere, quoted and dotted keys, inline tables, literal and multi-line strings, escapes,
/// hexadecimal and underscored integers). Every mistake stops the read with <c>file:line:</c> and what is wrong: a TOML
/// syntax error (Tomlyn's words), an unknown table or key (with the known ones), or a value of the wrong type or out of
/// range (with the key and what it accepts). A value that is not valid TOML is reported as the key's wrong value, with
/// what the key accepts.
/// </summary>
internal sealed class EngineConfigReader
{
    private static readonly string[] s_tables = ["engine", "driver", "socket", "repl", "log", "midi", "ui", "osc", "dirt", "link"];
    private static readonly string[] s_engineKeys = ["sample_rate", "block_frames", "threads", "policy", "seed", "tempo", "beats_per_bar", "process", "socket", "admission", "admission_limit", "render_ahead", "render_ahead_ms", "deferred_block_frames", "gpu", "deferred_admission_limit", "audio_cpus"];
    private static readonly string[] s_driverKeys = ["name", "jack_server", "host_api", "device"];
    private static readonly string[] s_socketKeys = ["enabled", "bind", "port", "token", "max_message_bytes", "messages_per_second"];
    private static readonly string[] s_replKeys = ["mode", "history", "quantize", "session_log", "sample_folders", "cs_timeout_ms"];
    private static readonly string[] s_logKeys = ["path", "level"];
    private static readonly string[] s_midiKeys = ["jack_input", "connect", "network_port", "network_bind", "network_secret", "bank_size", "banks"];
    private static readonly string[] s_uiKeys = ["port", "bind", "token", "frames_per_second"];
    private static readonly string[] s_oscKeys = ["port", "bind", "allow_remote", "tcp", "latency_ms"];
    private static readonly string[] s_dirtKeys = ["enabled", "port", "bind", "follow_cps", "beats_per_cycle"];
    private static readonly string[] s_linkKeys = ["enabled", "quantum", "latency_ms", "start_stop_sync"];
    private static readonly string[] s_drivers = ["auto", "jack", "portaudio", "null", "offline"];
    private static readonly string[] s_policies = ["critical-path", "steal", "wavefront"];

    private readonly string _text;
    private readonly string _name;
    private readonly TomlParser _parser;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private EngineConfig _config;

    private EngineConfigReader(string text, string name)
    {
        _text = text;
        _name = name;
        _parser = TomlParser.Create(text, new TomlParserOptions { Mode = TomlParserMode.Strict }, new TomlSerializerOptions { SourceName = name });
        _config = new EngineConfig { Source = name };
    }

    /// <summary>Reads <paramref name="text"/>, a TOML file named <paramref name="name"/> (for messages).</summary>
    /// <exception cref="CliException">The first mistake, as <c>name:line: what is wrong and what is accepted</c>.</exception>
    public static EngineConfig Read(string text, string name)
    {
        var reader = new EngineConfigReader(text, name);
        reader.ReadDocument();
        reader.Validate();
        return reader._config;
    }

    /// <summary>The document is one table (the root) whose entries must be the known tables.</summary>
    private void ReadDocument()
    {
        while (Next() is not (TomlParseEventKind.StartTable or TomlParseEventKind.EndDocument))
        {
        }

        while (Next() is TomlParseEventKind.PropertyName)
        {
            string table = _parser.GetPropertyName();
            int line = _parser.Current.Line;
            string where = Where(line);
            TomlParseEventKind value = Next();
            if (value is TomlParseEventKind.StartTable)
            {
                if (!s_tables.Contains(table))
                {
                    throw new CliException($"{where}: unknown table [{table}]. Known tables: {string.Join(", ", s_tables)}.");
                }

                ReadTable(table);
                continue;
            }

            if (value is TomlParseEventKind.StartArray && LineText(line).TrimStart().StartsWith("[[", StringComparison.Ordinal))
            {
                throw new CliException($"{where}: a table header is written [name], not [[{table}]] (an array of tables).");
            }

            throw new CliException($"{where}: '{table}' comes before any table; put it under {string.Join(", ", s_tables[..^1].Select(t => $"[{t}]"))} or [{s_tables[^1]}].");
        }
    }

    /// <summary>Reads one table's keys up to its end, applying each to the config.</summary>
    private void ReadTable(string table)
    {
        while (Next() is TomlParseEventKind.PropertyName)
        {
            string key = _parser.GetPropertyName();
            int line = _parser.Current.Line;
            int keyEnd = _parser.Current.Span is { } span ? span.Offset + span.Length : _text.Length;
            string where = Where(line);
            if (!_seen.Add(table + "." + key))
            {
                throw new CliException($"{where}: key '{key}' is set twice in [{table}].");
            }

            string[] keys = KeysOf(table);
            if (!keys.Contains(key))
            {
                throw new CliException($"{where}: unknown key '{key}' in [{table}]. Known keys: {string.Join(", ", keys)}.");
            }

            _config = Apply(_config, table, key, ReadValue(line, keyEnd), where);
        }
    }

    /// <summary>
    /// The value after a key. A syntax error on the key's own line is the key's wrong value, shown as written: the message
    /// then names the key and what it accepts rather than only the TOML rule that was broken.
    /// </summary>
    private ConfigValue ReadValue(int keyLine, int keyEnd)
    {
        TomlParseEventKind kind;
        try
        {
            kind = _parser.MoveNext() ? _parser.Current.Kind : TomlParseEventKind.EndDocument;
        }
        catch (TomlException e) when (e.Line == keyLine)
        {
            string written = WrittenAfter(keyEnd);
            bool structured = written.Length > 0 && written[0] is '"' or '\'' or '[' or '{';
            return new ConfigValue(TomlParseEventKind.None, null, written, structured ? Reason(e) : null);
        }
        catch (TomlException e)
        {
            throw NotToml(e);
        }

        TomlSourceSpan? start = _parser.Current.Span;
        return kind switch
        {
            TomlParseEventKind.Integer => new ConfigValue(kind, _parser.Current.GetInt64(), SourceText(start)),
            TomlParseEventKind.Float => new ConfigValue(kind, _parser.Current.GetDouble(), SourceText(start)),
            TomlParseEventKind.Boolean => new ConfigValue(kind, _parser.Current.GetBoolean(), SourceText(start)),
            TomlParseEventKind.String => new ConfigValue(kind, _parser.GetString(), SourceText(start)),
            TomlParseEventKind.StartArray or TomlParseEventKind.StartTable => new ConfigValue(kind, null, SkipNested(start)),
            _ => new ConfigValue(kind, null, SourceText(start)),
        };
    }

    /// <summary>Skips an array or inline table to its end; returns its text as written.</summary>
    private string SkipNested(TomlSourceSpan? start)
    {
        int depth = 1;
        while (depth > 0)
        {
            switch (Next())
            {
                case TomlParseEventKind.StartArray or TomlParseEventKind.StartTable:
                    depth++;
                    break;
                case TomlParseEventKind.EndArray or TomlParseEventKind.EndTable:
                    depth--;
                    break;
            }
        }

        // A table made by a [header] has no start: only an array or an inline table is written after the key.
        return start is { } s ? Bracketed(s.Offset) : "a table";
    }

    /// <summary>
    /// The array or inline table that opens at <paramref name="open"/>, as written: up to its matching bracket (the parser
    /// read it already, so brackets inside strings are the only ones to step over).
    /// </summary>
    private string Bracketed(int open)
    {
        int depth = 0;
        char quote = '\0';
        for (int i = open; i < _text.Length; i++)
        {
            char c = _text[i];
            if (quote != '\0')
            {
                quote = c == quote && _text[i - 1] != '\\' ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c is '[' or '{')
            {
                depth++;
            }
            else if (c is ']' or '}' && --depth == 0)
            {
                return _text[open..(i + 1)];
            }
        }

        return _text[open..];
    }

    /// <summary>Reports what the pull parser does not check: a table or key defined twice in other ways (a dotted key and a header, two headers).</summary>
    private void Validate()
    {
        DocumentSyntax document = SyntaxParser.Parse(_text, _name, validate: true);
        foreach (DiagnosticMessage message in document.Diagnostics)
        {
            if (message.Kind == DiagnosticMessageKind.Error)
            {
                throw new CliException($"{Where(message.Span.Start.Line + 1)}: not valid TOML: {message.Message.Replace("␤", "\\n", StringComparison.Ordinal).TrimEnd('.', ' ')}.");
            }
        }
    }

    private TomlParseEventKind Next()
    {
        try
        {
            return _parser.MoveNext() ? _parser.Current.Kind : TomlParseEventKind.EndDocument;
        }
        catch (TomlException e)
        {
            throw NotToml(e);
        }
    }

    private CliException NotToml(TomlException e) => new($"{(e.Line is int line ? Where(line) : _name)}: not valid TOML: {Reason(e)}.");

    private static string Reason(TomlException e) =>
        (e.Diagnostics is { Count: > 0 } diagnostics ? diagnostics[0].Message : e.Message).Replace("␤", "\\n", StringComparison.Ordinal).TrimEnd('.', ' ', '\n');

    private string Where(int line) => $"{_name}:{line}";

    private string SourceText(TomlSourceSpan? span) =>
        span is { } s && s.Offset + s.Length <= _text.Length ? _text.Substring(s.Offset, s.Length) : "";

    /// <summary>The text of the 1-based <paramref name="line"/>.</summary>
    private string LineText(int line)
    {
        int start = 0;
        for (int n = 1; n < line && start >= 0; n++)
        {
            start = _text.IndexOf('\n', start) is int newline and >= 0 ? newline + 1 : -1;
        }

        if (start < 0)
        {
            return "";
        }

        int end = _text.IndexOf('\n', start);
        return _text[start..(end < 0 ? _text.Length : end)];
    }

    /// <summary>What is written after the key's '=' on its line, without a trailing comment (for a value TOML refused).</summary>
    private string WrittenAfter(int keyEnd)
    {
        int end = _text.IndexOf('\n', keyEnd);
        string rest = _text[keyEnd..(end < 0 ? _text.Length : end)];
        int equals = rest.IndexOf('=');
        rest = equals >= 0 ? rest[(equals + 1)..] : rest;
        char quote = '\0';
        for (int i = 0; i < rest.Length; i++)
        {
            char c = rest[i];
            if (quote != '\0')
            {
                quote = c == quote && rest[i - 1] != '\\' ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#')
            {
                return rest[..i].Trim();
            }
        }

        return rest.Trim();
    }

    private static string[] KeysOf(string table) => table switch
    {
        "driver" => s_driverKeys,
        "socket" => s_socketKeys,
        "repl" => s_replKeys,
        "midi" => s_midiKeys,
        "ui" => s_uiKeys,
        "osc" => s_oscKeys,
        "dirt" => s_dirtKeys,
        "log" => s_logKeys,
        "link" => s_linkKeys,
        _ => s_engineKeys,
    };

    /// <summary>One key's value applied to the config, or the mistake. <paramref name="key"/> is one of <see cref="KeysOf"/>.</summary>
    private static EngineConfig Apply(EngineConfig config, string table, string key, ConfigValue value, string where) => table switch
    {
        "driver" => key switch
        {
            "name" => config with { Driver = OneOf(String(value, key, where), s_drivers, key, where) },
            "jack_server" => config with { JackServer = String(value, key, where) },
            "host_api" => config with { HostApi = String(value, key, where) },
            _ => config with { Device = String(value, key, where) },
        },
        "socket" => key switch
        {
            "enabled" => config with { SocketEnabled = Boolean(value, key, where) },
            "bind" => config with { SocketBind = Address(String(value, key, where), key, where) },
            "port" => config with { SocketPort = Range(Integer(value, key, where), 0, 65535, key, where) },
            "token" => config with { SocketToken = NoneIfEmpty(String(value, key, where)) },
            "max_message_bytes" => config with { SocketMaxMessageBytes = Range(Integer(value, key, where), 1024, 64 << 20, key, where) },
            _ => config with { SocketMessagesPerSecond = Range(Integer(value, key, where), 1, 100_000, key, where) },
        },
        "repl" => key switch
        {
            "mode" => config with { ReplMode = OneOf(String(value, key, where), ["lua", "cs"], key, where) },
            "history" => config with { ReplHistory = String(value, key, where) },
            "quantize" => config with { ReplQuantize = Quantize(String(value, key, where), key, where) },
            "session_log" => config with { SessionLogFolder = String(value, key, where) },
            "sample_folders" => config with { SampleFolders = String(value, key, where) },
            _ => config with { CSharpTimeoutMs = Range(Integer(value, key, where), 1, 600_000, key, where) },
        },
        "ui" => key switch
        {
            "port" => config with { UiPort = Range(Integer(value, key, where), 0, 65535, key, where) },
            "bind" => config with { UiBind = Address(String(value, key, where), key, where) },
            "token" => config with { UiToken = NoneIfEmpty(String(value, key, where)) },
            _ => config with { UiFramesPerSecond = Range(Integer(value, key, where), 30, 60, key, where) },
        },
        "midi" => key switch
        {
            "jack_input" => config with { MidiJackInput = Boolean(value, key, where) },
            "connect" => config with { MidiConnect = NoneIfEmpty(String(value, key, where)) },
            "network_port" => config with { MidiNetworkPort = Range(Integer(value, key, where), 0, 65535, key, where) },
            "network_bind" => config with { MidiNetworkBind = Address(String(value, key, where), key, where) },
            "network_secret" => config with { MidiNetworkSecret = NoneIfEmpty(String(value, key, where)) },
            "bank_size" => config with { MidiBankSize = Range(Integer(value, key, where), 1, 128, key, where) },
            _ => config with { MidiBanks = NoneIfEmpty(String(value, key, where)) },
        },
        "osc" => key switch
        {
            "port" => config with { OscPort = Range(Integer(value, key, where), 0, 65535, key, where) },
            "bind" => config with { OscBind = Address(String(value, key, where), key, where) },
            "allow_remote" => config with { OscAllowRemote = Boolean(value, key, where) },
            "tcp" => config with { OscTcp = Boolean(value, key, where) },
            _ => config with { OscLatencyMs = RangeD(Number(value, key, where), 0, 2000, key, where) },
        },
        "dirt" => key switch
        {
            "enabled" => config with { DirtEnabled = Boolean(value, key, where) },
            "port" => config with { DirtPort = Range(Integer(value, key, where), 1, 65535, key, where) },
            "follow_cps" => config with { DirtFollowCps = Boolean(value, key, where) },
            "beats_per_cycle" => config with { DirtBeatsPerCycle = RangeD(Number(value, key, where), 1, 64, key, where) },
            _ => config with { DirtBind = Address(String(value, key, where), key, where) },
        },
        "link" => key switch
        {
            "enabled" => config with { LinkEnabled = Boolean(value, key, where) },
            "quantum" => config with { LinkQuantum = RangeD(Number(value, key, where), 1, 64, key, where) },
            "latency_ms" => config with { LinkLatencyMs = RangeD(Number(value, key, where), 0, 1000, key, where) },
            _ => config with { LinkStartStopSync = Boolean(value, key, where) },
        },
        "log" => key switch
        {
            "path" => config with { LogPath = String(value, key, where) },
            _ => config with { LogLevel = OneOf(String(value, key, where), ["verbose", "debug", "information", "warning", "error"], key, where) },
        },
        _ => key switch
        {
            "tempo" => config with { Tempo = RangeD(Number(value, key, where), 1, 999, key, where) },
            "beats_per_bar" => config with { BeatsPerBar = Range(Integer(value, key, where), 1, 64, key, where) },
            "sample_rate" => config with { SampleRate = Range(Integer(value, key, where), CompileOptions.MinSampleRate, CompileOptions.MaxSampleRate, key, where) },
            "block_frames" => config with { BlockFrames = Range(Integer(value, key, where), 1, CompileOptions.MaxBlockLimit, key, where) },
            "threads" => config with { Threads = Range(Integer(value, key, where), 1, EngineConfig.MaxThreads, key, where) },
            "seed" => config with { Seed = Range(Integer(value, key, where), int.MinValue, int.MaxValue, key, where) },
            "policy" => config with { Policy = OneOf(String(value, key, where), s_policies, key, where) },
            "process" => config with { EngineProcess = Boolean(value, key, where) },
            "admission" => config with { Admission = OneOf(String(value, key, where), ["refuse", "warn", "off"], key, where) },
            "admission_limit" => config with { AdmissionLimit = RangeD(Number(value, key, where), 0.05, 4, key, where) },
            "render_ahead" => config with { RenderAhead = Boolean(value, key, where) },
            "render_ahead_ms" => config with { RenderAheadMs = RangeD(Number(value, key, where), 1, 2000, key, where) },
            "deferred_block_frames" => config with { DeferredBlockFrames = Range(Integer(value, key, where), 16, CompileOptions.MaxBlockLimit, key, where) },
            "deferred_admission_limit" => config with { DeferredAdmissionLimit = RangeD(Number(value, key, where), 0.05, 4, key, where) },
            "gpu" => config with { Gpu = OneOf(String(value, key, where), GpuPlacementSetup.Modes, key, where) },
            "audio_cpus" => config with { AudioCpus = AudioCpuList(String(value, key, where), key, where) },
            _ => config with { EngineSocket = NoneIfEmpty(String(value, key, where)) },
        },
    };

    private static string? NoneIfEmpty(string value) => value.Length > 0 ? value : null;

    // Checked against the CPUs this process may use now, so that a list this machine cannot honour stops here, with its line.
    private static string? AudioCpuList(string value, string key, string where)
    {
        try
        {
            return Hosts.RealTime.AudioCpuIsolation.Parse(value, Hosts.RealTime.AudioCpuIsolation.ProcessCpus()) is null ? null : value;
        }
        catch (FormatException e)
        {
            throw new CliException($"{where}: '{key}': {e.Message}");
        }
    }

    private static long Integer(ConfigValue value, string key, string where) =>
        value.Kind == TomlParseEventKind.Integer ? (long)value.Scalar! : throw new CliException($"{where}: '{key}' must be an integer, not {value.Shown}.");

    private static double Number(ConfigValue value, string key, string where) => value.Kind switch
    {
        TomlParseEventKind.Integer => (long)value.Scalar!,
        TomlParseEventKind.Float => (double)value.Scalar!,
        _ => throw new CliException($"{where}: '{key}' must be a number, not {value.Shown}."),
    };

    private static bool Boolean(ConfigValue value, string key, string where) =>
        value.Kind == TomlParseEventKind.Boolean ? (bool)value.Scalar! : throw new CliException($"{where}: '{key}' must be true or false, not {value.Shown}.");

    private static string String(ConfigValue value, string key, string where) =>
        value.Kind == TomlParseEventKind.String ? (string)value.Scalar! : throw new CliException($"{where}: '{key}' must be a string in double quotes, not {value.Shown}.");

    private static int Range(long value, int min, int max, string key, string where) =>
        value >= min && value <= max ? (int)value : throw new CliException($"{where}: '{key}' must be {min}..{max}, not {value}.");

    private static double RangeD(double value, double min, double max, string key, string where) =>
        value >= min && value <= max ? value : throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{where}: '{key}' must be {min}..{max}, not {value}."));

    private static string OneOf(string value, string[] allowed, string key, string where) =>
        allowed.Contains(value) ? value : throw new CliException($"{where}: '{key}' must be one of {string.Join(", ", allowed)}, not \"{value}\".");

    private static string Quantize(string value, string key, string where) =>
        LiveEngine.Time.Quantization.TryParse(value, out _, out string? error) ? value : throw new CliException($"{where}: '{key}': {error}");

    private static string Address(string value, string key, string where) =>
        System.Net.IPAddress.TryParse(value, out _) ? value : throw new CliException($"{where}: '{key}' must be an IP address (e.g. \"127.0.0.1\" or \"0.0.0.0\"), not \"{value}\".");
}
