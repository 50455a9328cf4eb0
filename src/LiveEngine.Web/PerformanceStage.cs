using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LiveEngine.Execution;
using LiveEngine.Frontend;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Web;

/// <summary>
/// What the stage view shows of one performance, read live from it, and what the page may do to it. The feed thread
/// calls <see cref="WriteFrame"/> 30-60 times a second: the transport, the latest commit and whether it is still
/// pending, faulted nodes, the output's latest frames (the engine's <see cref="OutputTap"/>, read without waiting
/// for a commit), and the workers' load from the statistics the control thread already polls. The graph goes out
/// only when it changed (<see cref="GraphVersion"/>). Moves made on the page are the same commands the REPL and the
/// editor socket send, through <see cref="Performance"/>, so they land in the session log.
/// </summary>
public sealed class PerformanceStage
{
    /// <summary>Output frames in each scope frame: 2048 at 48 kHz is 43 ms, about 19 periods of A440.</summary>
    public const int ScopeFrames = 2048;

    /// <summary>Worker-load intervals kept for the profiler view and its Perfetto export.</summary>
    public const int LoadHistory = 240;

    /// <summary>Blocks in each frame's profile: the timeline the page draws, one lane per worker.</summary>
    public const int ProfileBlocks = 6;

    /// <summary>The most job bars in one frame: a large graph shows fewer blocks (at least one), so a frame stays small at 60 Hz.</summary>
    public const int MaxFrameJobs = 4096;

    /// <summary>Rows of the cost table in one frame (the costliest).</summary>
    public const int CostRows = 40;

    /// <summary>Blocks in the Perfetto export.</summary>
    public const int ExportBlocks = 64;

    // The Perfetto export's thread for the blocks themselves, after any worker's.
    private const int BlocksTrack = 1000;

    private readonly Performance _performance;
    private readonly OutputTap? _localTap;
    private readonly NodeProbe? _localProbe;
    private readonly LiveSession? _local;
    private readonly JobTimeline? _localTimeline;
    private bool _timing;
    private readonly float[] _nodeScope = new float[ScopeFrames];
    private volatile string? _scopeNodeId;
    private bool _metering;
    private readonly float[] _scope = new float[ScopeFrames];
    private readonly object _gate = new();
    private readonly object _frameGate = new();
    private byte[]? _pendingGraph;
    private readonly List<LoadSample> _load = [];
    private GraphDescription? _graph;
    private HashSet<string> _outputIds = [];
    private int _graphShape;
    private HashSet<string> _previousIds = [];
    private byte[] _graphMessage = [];
    private long _commitSample = -1;

    // The graph changed while an evaluation ran: its commit is pending, and its sample comes with the evaluation's end.
    private bool _awaitingEvaluation;
    private IReadOnlyList<double> _lastBusy = [];
    private long _lastBusyPosition;
    private string _scopeError = "";
    private string _midiList = "";
    private long _midiListAt;

    public PerformanceStage(Performance performance)
    {
        ArgumentNullException.ThrowIfNull(performance);
        _performance = performance;
        if (performance.Local is { } local)
        {
            // In this process the renderer is ours to tap; an engine process taps its own (InProcessEngine.Tap).
            _localTap = local.Renderer.Tap ??= new OutputTap();
            _localProbe = local.Renderer.Probe ??= new NodeProbe();
            _local = local;
            _localTimeline = new JobTimeline(local.Executor.Threads);
        }

        performance.Languages.Evaluated += evaluation =>
        {
            if (evaluation.CommitSample is long sample)
            {
                Interlocked.Exchange(ref _commitSample, sample);
            }

            // After the sample: a frame that sees the flag down sees the sample too.
            Volatile.Write(ref _awaitingEvaluation, false);
        };
    }

    /// <summary>Bumped each time the playing graph changes (a commit, an undo, a load).</summary>
    public int GraphVersion { get; private set; }

