using System.Diagnostics;
using System.Globalization;
using System.Net;
using LiveEngine.Commands;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Osc;
using LiveEngine.Time;

namespace LiveEngine.Frontend.Dirt;

/// <summary>
/// SuperDirt compatibility (docs/sync.md): <c>/dirt/play</c> events from Tidal or Strudel, on their bundle's time
/// tag, play Dirt-Samples-style folders (one folder per sound under a granted sample folder, files sorted by name,
/// <c>n</c> picks one modulo their count) through <c>dirt</c> nodes (<see cref="Lanes"/> per orbit), followed by the orbit's reverb
/// (<c>room</c>, <c>size</c>) and delay (<c>delay</c>, <c>delaytime</c>, <c>delayfeedback</c>). <c>/dirt/handshake</c>
/// and <c>/dirt/hello</c> are answered as SuperDirt answers them. The orbits' nodes are patched into the playing
/// graph (ids <c>dirt.oN.l0</c> … <c>dirt.oN.l3</c>, <c>dirt.oN.room</c>, <c>dirt.oN.delay</c>) and patched in again if a commit removed them.
/// </summary>
/// <remarks>
/// Threads: <see cref="Handle"/> runs on the server's receive threads, one message at a time; a sound's files are
/// read there the first time it plays (an event of a sound that is still loading plays from the next one on).
/// </remarks>
public sealed class DirtHost : IDisposable
{
    public const int MaxOrbits = 12;

    /// <summary>
    /// Dirt nodes per orbit. Parameter changes that land on one sample merge, so events that start together on one
    /// orbit (bd and hh on the same beat) each take a lane of their own; a fifth at the same sample starts a sample later.
    /// </summary>
    public const int Lanes = 4;

    // Under _gate: the sample of each lane's latest event.
    private readonly long[] _laneSamples = new long[MaxOrbits * Lanes];

    private readonly ILiveSession _session;
    private readonly SampleFolders _folders;
    private int _soundCount;
    private readonly Dictionary<string, int> _soundIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _soundFiles = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly OscServer? _server;
    private float _trig;
    private long _events, _unknown, _refused, _late, _tempoChanges;
    private string? _lastError;
    private bool _needsPatch = true;

    /// <summary>A Dirt endpoint for <paramref name="session"/>, reading sounds from <paramref name="folders"/>; with <paramref name="bind"/>, its own OSC server there.</summary>
    public DirtHost(ILiveSession session, SampleFolders folders, OscTimeMap timeMap, IPEndPoint? bind = null, bool allowRemote = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentNullException.ThrowIfNull(timeMap);
        _session = session;
        _folders = folders;
        TimeMap = timeMap;
        Array.Fill(_laneSamples, -1);
        if (bind is not null)
        {
            _server = new OscServer(bind, Handle, tcp: false, allowRemote);
        }
    }

    public OscTimeMap TimeMap { get; }

    /// <summary>Called with each sound file loaded (its library name and full path), after it is loaded: the session log records it, so a replay plays the same file.</summary>
    public Action<string, string>? SampleLoaded { get; init; }

    public OscServer? Server => _server;

    /// <summary>Raised with each refused event's error (on the receiving thread).</summary>
    public event Action<string>? Refused;

    public long Events => Interlocked.Read(ref _events);

    /// <summary>Events whose sound has no folder (or no WAV file) under the granted sample folders.</summary>
    public long UnknownSounds => Interlocked.Read(ref _unknown);

    public long RefusedCount => Interlocked.Read(ref _refused);

    public long Late => Interlocked.Read(ref _late);

    /// <summary>The latest cps an event carried (Tidal and Strudel send it with every event).</summary>
    public double LastCps { get; private set; }

    /// <summary>
    /// Beats per Tidal cycle when the session's tempo follows the events' <c>cps</c> (<c>[dirt] follow_cps</c>):
    /// a new cps sets the tempo to cps × 60 × this many BPM on its event's sample. 0 (the default here): cps is only read.
    /// </summary>
    public double BeatsPerCycle { get; init; }

