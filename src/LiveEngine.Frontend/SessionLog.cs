using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>
/// One line of a session log. <see cref="Kind"/> says which fields matter:
/// <c>session</c> (the header: format and initial graph), <c>eval</c> (code, written before it runs),
/// <c>result</c> (its outcome), <c>param</c>, <c>tempo</c>, <c>var</c>, <c>undo</c>, <c>commit</c> (a graph),
/// <c>panic</c>, <c>stop</c> and <c>play</c> (the transport), <c>midi</c> (a value a controller binding wrote) and <c>end</c> (a clean stop). <see cref="Position"/> is the sample the audio side had reached
/// when the action was taken: replay takes every action at exactly that sample.
/// </summary>
public sealed record SessionLogEntry
{
    public required string Kind { get; init; }

    public long Seq { get; init; }

    public long Position { get; init; }

    public DateTimeOffset? Wall { get; init; }

    // session header
    public int? Version { get; init; }

    /// <summary>The header's beat at <see cref="Position"/> (a fraction as text; absent: 0): where the log joined the performance.</summary>
    public string? Beat { get; init; }

    /// <summary>The header's bar at <see cref="Position"/> (a fraction as text, counted from 0; absent: 0).</summary>
    public string? Bar { get; init; }

    public int? SampleRate { get; init; }

    public int? BlockFrames { get; init; }

    public int? Channels { get; init; }

    public ulong? Seed { get; init; }

    public string? Tempo { get; init; }

    public int? BeatsPerBar { get; init; }

    /// <summary>The header's crossfade of replaced nodes, in ms (absent: the default, 20).</summary>
    public double? CrossfadeMs { get; init; }

    public JsonNode? Graph { get; init; }

    /// <summary>The header's sample folders (what code may read), so that a replay loads the same samples.</summary>
    public IReadOnlyList<string>? SampleFolders { get; init; }

    // eval / result
    public string? Language { get; init; }

    public string? Source { get; init; }

    public string? Code { get; init; }

    public string? Quantize { get; init; }

    public bool? Ok { get; init; }

    public string? Output { get; init; }

    public string? Error { get; init; }

    // param / var / tempo
    public string? Node { get; init; }

    public string? Parameter { get; init; }

    public string? Name { get; init; }

    public double? Value { get; init; }

    /// <summary>trigger: the value after <see cref="Length"/>.</summary>
    public double? Off { get; init; }

    /// <summary>trigger, ramp: the length in beats, as a fraction.</summary>
    public string? Length { get; init; }

    /// <summary>commit: the graph is a patch (its nodes and edges added to or replacing the playing graph's).</summary>
    public bool? Patch { get; init; }

    /// <summary>osc: the message a handler took, as its OSC packet in base64 (every argument's type and bits).</summary>
    public string? Osc { get; init; }

    /// <summary>osc: the sample the message landed on (its handlers' effects count from there).</summary>
    public long? Sample { get; init; }
}

/// <summary>
/// The session log: every action of a performance, one JSON object per line, appended and flushed to disk
/// (fsync) before the action runs, so a crash loses nothing that was typed. <c>liveengine replay</c> re-renders a
/// log offline. Thread-safe.
/// </summary>
public sealed class SessionLog : IDisposable
{
    public const int FormatVersion = 1;

    internal static readonly JsonSerializerOptions s_jsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly FileStream _stream;
    private readonly object _gate = new();
    private long _seq;

    public SessionLog(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
    }

    public string Path { get; }

    /// <summary>
    /// Opens the log at <paramref name="path"/> for a performance and writes its header: the stream format, the
    /// tempo and meter, the graph playing and where the log joins the performance (<paramref name="origin"/>), so
    /// that <see cref="SessionReplay"/> renders from there.
    /// </summary>
    public static SessionLog Start(string path, PerformanceOptions options, LiveSessionOptions session, GraphDescription initial, TempoOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(initial);
        var log = new SessionLog(path);
        log.Append(new SessionLogEntry
        {
            Kind = "session",
            Version = FormatVersion,
            Position = origin.Sample,
            Beat = origin.Beat == Fraction.Zero ? null : origin.Beat.ToString(),
            Bar = origin.Bar == Fraction.Zero ? null : origin.Bar.ToString(),
            SampleRate = session.SampleRate,
            BlockFrames = options.BlockFrames,
            Channels = session.OutputChannels,
            Seed = session.Seed,
            Tempo = session.Tempo.ToString(),
            BeatsPerBar = session.BeatsPerBar,
            CrossfadeMs = session.CrossfadeMs == new LiveSessionOptions().CrossfadeMs ? null : session.CrossfadeMs,
            Graph = JsonNode.Parse(initial.ToJson()),
            SampleFolders = options.SampleFolders.Count == 0 ? null : options.SampleFolders,
        });

        return log;
    }

    /// <summary>
    /// Appends <paramref name="entry"/> (numbered) and flushes it to the disk (fsync) when <paramref name="durable"/>;
    /// otherwise to the operating system only (controller streams: hundreds a second; the next durable entry
    /// syncs them too). Returns its sequence number.
    /// </summary>
    public long Append(SessionLogEntry entry, bool durable = true)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            SessionLogEntry numbered = entry with { Seq = ++_seq, Wall = entry.Wall ?? DateTimeOffset.UtcNow };
            byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(numbered, s_jsonOptions) + "\n");
            _stream.Write(line);
            _stream.Flush(flushToDisk: durable);
            return numbered.Seq;
        }
    }

    /// <summary>
    /// Reads a log. A last line cut short by a crash is skipped; any other bad line is an error naming its line.
    /// </summary>
    public static IReadOnlyList<SessionLogEntry> Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        var entries = new List<SessionLogEntry>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize<SessionLogEntry>(lines[i], s_jsonOptions)
                    ?? throw new InvalidDataException($"{path}:{i + 1}: an empty entry."));
            }
            catch (JsonException e) when (i == lines.Length - 1)
            {
                _ = e; // the line being written when the process died
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{i + 1}: not a session-log entry: {e.Message}", e);
            }
        }

        if (entries.Count == 0 || entries[0].Kind != "session")
        {
            throw new InvalidDataException($"{path}: a session log starts with a 'session' entry.");
        }

        return entries;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stream.Dispose();
        }
    }
}