    /// <summary>The latest graph message (<c>{"t":"graph",…}</c>), for a page that just connected. Feed thread writes it.</summary>
    public byte[] GraphMessage
    {
        get
        {
            lock (_gate)
            {
                return _graphMessage;
            }
        }
    }

    /// <summary>
    /// Writes one update (<c>{"t":"frame",…}</c>) into <paramref name="output"/>; returns the graph message too when
    /// the graph changed since the last call, else null. Feed thread only.
    /// </summary>
    public byte[]? WriteFrame(IBufferWriter<byte> output)
    {
        lock (_frameGate)
        {
            return WriteFrameLocked(output);
        }
    }

    /// <summary>The graph message as of now, for the page's first paint (any thread).</summary>
    public byte[] CurrentGraphMessage()
    {
        lock (_frameGate)
        {
            // A change seen here still goes to the pages already open, with the next frame.
            _pendingGraph = UpdateGraph() ?? _pendingGraph;
            return GraphMessage;
        }
    }

    /// <summary>The graph message if the graph changed since the last call, else null.</summary>
    private byte[]? UpdateGraph()
    {
        // The session hands out a copy each time: compare what the view draws (nodes, types, parameters, edges).
        GraphDescription graph = _performance.Session.Graph;
        int shape = Shape(graph);
        if (_graph is not null && shape == _graphShape)
        {
            return null;
        }

        _graphShape = shape;

        byte[] graphMessage = BuildGraphMessage(graph, GraphVersion + 1);
        lock (_gate)
        {
            _graphMessage = graphMessage;
        }

        if (_performance.Languages.Evaluating)
        {
            Volatile.Write(ref _awaitingEvaluation, true);
        }

        _previousIds = [.. graph.Nodes.Select(n => n.Id)];
        _graph = graph;
        _outputIds = [.. graph.Nodes.Where(n => n.Type == "out").Select(n => n.Id)];
        GraphVersion++;
        return graphMessage;
    }

    private byte[]? WriteFrameLocked(IBufferWriter<byte> output)
    {
        ILiveSession session = _performance.Session;
        byte[]? graphMessage = UpdateGraph() ?? _pendingGraph;
        _pendingGraph = null;

        long position = session.Position;
        TempoMap clock = session.Clock;
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("t", "frame");
        json.WriteNumber("graphVersion", GraphVersion);
        WriteTransport(json, clock, position, session.Options.SampleRate, _performance.TransportPlaying);

        long commit = Interlocked.Read(ref _commitSample);
        if (Volatile.Read(ref _awaitingEvaluation))
        {
            json.WriteStartObject("commit");
            json.WriteBoolean("pending", true);
            json.WriteNull("bar");
            json.WriteEndObject();
        }
        else if (commit >= 0)
        {
            json.WriteStartObject("commit");
            json.WriteNumber("sample", commit);
            json.WriteNumber("bar", Math.Floor(clock.BarAt(commit).ToDouble()) + 1);
            json.WriteBoolean("pending", position < commit);
            json.WriteEndObject();
        }

        json.WriteStartArray("faulted");
        foreach (NodeFaultReport fault in session.Faults())
        {
            json.WriteStringValue(fault.NodeId);
        }

        json.WriteEndArray();
        WriteScope(json, session.Options.SampleRate);
        WriteNodeProbe(json, session.Options.SampleRate);
        WriteLoad(json, session.Options.SampleRate);
        WriteProfile(json);
        WriteMidi(json);
        json.WriteEndObject();
        return graphMessage;
    }

    /// <summary>The controller banks as :midi list prints them (bound controllers, learning), read twice a second.</summary>
    private void WriteMidi(Utf8JsonWriter json)
    {
        long now = Environment.TickCount64;
        if (now - _midiListAt >= 500)
        {
            _midiListAt = now;
            _midiList = _performance.MidiCommand("list");
        }

        json.WriteString("midi", _midiList);
    }