    /// <summary>Tempo changes that followed a cps.</summary>
    public long TempoChanges => Interlocked.Read(ref _tempoChanges);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Handles one OSC message (the server's handler). Never throws for what a sender sends.</summary>
    public void Handle(OscMessage message, IPEndPoint from, long arrivalTimestamp)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            switch (message.Address)
            {
                case "/dirt/play" or "/play2":
                    Play(message, arrivalTimestamp);
                    return;
                case "/dirt/handshake":
                    Reply(from, new OscMessage("/dirt/handshake/reply", Handshake(from)));
                    return;
                case "/dirt/hello":
                    Reply(from, new OscMessage("/dirt/hello/reply"));
                    return;
                default:
                    return;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or KeyNotFoundException or FormatException or GraphValidationException or System.Net.Sockets.SocketException)
        {
            Interlocked.Increment(ref _refused);
            string error = $"{message.Address} from {from}: {e.Message}";
            Volatile.Write(ref _lastError, error);
            Refused?.Invoke(error);
        }
    }

    private OscValue[] Handshake(IPEndPoint from)
    {
        // SuperDirt's reply: its host and port, then the indices of its control buses (Tidal waits until it gets at
        // least one). LiveEngine has no control buses: bus-mapped controls are ignored (docs/sync.md).
        var values = new List<OscValue>
        {
            OscValue.String("&serverHostname"), OscValue.String(Dns.GetHostName()),
            OscValue.String("&serverPort"), OscValue.Int32(_server?.LocalEndPoint.Port ?? 0),
            OscValue.String("&controlBusIndices"),
        };
        for (int i = 0; i < 16; i++)
        {
            values.Add(OscValue.Int32(i));
        }

        return [.. values];
    }

    private void Reply(IPEndPoint to, OscMessage message)
    {
        using var client = new OscClient(to.Address.ToString(), to.Port);
        client.Send(message.Address, [.. message.Arguments]);
    }

    private void Play(OscMessage message, long arrivalTimestamp)
    {
        var values = new Dictionary<string, OscValue>(StringComparer.Ordinal);
        IReadOnlyList<OscValue> args = message.Arguments;
        for (int i = 0; i + 1 < args.Count; i += 2)
        {
            if (args[i].AsString is { } key)
            {
                values[key] = args[i + 1];
            }
        }

        if (!values.TryGetValue("s", out OscValue sValue) || sValue.AsString is not { Length: > 0 } s)
        {
            throw new ArgumentException("the event has no sound ('s' with a name)");
        }

        double n = Number(values, "n", 0);
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            n += double.TryParse(s[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double extra) ? extra : 0;
            s = s[..colon];
        }

        int orbit = (int)Number(values, "orbit", 0);
        if (orbit is < 0 or >= MaxOrbits)
        {
            throw new ArgumentException($"orbit {orbit} is not 0..{MaxOrbits - 1}");
        }

        LastCps = Number(values, "cps", LastCps);
        // Millibeat-per-minute precision, as the session log writes it.
        bool follow = BeatsPerCycle > 0 && values.ContainsKey("cps");
        Fraction bpm = follow ? Fraction.Create((Int128)Math.Round(LastCps * 60 * BeatsPerCycle * 1000), 1000) : Fraction.Zero;
        if (follow && (bpm <= Fraction.Zero || bpm > 1000))
        {
            throw new ArgumentException($"cps {LastCps} is {LastCps * 60 * BeatsPerCycle} BPM at {BeatsPerCycle} beats per cycle: the tempo must be more than 0 and at most 1000 BPM");
        }

        int sound = SoundIndex(s, n);
        if (sound < 0)
        {
            Interlocked.Increment(ref _unknown);
            throw new ArgumentException($"no sound '{s}': no folder '{s}' with WAV files in the granted sample folders ({string.Join(", ", _folders.Folders)})");
        }

        long sample = message.Time.IsImmediate
            ? TimeMap.SampleAt(OscTimeTag.Now.AddSeconds(-Stopwatch.GetElapsedTime(arrivalTimestamp).TotalSeconds))
            : TimeMap.SampleAt(message.Time);
        if (sample < _session.Position)
        {
            Interlocked.Increment(ref _late);
        }

        double speed = Number(values, "speed", 1);
        double note = values.ContainsKey("note") ? Number(values, "note", 0) : values.ContainsKey("midinote") ? Number(values, "midinote", 60) - 60 : 0;
        speed *= Math.Pow(2, note / 12);
        if (!double.IsFinite(speed))
        {
            throw new ArgumentException($"speed and note give a speed of {speed}");
        }
        double gain = Number(values, "gain", 1);
        double delta = Number(values, "delta", 0);
        double legato = Number(values, "legato", 0);
        double sustain = Number(values, "sustain", 0);
        double length = sustain > 0 ? sustain : legato > 0 && delta > 0 ? legato * delta : 0;
        // Every value is read before anything is set: a refused value must not look like a graph without the orbits.
        var voice = new Voice(
            Math.Clamp(Number(values, "begin", 0), 0, 1),
            Math.Clamp(Number(values, "end", 1), 0, 1),
            Math.Clamp(Number(values, "pan", 0.5), 0, 1),
            Math.Clamp(Number(values, "cutoff", 0), 0, 96_000),
            Math.Clamp(Number(values, "resonance", 0), 0, 1));
        foreach (string key in (string[])["room", "size", "delay", "delaytime", "delayfeedback"])
        {
            Number(values, key, 0);
        }

        var at = Quantization.AtBeat(_session.Clock.BeatAt(Math.Max(0, sample)));
        lock (_gate)
        {
            if (follow && _session.Clock.TempoAt(Math.Max(0, sample)) != bpm)
            {
                // On the event's own sample: the events already scheduled keep their samples, and the later ones'
                // beats count at the new tempo. A tempo set by other means is set back by the next event: cps leads.
                _session.SetTempo(bpm, at);
                Interlocked.Increment(ref _tempoChanges);
            }

            EnsureOrbits();
            int lane = 0;
            while (lane < Lanes && _laneSamples[(orbit * Lanes) + lane] == sample)
            {
                lane++;
            }

            if (lane == Lanes)
            {
                lane = 0;
                sample++;
                at = Quantization.AtBeat(_session.Clock.BeatAt(Math.Max(0, sample)));
            }

            _laneSamples[(orbit * Lanes) + lane] = sample;
            string bus = "dirt.o" + orbit.ToString(CultureInfo.InvariantCulture);
            string node = bus + ".l" + lane.ToString(CultureInfo.InvariantCulture);
            try
            {
                SetEvent(node, at, sound, speed, voice, gain, length);
            }
            catch (ArgumentException e) when (!_needsPatch && e.Message.Contains(node, StringComparison.Ordinal))
            {
                // A commit replaced the graph and took the orbits with it: patch them in again, and play.
                _needsPatch = true;
                EnsureOrbits();
                SetEvent(node, at, sound, speed, voice, gain, length);
            }

            SetEffects(bus, at, values);
        }

        Interlocked.Increment(ref _events);
    }

