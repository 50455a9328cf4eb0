using System.Globalization;
using System.Text;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Hosts.Engine;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.Frontend;

/// <summary>The performance as text for the performer: the playing graph (<c>:graph</c>) and the engine's figures (<c>:stats</c>).</summary>
public sealed class PerformanceStats
{
    private readonly ILiveSession _session;
    private readonly LiveSession? _local;
    private readonly RemoteSession? _remote;
    private readonly Func<DriverHandle?> _driver;
    private readonly IGraphExecutor? _executor;
    private readonly NodeTypeRegistry _registry;
    private readonly int _blockFrames;
    private double[] _lastWorkerBusy = [];
    private long _lastWorkerBusyAt;

    /// <param name="session">The session the engine plays: <paramref name="local"/> or <paramref name="remote"/>.</param>
    /// <param name="local">The session when the engine renders in this process.</param>
    /// <param name="remote">The session when the engine plays in its own process.</param>
    /// <param name="driver">The driver playing <paramref name="local"/>, or null offline.</param>
    /// <param name="executor">The executor rendering <paramref name="local"/>.</param>
    /// <param name="registry">The node types (for their estimated cost).</param>
    /// <param name="blockFrames">Frames per block offline.</param>
    public PerformanceStats(ILiveSession session, LiveSession? local, RemoteSession? remote, Func<DriverHandle?> driver, IGraphExecutor? executor, NodeTypeRegistry registry, int blockFrames)
    {
        _session = session;
        _local = local;
        _remote = remote;
        _driver = driver;
        _executor = executor;
        _registry = registry;
        _blockFrames = blockFrames;
    }

    /// <summary>A text view of the playing graph: nodes in order, their inputs and their estimated cost per block.</summary>
    public string DescribeGraph()
    {
        GraphDescription graph = _session.Graph;
        HashSet<string> faulted = [.. _session.Faults().Select(f => f.NodeId)];
        int block = _driver()?.BufferFrames ?? _blockFrames;
        var text = new StringBuilder();
        string playing = _local is { } local ? $"{local.Renderer.Current.Jobs.Length} jobs playing" : "playing in the engine process";
        text.AppendLine(CultureInfo.InvariantCulture, $"{graph.Nodes.Count} nodes, {graph.Edges.Count} edges; {playing}");
        if (_local is { } banked)
        {
            text.AppendLine("voice banks: " + banked.Renderer.Current.DescribeBanks().Replace("\n", "\n             ", StringComparison.Ordinal));
        }

        foreach (NodeSpec node in graph.Nodes)
        {
            string inputs = string.Join(", ", graph.Edges.Where(e => e.To == node.Id).Select(e => e.ToPort == "in" ? e.From : $"{e.From}→{e.ToPort}"));
            string parameters = string.Join(" ", node.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value:0.###}")));
            double costUs = _registry.TryGet(node.Type, out NodeTypeDescriptor? type) ? type.CostNsPerFrame * block * (node.Channels ?? type.DefaultChannels) / 1000 : 0;
            string fault = faulted.Contains(node.Id) ? "  FAULTED" : "";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {node.Id,-14} {node.Type,-10} ~{costUs,6:0.0} µs  {(inputs.Length > 0 ? "← " + inputs : "")}  {parameters}{fault}").TrimEnd());
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Block time, xruns, load and garbage collections (the engine's, and this process's), as text.</summary>
    public string DescribeStats()
    {
        var text = new StringBuilder();
        long position = _session.Position;
        text.AppendLine(CultureInfo.InvariantCulture, $"position {position} samples = bar {_session.Clock.BarAt(position).ToDouble() + 1:0.00}, tempo {_session.Clock.TempoAt(position).ToDouble():0.##} BPM");
        if (_remote is { } remote)
        {
            EngineStats stats = remote.PollStats();
            EngineInfo info = remote.Engine.Info;
            text.AppendLine(CultureInfo.InvariantCulture, $"engine process {info.ProcessId}, driver {stats.Driver}: {stats.Callbacks} callbacks, xruns {stats.Xruns}, deadline misses {stats.DeadlineMisses}; block time p50 {stats.BlockP50Us:0} µs, p99 {stats.BlockP99Us:0} µs, max {stats.BlockMaxUs:0} µs");
            text.AppendLine(CultureInfo.InvariantCulture, $"audio thread allocated {stats.AudioThreadAllocatedBytes} bytes after warm-up; {stats.RealTime}");
            if (stats.Domains.Length > 0)
            {
                text.AppendLine(stats.Domains);
            }

            if (stats.Admission.Length > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"admission: predicted {stats.Admission}; measured p50 {stats.BlockP50Us:0.0} µs, p99 {stats.BlockP99Us:0.0} µs");
            }

            text.AppendLine(DescribeWorkers(stats.WorkerBusySeconds, stats.Position));
            text.AppendLine(CultureInfo.InvariantCulture, $"engine GC count gen0 {stats.Gen0Collections}, gen1 {stats.Gen1Collections}, gen2 {stats.Gen2Collections}, paused {stats.GcPauseUs / 1000.0:0.#} ms in all; allocated {stats.AllocatedBytes / 1e6:0.0} MB since it started");
            text.AppendLine(CultureInfo.InvariantCulture, $"front GC count gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)} (never pauses the audio)");
            return text.ToString().TrimEnd();
        }

        if (_driver() is { } driver)
        {
            BlockTimeStats stats = driver.Stats;
            double deadline = driver.BufferFrames * 1e6 / _session.Options.SampleRate;
            text.AppendLine(CultureInfo.InvariantCulture, $"driver {driver.Name}: {stats.Callbacks} blocks of {driver.BufferFrames}, xruns {stats.Xruns}; block time p50 {stats.PercentileUs(0.5):0} µs, p99 {stats.PercentileUs(0.99):0} µs, max {stats.MaxUs():0} µs of {deadline:0} µs (load p99 {stats.PercentileUs(0.99) / deadline:P0})");
            text.AppendLine(CultureInfo.InvariantCulture, $"audio thread allocated {stats.AllocatedAfterWarmUp} bytes after warm-up");
            if (_local?.LastPrediction is { } prediction)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"admission: predicted {prediction.Describe()}; measured p50 {stats.PercentileUs(0.5):0.0} µs, p99 {stats.PercentileUs(0.99):0.0} µs");
            }

            if (_local is { } session)
            {
                text.AppendLine(session.DescribeDomains(driver.BufferFrames));
            }
        }
        else
        {
            text.AppendLine("no driver: offline");
        }

        if (_executor is Scheduling.ParallelExecutor parallel)
        {
            text.AppendLine(DescribeWorkers([.. Enumerable.Range(0, parallel.Threads).Select(w => parallel.WorkerBusyTicks(w) / (double)System.Diagnostics.Stopwatch.Frequency)], position));
        }
        else if (_driver() is { } single)
        {
            text.AppendLine(DescribeWorkers([single.Stats.BusyTicks / (double)System.Diagnostics.Stopwatch.Frequency], position));
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"workers {_executor?.Threads ?? 1}; GC count gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}; dropped events {_local!.Renderer.DroppedEvents}");
        return text.ToString().TrimEnd();
    }

