using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Time;

namespace LiveEngine.Live;

/// <summary>
/// The control API of a live performance: commit a new graph at a musical time, undo, read the clock and the
/// graph. A commit is a transaction: the description is validated and compiled into a snapshot off the audio
/// thread, and only if all of that succeeds is the snapshot queued to land at its exact sample; on any error
/// nothing changes and the caller gets the precise message. Nodes whose id, type, channels and options are
/// unchanged carry their state over (same instance); their parameters glide to the new values.
/// Control side: calls are serialised internally; the audio side is <see cref="Renderer"/>.
/// </summary>
public sealed class LiveSession
{
    private readonly object _gate = new();
    private readonly NodeTypeRegistry _registry;
    private readonly LiveSessionOptions _options;
    private readonly IGraphExecutor _executor;
    private readonly List<string> _history = [];
    private GraphSnapshot _latest;
    private long _lastCommitSample;
    private long _commits;

    public LiveSession(NodeTypeRegistry registry, GraphDescription initial, LiveSessionOptions? options = null, IGraphExecutor? executor = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(initial);
        _registry = registry;
        _options = options ?? new LiveSessionOptions();
        _executor = executor ?? SingleThreadExecutor.Instance;
        Clock = new TempoMap(_options.SampleRate, _options.Tempo, _options.BeatsPerBar);
        string json = initial.ToJson();
        _latest = Compile(GraphDescription.FromJson(json), previous: null);
        _history.Add(json);
        Renderer = new LiveRenderer(_latest, _executor, _options.OutputChannels);
    }

    /// <summary>The audio side: give it to the host's callback (or drive it offline).</summary>
    public LiveRenderer Renderer { get; }

    /// <summary>Tempo, meter and beat/bar positions. Control thread.</summary>
    public TempoMap Clock { get; }

    /// <summary>The latest committed graph (it may not have landed yet), as a copy.</summary>
    public GraphDescription Graph
    {
        get
        {
            lock (_gate)
            {
                return GraphDescription.FromJson(_history[^1]);
            }
        }
    }

    /// <summary>Commits that can be undone.</summary>
    public int UndoDepth
    {
        get
        {
            lock (_gate)
            {
                return _history.Count - 1;
            }
        }
    }

    /// <summary>
    /// Validates and compiles <paramref name="graph"/> and schedules it to replace the graph at
    /// <paramref name="when"/>. Throws <see cref="GraphValidationException"/> (nothing changes) if the graph is
    /// invalid. Commits land in the order made: one never lands before an earlier one.
    /// </summary>
    public CommitTicket Commit(GraphDescription graph, Quantization when)
    {
        ArgumentNullException.ThrowIfNull(graph);
        string json = graph.ToJson();
        lock (_gate)
        {
            CommitTicket ticket = Publish(GraphDescription.FromJson(json), when);
            _history.Add(json);
            return ticket;
        }
    }

    /// <summary>Brings back the graph before the last commit, at <paramref name="when"/>. False if there is nothing to undo.</summary>
    public bool TryUndo(Quantization when, out CommitTicket? ticket)
    {
        lock (_gate)
        {
            if (_history.Count < 2)
            {
                ticket = null;
                return false;
            }

            ticket = Publish(GraphDescription.FromJson(_history[^2]), when);
            _history.RemoveAt(_history.Count - 1);
            return true;
        }
    }

    /// <summary>Releases snapshots the audio side has replaced (epoch reclamation's housekeeping step). Returns how many.</summary>
    public int CollectRetired()
    {
        lock (_gate)
        {
            return CollectRetiredLocked();
        }
    }

    private CommitTicket Publish(GraphDescription graph, Quantization when)
    {
        GraphSnapshot snapshot = Compile(graph, _latest);
        long now = Renderer.Position;
        long at = Math.Max(Clock.Resolve(when, now), _lastCommitSample);
        var ticket = new CommitTicket(++_commits, snapshot, at);
        CollectRetiredLocked();
        if (!Renderer.TryEnqueue(ticket))
        {
            throw new InvalidOperationException($"{LiveRenderer.QueueCapacity} commits are already waiting to land; wait for some of them (is the audio side running?).");
        }

        _latest = snapshot;
        _lastCommitSample = at;
        return ticket;
    }

    private GraphSnapshot Compile(GraphDescription graph, GraphSnapshot? previous)
    {
        var options = new CompileOptions
        {
            SampleRate = _options.SampleRate,
            MaxBlockFrames = _options.MaxBlockFrames,
            Seed = _options.Seed,
            Previous = previous,
        };
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, _registry, options);
        _executor.Prepare(snapshot);
        return snapshot;
    }

    private int CollectRetiredLocked()
    {
        int count = 0;
        while (Renderer.TryTakeRetired(out _))
        {
            count++;
        }

        return count;
    }
}