    private void SetEvent(string node, Quantization at, int sound, double speed, in Voice voice, double gain, double length)
    {
        // SuperDirt's amplitude: 0.4 · gain⁴ (DirtEvent), so gain 1 is its default level.
        _session.SetParameter(node, "sound", sound, at);
        _session.SetParameter(node, "speed", Math.Clamp(speed, -64, 64), at);
        _session.SetParameter(node, "begin", voice.Begin, at);
        _session.SetParameter(node, "end", voice.End, at);
        _session.SetParameter(node, "gain", Math.Clamp(0.4 * Math.Pow(Math.Max(0, gain), 4), 0, 16), at);
        _session.SetParameter(node, "pan", voice.Pan, at);
        _session.SetParameter(node, "cutoff", voice.Cutoff, at);
        _session.SetParameter(node, "resonance", voice.Resonance, at);
        _session.SetParameter(node, "lengthSec", Math.Clamp(length, 0, 3_600), at);
        _trig = _trig >= 16_000_000 ? 1 : _trig + 1;
        _session.SetParameter(node, "trig", _trig, at);
    }

    private void SetEffects(string node, Quantization at, Dictionary<string, OscValue> values)
    {
        if (values.ContainsKey("room") && _session.OutputChannels == 2)
        {
            _session.SetParameter(node + ".room", "mix", Math.Clamp(Number(values, "room", 0), 0, 1), at);
        }

        if (values.ContainsKey("size") && _session.OutputChannels == 2)
        {
            _session.SetParameter(node + ".room", "size", Math.Clamp(0.1 + (Number(values, "size", 0) * 1.9), 0.1, 2), at);
        }

        if (values.ContainsKey("delay"))
        {
            _session.SetParameter(node + ".delay", "mix", Math.Clamp(Number(values, "delay", 0), 0, 1), at);
        }

        if (values.ContainsKey("delaytime"))
        {
            _session.SetParameter(node + ".delay", "delayMs", Math.Clamp(Number(values, "delaytime", 0.25) * 1000, 1, 2000), at);
        }

        if (values.ContainsKey("delayfeedback"))
        {
            _session.SetParameter(node + ".delay", "feedback", Math.Clamp(Number(values, "delayfeedback", 0), 0, 0.99), at);
        }
    }