    /// <summary>
    /// Seconds each worker spent inside audio blocks since the engine started (one entry, the audio thread's, for a
    /// single-threaded engine), with the stream position they were read at: the engine's latest statistics (polled
    /// every 250 ms by the control thread), or this process's executor. Empty offline or before the first poll.
    /// </summary>
    public (IReadOnlyList<double> BusySeconds, long Position) WorkerBusySeconds()
    {
        if (_remote is { } remote)
        {
            return remote.LastStats is { } stats ? (stats.WorkerBusySeconds, stats.Position) : ([], 0);
        }

        if (_executor is Scheduling.ParallelExecutor parallel)
        {
            return ([.. Enumerable.Range(0, parallel.Threads).Select(w => parallel.WorkerBusyTicks(w) / (double)System.Diagnostics.Stopwatch.Frequency)], _session.Position);
        }

        return _driver() is { } single ? ([single.Stats.BusyTicks / (double)System.Diagnostics.Stopwatch.Frequency], _session.Position) : ([], 0);
    }

    /// <summary>CPU per worker: the share of wall time each spent in audio blocks since the last call (or since it started).</summary>
    private string DescribeWorkers(IReadOnlyList<double> busySeconds, long position)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        bool since = _lastWorkerBusy.Length == busySeconds.Count && _lastWorkerBusyAt != 0 && busySeconds.Zip(_lastWorkerBusy).All(p => p.First >= p.Second);

        // The first time: since the engine started, which is where its clock starts.
        double wall = since
            ? System.Diagnostics.Stopwatch.GetElapsedTime(_lastWorkerBusyAt, now).TotalSeconds
            : (position - _session.Clock.Origin.Sample) / (double)_session.Options.SampleRate;
        var text = new StringBuilder(since ? "CPU per worker since the last :stats:" : "CPU per worker since the start:");
        for (int w = 0; w < busySeconds.Count; w++)
        {
            double busy = busySeconds[w] - (since ? _lastWorkerBusy[w] : 0);
            text.Append(CultureInfo.InvariantCulture, $" w{w} {(wall > 0 ? busy / wall : 0):P1}");
        }

        _lastWorkerBusy = [.. busySeconds];
        _lastWorkerBusyAt = now;
        return text.ToString();
    }
}