    private static void WriteTransport(Utf8JsonWriter json, TempoMap clock, long position, int sampleRate, bool playing)
    {
        Fraction bar = clock.BarAt(position);
        int beatsPerBar = clock.BeatsPerBarAt(position);
        double barNumber = Math.Floor(bar.ToDouble());
        double beatInBar = (bar.ToDouble() - barNumber) * beatsPerBar;
        json.WriteStartObject("transport");
        json.WriteNumber("bpm", Math.Round(clock.TempoAt(position).ToDouble(), 3));
        json.WriteNumber("bar", barNumber + 1);
        json.WriteNumber("beat", Math.Floor(beatInBar) + 1);

        // The beat since the start, as Lua's now() counts it: where the tracker view puts its play cursor.
        json.WriteNumber("songBeat", Math.Round(clock.BeatAt(position).ToDouble(), 6));

        // 480 ticks a beat, as MIDI sequencers count them.
        json.WriteNumber("tick", Math.Floor((beatInBar - Math.Floor(beatInBar)) * 480));
        json.WriteNumber("beatsPerBar", beatsPerBar);
        json.WriteNumber("position", position);
        json.WriteNumber("sampleRate", sampleRate);
        json.WriteBoolean("playing", playing);
        json.WriteEndObject();
    }

    private void WriteScope(Utf8JsonWriter json, int sampleRate)
    {
        int frames;
        long written;
        try
        {
            frames = _localTap is { } tap
                ? tap.CopyLatest(_scope, out written)
                : _performance.Remote!.Engine.GetScope(_scope, out written);
            _scopeError = "";
        }
        catch (Exception e) when (e is EngineRequestException or EngineUnavailableException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException or EngineProtocolException)
        {
            // The engine is being replaced, or is older than the scope: the page says so; the next frame tries again.
            frames = 0;
            written = 0;
            _scopeError = e.Message;
        }

        json.WriteStartObject("scope");
        json.WriteNumber("sampleRate", sampleRate);
        json.WriteNumber("written", written);
        if (_scopeError.Length > 0)
        {
            json.WriteString("error", _scopeError);
        }

        json.WriteStartArray("frames");
        for (int i = 0; i < frames; i++)
        {
            json.WriteNumberValue(MathF.Round(_scope[i], 5));
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// The nodes' meters (peak and RMS in dBFS since the previous frame; null is silence, −∞) and the picked node's
    /// scope, from the engine's <see cref="NodeProbe"/> (this process's, or the engine process's through GetProbe).
    /// Metering is switched on here, so only while a page is open; <see cref="StopMetering"/> switches it off.
    /// </summary>
    private void WriteNodeProbe(Utf8JsonWriter json, int sampleRate)
    {
        string? node = _scopeNodeId;
        ProbeReading reading;
        try
        {
            reading = _localProbe is { } probe
                ? ProbeReading.Read(probe, node, metering: true, _nodeScope)
                : _performance.Remote!.Engine.GetProbe(node, metering: true, _nodeScope);
            _metering = true;
        }
        catch (Exception e) when (e is EngineRequestException or EngineUnavailableException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException or EngineProtocolException)
        {
            // The engine is being replaced, or is older than the meters: the page says so; the next frame tries again.
            json.WriteString("meters", e.Message);
            return;
        }

        json.WriteStartObject("meters");
        for (int n = 0; n < reading.NodeIds.Count; n++)
        {
            // The output node runs no job of its own: it shows the output as played.
            bool isOutput = _outputIds.Contains(reading.NodeIds[n]);
            json.WriteStartArray(reading.NodeIds[n]);
            WriteDecibels(json, isOutput ? reading.OutputPeak : reading.Peak[n]);
            WriteDecibels(json, isOutput ? reading.OutputRms : reading.Rms[n]);
            json.WriteEndArray();
        }

        json.WriteEndObject();
        if (node is not null)
        {
            json.WriteStartObject("nodeScope");
            json.WriteString("node", node);
            json.WriteBoolean("found", reading.ScopeNodeFound);
            json.WriteNumber("sampleRate", sampleRate);
            json.WriteNumber("written", reading.ScopeWritten);
            json.WriteStartArray("frames");
            for (int i = 0; i < reading.ScopeFrames; i++)
            {
                json.WriteNumberValue(MathF.Round(_nodeScope[i], 5));
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }
    }

    /// <summary>
    /// The last <see cref="ProfileBlocks"/> blocks as the executor timed them (<see cref="JobTimeline"/>): each worker's
    /// jobs as bars with the critical path marked, the blocks with their deadlines and the late ones, and the nodes'
    /// measured cost. Timing is switched on here, so only while a page is open; <see cref="StopMetering"/> switches it off.
    /// </summary>
    private void WriteProfile(Utf8JsonWriter json)
    {
        TimelineReading profile;
        try
        {
            profile = ReadProfile(ProfileBlocks);
        }
        catch (Exception e) when (e is EngineRequestException or EngineUnavailableException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException or EngineProtocolException)
        {
            // The engine is being replaced, or is older than the profiler: the page says so; the next frame tries again.
            json.WriteString("profile", e.Message);
            return;
        }

        // The newest blocks whose jobs fit in a frame.
        int firstBlock = profile.Blocks.Count;
        int jobsShown = 0;
        while (firstBlock > 0)
        {
            long number = profile.Blocks[firstBlock - 1].Block;
            int jobs = profile.Jobs.Count(j => j.Block == number);
            if (firstBlock < profile.Blocks.Count && jobsShown + jobs > MaxFrameJobs)
            {
                break;
            }

            jobsShown += jobs;
            firstBlock--;
        }

        long fromBlock = firstBlock < profile.Blocks.Count ? profile.Blocks[firstBlock].Block : long.MaxValue;
        json.WriteStartObject("profile");
        json.WriteNumber("workers", profile.Workers);
        json.WriteNumber("late", profile.Blocks.Skip(firstBlock).Count(b => b.Late));

        // Compact rows: [start µs, end µs, deadline µs, late, serial] and [worker, start µs, end µs, label, node, critical].
        json.WriteStartArray("blocks");
        foreach (TimelineBlock block in profile.Blocks.Skip(firstBlock))
        {
            json.WriteStartArray();
            json.WriteNumberValue(Math.Round(block.StartNs / 1000, 2));
            json.WriteNumberValue(Math.Round(block.EndNs / 1000, 2));
            json.WriteNumberValue(Math.Round(block.DeadlineNs / 1000, 2));
            json.WriteNumberValue(block.Late ? 1 : 0);
            json.WriteNumberValue(block.Serial ? 1 : 0);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteStartArray("jobs");
        foreach (TimelineJob job in profile.Jobs)
        {
            if (job.Block < fromBlock)
            {
                continue;
            }

            json.WriteStartArray();
            json.WriteNumberValue(job.Worker);
            json.WriteNumberValue(Math.Round(job.StartNs / 1000, 2));
            json.WriteNumberValue(Math.Round(job.EndNs / 1000, 2));
            json.WriteStringValue(job.Label);
            json.WriteStringValue(job.Node);
            json.WriteNumberValue(job.Critical ? 1 : 0);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteStartArray("costs");
        foreach (MeasuredNodeCost cost in profile.NodeCosts.Take(CostRows))
        {
            json.WriteStartArray();
            json.WriteStringValue(cost.Node);
            json.WriteNumberValue(Math.Round(cost.MeanNs / 1000, 2));
            json.WriteNumberValue(Math.Round(cost.MaxNs / 1000, 2));
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Switches job timing on (this process's renderer, or the engine process's through GetProfile) and reads the last blocks.</summary>
    private TimelineReading ReadProfile(int blocks)
    {
        _timing = true;
        if (_local is { } local)
        {
            local.Renderer.Timeline = _localTimeline;
            return _localTimeline!.Read(blocks);
        }

        return _performance.Remote!.Engine.GetProfile(timing: true, blocks);
    }

    /// <summary>No page is open: the jobs stop metering and timing (a picked node's scope stays, one copy per block). Feed thread.</summary>
    public void StopMetering()
    {
        StopTiming();
        if (!_metering)
        {
            return;
        }

        _metering = false;
        try
        {
            if (_localProbe is { } probe)
            {
                probe.Metering = false;
            }
            else
            {
                _performance.Remote!.Engine.GetProbe(_scopeNodeId, metering: false, []);
            }
        }
        catch (Exception e) when (e is EngineRequestException or EngineUnavailableException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException or EngineProtocolException)
        {
            // A replaced engine starts with its meters off.
        }
    }

    private void StopTiming()
    {
        if (!_timing)
        {
            return;
        }

        _timing = false;
        try
        {
            if (_local is { } local)
            {
                local.Renderer.Timeline = null;
            }
            else
            {
                _performance.Remote!.Engine.GetProfile(timing: false, 1);
            }
        }
        catch (Exception e) when (e is EngineRequestException or EngineUnavailableException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException or EngineProtocolException)
        {
            // A replaced engine starts with its timing off.
        }
    }

    private static void WriteDecibels(Utf8JsonWriter json, float linear)
    {
        if (linear > 0)
        {
            json.WriteNumberValue(Math.Round(20 * Math.Log10(linear), 2));
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private void WriteLoad(Utf8JsonWriter json, int sampleRate)
    {
        (IReadOnlyList<double> busy, long position) = _performance.Stats.WorkerBusySeconds();
        if (busy.Count > 0 && position > _lastBusyPosition && _lastBusy.Count == busy.Count)
        {
            double wall = (position - _lastBusyPosition) / (double)sampleRate;
            double[] share = [.. busy.Select((b, w) => Math.Clamp((b - _lastBusy[w]) / wall, 0, 1))];
            lock (_gate)
            {
                _load.Add(new LoadSample(DateTime.UtcNow, position, share));
                if (_load.Count > LoadHistory)
                {
                    _load.RemoveAt(0);
                }
            }
        }

        if (busy.Count > 0 && position != _lastBusyPosition)
        {
            _lastBusy = busy;
            _lastBusyPosition = position;
        }

        json.WriteNumber("workers", busy.Count);
        json.WriteStartArray("load");
        lock (_gate)
        {
            LoadSample? latest = _load.Count > 0 ? _load[^1] : null;
            foreach (double share in latest?.Share ?? [])
            {
                json.WriteNumberValue(Math.Round(share, 4));
            }
        }

        json.WriteEndArray();
        WriteBlockTimes(json, sampleRate);
    }

    private void WriteBlockTimes(Utf8JsonWriter json, int sampleRate)
    {
        json.WriteStartObject("blocks");
        if (_performance.Remote?.LastStats is { } stats)
        {
            json.WriteString("driver", stats.Driver);
            json.WriteNumber("p50Us", stats.BlockP50Us);
            json.WriteNumber("p99Us", stats.BlockP99Us);
            json.WriteNumber("maxUs", stats.BlockMaxUs);
            json.WriteNumber("xruns", stats.Xruns);
            json.WriteNumber("deadlineMisses", stats.DeadlineMisses);
            json.WriteNumber("audioAllocatedBytes", stats.AudioThreadAllocatedBytes);
        }
        else if (_performance.Driver is { } driver)
        {
            json.WriteString("driver", driver.Name);
            json.WriteNumber("p50Us", driver.Stats.PercentileUs(0.5));
            json.WriteNumber("p99Us", driver.Stats.PercentileUs(0.99));
            json.WriteNumber("maxUs", driver.Stats.MaxUs());
            json.WriteNumber("xruns", driver.Stats.Xruns);
            json.WriteNumber("deadlineMisses", driver.Stats.DeadlineMisses);
            json.WriteNumber("audioAllocatedBytes", driver.Stats.AllocatedAfterWarmUp);
            json.WriteNumber("deadlineUs", driver.BufferFrames * 1e6 / sampleRate);
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// The last <see cref="ExportBlocks"/> timed blocks as a Chrome trace (JSON), which Perfetto opens: a thread per
    /// worker with its jobs as slices (category <c>critical</c> on the critical path), a thread of blocks with late ones
    /// marked, and a counter track per worker of its busy share over the load history.
    /// </summary>
    public byte[] PerfettoTrace()
    {
        TimelineReading? profile;
        try
        {
            profile = _localTimeline is { } timeline ? timeline.Read(ExportBlocks) : _performance.Remote!.Engine.GetProfile(timing: Volatile.Read(ref _timing), ExportBlocks);
        }
        catch (Exception e) when (e is EngineRequestException or EngineUnavailableException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException or EngineProtocolException)
        {
            profile = null;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("traceEvents");
            int workers = profile?.Workers ?? 0;
            for (int w = 0; w <= workers; w++)
            {
                json.WriteStartObject();
                json.WriteString("name", "thread_name");
                json.WriteString("ph", "M");
                json.WriteNumber("pid", 1);
                json.WriteNumber("tid", w == workers ? BlocksTrack : w);
                json.WriteStartObject("args");
                json.WriteString("name", w == workers ? "blocks" : string.Create(CultureInfo.InvariantCulture, $"worker {w}"));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            foreach (TimelineJob job in profile?.Jobs ?? [])
            {
                json.WriteStartObject();
                json.WriteString("name", job.Label);
                json.WriteString("cat", job.Critical ? "critical" : "job");
                json.WriteString("ph", "X");
                json.WriteNumber("ts", Math.Round(job.StartNs / 1000, 3));
                json.WriteNumber("dur", Math.Round((job.EndNs - job.StartNs) / 1000, 3));
                json.WriteNumber("pid", 1);
                json.WriteNumber("tid", job.Worker);
                json.WriteStartObject("args");
                json.WriteString("node", job.Node);
                json.WriteNumber("block", job.Block);
                json.WriteBoolean("critical", job.Critical);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            foreach (TimelineBlock block in profile?.Blocks ?? [])
            {
                json.WriteStartObject();
                json.WriteString("name", block.Late ? "late block" : "block");
                json.WriteString("cat", block.Late ? "xrun" : "block");
                json.WriteString("ph", "X");
                json.WriteNumber("ts", Math.Round(block.StartNs / 1000, 3));
                json.WriteNumber("dur", Math.Round((block.EndNs - block.StartNs) / 1000, 3));
                json.WriteNumber("pid", 1);
                json.WriteNumber("tid", BlocksTrack);
                json.WriteStartObject("args");
                json.WriteNumber("block", block.Block);
                json.WriteNumber("frames", block.Frames);
                json.WriteNumber("deadlineUs", Math.Round(block.DeadlineNs / 1000, 3));
                json.WriteBoolean("serial", block.Serial);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            LoadSample[] load;
            lock (_gate)
            {
                load = [.. _load];
            }

            DateTime origin = load.Length > 0 ? load[0].At : DateTime.UtcNow;
            for (int s = 0; s < load.Length; s++)
            {
                for (int w = 0; w < load[s].Share.Length; w++)
                {
                    json.WriteStartObject();
                    json.WriteString("name", string.Create(CultureInfo.InvariantCulture, $"worker {w} busy"));
                    json.WriteString("ph", "C");
                    json.WriteNumber("ts", Math.Round((load[s].At - origin).TotalMicroseconds));
                    json.WriteNumber("pid", 2);
                    json.WriteNumber("tid", w);
                    json.WriteStartObject("args");
                    json.WriteNumber("share", load[s].Share[w]);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            json.WriteString("displayTimeUnit", "ms");
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Runs one command from the page (<c>{"op":"param"|"tempo"|"undo"|"panic"|"stop"|"play"|"tracker"|"tracker-set",…}</c>) through
    /// the performance, as the REPL would: logged, on the same path. Returns the answer for the page; a refusal is an
    /// answer, not an exception.
    /// </summary>
    public StageAnswer Execute(JsonElement command)
    {
        try
        {
            string op = command.GetProperty("op").GetString() ?? "";

            // Where the page's tempo and parameter changes land: its quantisation box (now, beat, bar, N bars).
            string? quantize = command.TryGetProperty("quantize", out JsonElement q) ? q.GetString() : null;
            if (!Quantization.TryParse(quantize, out Quantization when, out string? error))
            {
                return new(false, error ?? $"Not a quantisation: '{quantize}'.");
            }

            switch (op)
            {
                case "param":
                    {
                        string node = command.GetProperty("node").GetString() ?? "";
                        string parameter = command.GetProperty("param").GetString() ?? "";
                        double value = command.GetProperty("value").GetDouble();
                        long sample = _performance.SetParameter(node, parameter, value, when);
                        return new(true, string.Create(CultureInfo.InvariantCulture, $"{node}.{parameter} = {value:0.####} at sample {sample}"));
                    }

                case "tempo":
                    {
                        decimal bpm = Math.Round((decimal)command.GetProperty("bpm").GetDouble(), 2);
                        long sample = _performance.SetTempo(Fraction.FromDecimal(bpm), when);
                        return new(true, string.Create(CultureInfo.InvariantCulture, $"tempo {bpm} BPM at sample {sample}"));
                    }

                case "midi":
                    {
                        // As :midi takes it (docs/midi.md): list, bind, unbind, learn, cancel, bank.
                        string text = command.GetProperty("command").GetString() ?? "";
                        string answer = _performance.MidiCommand(text);
                        _midiListAt = 0;
                        return new(true, answer);
                    }

                case "undo":
                    return _performance.Undo(Quantization.NextBar) ? new(true, "undo lands at the next bar") : new(false, "nothing to undo");

                case "scope":
                    {
                        // A view setting, not a change to the performance: not logged.
                        string? node = command.TryGetProperty("node", out JsonElement n) ? n.GetString() : null;
                        _scopeNodeId = string.IsNullOrEmpty(node) ? null : node;
                        return new(true, _scopeNodeId is null ? "scope: the output" : $"scope: {node}");
                    }

                case "panic":
                    _performance.Panic();
                    return new(true, "panic: every callback stopped, fading to silence");

                case "stop":
                    return new(true, string.Create(CultureInfo.InvariantCulture, $"stopped at sample {_performance.SetTransport(playing: false)}: silent, the clock held"));

                case "play":
                    return new(true, string.Create(CultureInfo.InvariantCulture, $"playing from sample {_performance.SetTransport(playing: true)}"));

                case "tracker":
                    return ReadTracker(command.TryGetProperty("name", out JsonElement name) ? name.GetString() ?? "" : "");

                case "tracker-set":
                    return SetTrackerCell(Text(command, "name"), WholeNumber(command, "row"), WholeNumber(command, "track"), Text(command, "cell"));

                default:
                    return new(false, $"No command '{op}': the page sends param, tempo, midi, scope, undo, panic, stop, play, tracker and tracker-set.");
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or FormatException or OverflowException or GraphValidationException)
        {
            return new(false, e.Message);
        }
    }

    /// <summary>
    /// The tracker view's read: the pattern names, and <paramref name="name"/>'s grid as <c>tracker_view</c> gives it
    /// (stdlib/tracker.lua; the REPL's :tracker draws the same text). A read changes nothing, so it is asked of the
    /// Lua state directly and not written to the session log: a page reads once a bar, and the log keeps only actions.
    /// </summary>
    private StageAnswer ReadTracker(string name)
    {
        if (!_performance.Languages.TryGet("lua", out ILiveLanguage? lua) || lua is null)
        {
            return new(false, "The tracker view needs Lua, and this performance has none.");
        }

        string code = name.Length == 0
            ? "print(tracker_list())"
            : "print(tracker_list())\nprint(tracker_view(" + LuaString(name) + "))";
        Evaluation read = lua.EvaluateAsync(code, "stage tracker view", Quantization.Now).GetAwaiter().GetResult();
        if (!read.Ok)
        {
            return new(false, read.Error ?? "tracker_view failed");
        }

        string output = read.Output.TrimEnd('\n');
        int split = output.IndexOf('\n', StringComparison.Ordinal);
        string names = split < 0 ? output : output[..split];
        return new(true, names, View: split < 0 ? null : output[(split + 1)..]);
    }

    /// <summary>
    /// An edit of one cell on the page, as the REPL's <c>:tracker NAME ROW TRACK CELL</c> makes it: the equivalent
    /// <c>tracker_set</c> line, evaluated (and logged) as typed code is, and handed back so the page can show it. A cell
    /// that does not read is the Lua error, and the pattern is as it was.
    /// </summary>
    private StageAnswer SetTrackerCell(string name, int row, int track, string cell)
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"tracker_set({LuaString(name)}, {row}, {track}, {LuaString(cell)})");
        Evaluation result = _performance.Evaluate("lua", line, "stage", Quantization.NextBar);
        return result.Ok ? new(true, "tracker: " + line, line) : new(false, result.Error ?? "tracker_set failed", line);
    }

    private static string Text(JsonElement command, string field) =>
        command.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new ArgumentException($"tracker-set needs {field}, a string (name: the pattern; cell: as :tracker takes it, e.g. \"C-4 v40\").");

    private static int WholeNumber(JsonElement command, string field) =>
        command.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : throw new ArgumentException($"tracker-set needs {field}, a whole number (rows from 0, tracks from 1).");

    private static string LuaString(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    private byte[] BuildGraphMessage(GraphDescription graph, int version)
    {
        NodeTypeRegistry registry = _performance.Registry;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("t", "graph");
            json.WriteNumber("version", version);
            json.WriteStartArray("nodes");
            foreach (NodeSpec node in graph.Nodes)
            {
                json.WriteStartObject();
                json.WriteString("id", node.Id);
                json.WriteString("type", node.Type);
                json.WriteBoolean("added", version > 1 && !_previousIds.Contains(node.Id));
                json.WriteStartArray("params");
                if (registry.TryGet(node.Type, out NodeTypeDescriptor? type))
                {
                    foreach (ParameterDescriptor parameter in type.Parameters)
                    {
                        json.WriteStartObject();
                        json.WriteString("name", parameter.Name);
                        json.WriteNumber("min", parameter.Min);
                        json.WriteNumber("max", parameter.Max);
                        json.WriteString("unit", parameter.Unit);
                        json.WriteNumber("value", node.Parameters.TryGetValue(parameter.Name, out double value) ? value : parameter.Default);
                        json.WriteEndObject();
                    }
                }

                json.WriteEndArray();

                // Estimated from the type's cost per frame, as :graph prints it (measured costs need the engine's profiler).
                json.WriteNumber("costNsPerFrame", type is null ? 0 : type.CostNsPerFrame * (node.Channels ?? type.DefaultChannels));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("edges");
            foreach (EdgeSpec edge in graph.Edges)
            {
                json.WriteStartObject();
                json.WriteString("from", edge.From);
                json.WriteString("to", edge.To);
                json.WriteString("toPort", edge.ToPort);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static int Shape(GraphDescription graph)
    {
        var hash = new HashCode();
        foreach (NodeSpec node in graph.Nodes)
        {
            hash.Add(node.Id, StringComparer.Ordinal);
            hash.Add(node.Type, StringComparer.Ordinal);
            hash.Add(node.Channels);
            foreach ((string name, double value) in node.Parameters)
            {
                hash.Add(name, StringComparer.Ordinal);
                hash.Add(value);
            }
        }

        foreach (EdgeSpec edge in graph.Edges)
        {
            hash.Add(edge.From, StringComparer.Ordinal);
            hash.Add(edge.FromPort, StringComparer.Ordinal);
            hash.Add(edge.To, StringComparer.Ordinal);
            hash.Add(edge.ToPort, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    private sealed record LoadSample(DateTime At, long Position, double[] Share);
}