    /// <summary>The index of sound <paramref name="s"/> number <paramref name="n"/> (loaded the first time), or -1 if there is none.</summary>
    private int SoundIndex(string s, double n)
    {
        if (s.Contains('/', StringComparison.Ordinal) || s.Contains('\\', StringComparison.Ordinal) || s.Contains("..", StringComparison.Ordinal) || s.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{s}' is not a sound name (a folder name, without '/' or '..')");
        }

        lock (_soundFiles)
        {
            if (!_soundFiles.TryGetValue(s, out string[]? files))
            {
                files = FindFiles(s);
                _soundFiles[s] = files;
            }

            if (files.Length == 0)
            {
                return -1;
            }

            int pick = (int)(((long)Math.Floor(n) % files.Length + files.Length) % files.Length);
            string name = s + "/" + pick.ToString(CultureInfo.InvariantCulture);
            if (_soundIndex.TryGetValue(name, out int index))
            {
                return index;
            }

            if (_soundCount > SampleLibrary.MaxIndex)
            {
                throw new InvalidOperationException($"more than {SampleLibrary.MaxIndex + 1} sounds loaded");
            }

            // Loaded as "#N": the dirt nodes find it by index at its first trigger, with no new commit (a commit would
            // take the place of the snapshot that events already scheduled are aimed at).
            index = _soundCount;
            string file = Path.Combine(s, files[pick]);
            _folders.Load(SampleLibrary.IndexedName(index), file);
            SampleLoaded?.Invoke(SampleLibrary.IndexedName(index), file);
            _soundCount++;
            _soundIndex[name] = index;
            return index;
        }
    }

    private string[] FindFiles(string s)
    {
        foreach (string folder in _folders.Folders)
        {
            string directory = Path.Combine(folder, s);
            if (Directory.Exists(directory) && new DirectoryInfo(directory).LinkTarget is null)
            {
                string[] files = [.. Directory.EnumerateFiles(directory).Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
                if (files.Length > 0)
                {
                    return files;
                }
            }
        }

        return [];
    }

    /// <summary>
    /// Patches every orbit's nodes in, the first time (and again after a commit removed them). All orbits at once: a
    /// later commit would take the place of the snapshot that events already scheduled are aimed at. Under the orbit lock.
    /// </summary>
    private void EnsureOrbits()
    {
        if (!_needsPatch)
        {
            return;
        }

        var patch = new GraphDescription();
        string outId = "out";
        int channels = _session.OutputChannels;
        foreach (NodeSpec existing in _session.Graph.Nodes)
        {
            if (existing.Type == "out")
            {
                outId = existing.Id;
            }
        }

        patch.Add(outId, "out", channels: channels);
        for (int o = 0; o < MaxOrbits; o++)
        {
            string id = "dirt.o" + o.ToString(CultureInfo.InvariantCulture);
            // The reverb is stereo: with another output layout the orbit has no room (docs/sync.md).
            bool room = channels == 2;
            if (room)
            {
                patch.Add(id + ".room", "reverb", new Dictionary<string, double> { ["mix"] = 0, ["size"] = 1 });
            }

            patch.Add(id + ".delay", "delay", new Dictionary<string, double> { ["mix"] = 0, ["delayMs"] = 250 }, channels);
            if (room)
            {
                patch.Connect(id + ".room", id + ".delay");
            }

            patch.Connect(id + ".delay", outId);
            for (int lane = 0; lane < Lanes; lane++)
            {
                string node = id + ".l" + lane.ToString(CultureInfo.InvariantCulture);
                patch.Add(node, "dirt", channels: channels);
                patch.Connect(node, id + (room ? ".room" : ".delay"));
            }
        }

        _session.Patch(patch, Quantization.Now);
        _needsPatch = false;
    }

    private static double Number(Dictionary<string, OscValue> values, string key, double fallback)
    {
        if (!values.TryGetValue(key, out OscValue value))
        {
            return fallback;
        }

        if (value.TryGetDouble(out double number) && double.IsFinite(number))
        {
            return number;
        }

        if (value.AsString is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number))
        {
            return number;
        }

        throw new ArgumentException($"'{key}' must be a finite number, not {value}");
    }

    public void Dispose() => _server?.Dispose();

    private readonly record struct Voice(double Begin, double End, double Pan, double Cutoff, double Resonance);
}
