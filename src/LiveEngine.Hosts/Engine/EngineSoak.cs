using System.Diagnostics;
using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>What a soak measured in the engine (between its first and last stats request) and in the front.</summary>
public sealed record SoakReport(
    TimeSpan Duration,
    int Edits,
    long ParameterChanges,
    EngineStats Before,
    EngineStats After,
    long FrontGen0Collections)
{
    public long AllocatedBytes => After.AllocatedBytes - Before.AllocatedBytes;

    public long Gen0 => After.Gen0Collections - Before.Gen0Collections;

    public long Gen1 => After.Gen1Collections - Before.Gen1Collections;

    public long Gen2 => After.Gen2Collections - Before.Gen2Collections;

    public long GcPauseUs => After.GcPauseUs - Before.GcPauseUs;

    public long Xruns => After.Xruns - Before.Xruns;

    public long DeadlineMisses => After.DeadlineMisses - Before.DeadlineMisses;

    public long PositionAdvance => After.Position - Before.Position;

    /// <summary>The machine's steal time over the run, in words (<see cref="RealTime.StealTime.Describe"/>); empty where not known.</summary>
    public string Steal { get; init; } = "";
}

/// <summary>
/// The GC-quiet soak (docs/audio.md): drives an engine as a live coder would — a graph edit every
/// <c>editEvery</c> (a small voice added, then removed: a new snapshot compiled each time) and a parameter change at
/// <c>parameterHz</c> — while, optionally, the front itself churns garbage (as Roslyn does when it compiles), and
/// reports the engine's allocated bytes, GC counts and block times over the run.
/// </summary>
public static class EngineSoak
{
    private const string ExtraOscillator = "soak-osc";
    private const string ExtraPan = "soak-pan";

    /// <summary>A small graph for the soak: a sine through a gain and a pan to the output; the gain's level is what changes at 100 Hz.</summary>
    public static GraphDescription DefaultGraph()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 220, ["level"] = 0.2 });
        graph.Add("amp", "gain");
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "amp", "pan", "out");
        return graph;
    }

    /// <summary>The first node of <paramref name="graph"/> whose type has a "level" parameter (what the soak changes at 100 Hz).</summary>
    public static string LevelNode(GraphDescription graph, NodeTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(registry);
        foreach (NodeSpec node in graph.Nodes)
        {
            if (registry.TryGet(node.Type, out NodeTypeDescriptor? type) && type.FindParameter("level") >= 0)
            {
                return node.Id;
            }
        }

        throw new ArgumentException("The graph has no node with a 'level' parameter for the soak to change.", nameof(graph));
    }

    /// <summary>Runs the soak against <paramref name="engine"/> for <paramref name="duration"/>; the engine must already play.</summary>
    public static SoakReport Run(IEngineControl engine, GraphDescription graph, string levelNode, TimeSpan duration, TimeSpan editEvery, double parameterHz = 100, bool frontGarbage = false, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(graph);
        string outId = graph.Nodes.Find(n => n.Type == "out")?.Id ?? throw new ArgumentException("The graph has no 'out' node.", nameof(graph));
        GraphDescription withVoice = graph.Clone();
        withVoice.Add(ExtraOscillator, "sine", new Dictionary<string, double> { ["freqHz"] = 330, ["level"] = 0.05 });
        withVoice.Add(ExtraPan, "pan");
        withVoice.Chain(ExtraOscillator, ExtraPan, outId);

        engine.Commit(graph, Quantization.Now);

        // Both graphs once before measuring: the first commit of a node kind the engine has not run yet (the voice's
        // sine, in 'session') has admission measure it on a trial compile of the whole graph, rendered for up to a
        // second (~110 MB for 'session'; docs/performance.md, "Admission control"). That happens once per kind in an
        // engine's life; the soak measures the steady state of edits after it.
        engine.Commit(withVoice, Quantization.Now);
        engine.Commit(graph, Quantization.Now);

        // Let the commits land and the engine's request path warm up before measuring.
        for (int i = 0; i < 50; i++)
        {
            engine.SetParameter(levelNode, "level", 0.5, Quantization.Now);
            Thread.Sleep(2);
        }

        using var stopGarbage = new CancellationTokenSource();
        int frontGen0Start = GC.CollectionCount(0);
        Thread? garbage = frontGarbage ? StartGarbage(stopGarbage.Token) : null;

        EngineStats before = engine.GetStats();
        TimeSpan? stealBefore = RealTime.StealTime.ReadTotal();
        var clock = Stopwatch.StartNew();
        long period = (long)(Stopwatch.Frequency / parameterHz);
        long nextParameter = Stopwatch.GetTimestamp();
        TimeSpan nextEdit = editEvery;
        TimeSpan nextProgress = TimeSpan.FromSeconds(10);
        int edits = 0;
        long changes = 0;
        while (clock.Elapsed < duration)
        {
            if (clock.Elapsed >= nextEdit)
            {
                engine.Commit(edits % 2 == 0 ? withVoice : graph, Quantization.Now);
                edits++;
                nextEdit += editEvery;
            }

            // A triangle between 0.1 and 0.9, one cycle per second: every change lands a different value.
            double phase = (changes % (long)parameterHz) / parameterHz;
            engine.SetParameter(levelNode, "level", 0.1 + (0.8 * (phase < 0.5 ? 2 * phase : 2 - (2 * phase))), Quantization.Now);
            changes++;
            if (progress is not null && clock.Elapsed >= nextProgress)
            {
                progress($"{clock.Elapsed.TotalSeconds:0} s: {edits} edits, {changes} parameter changes");
                nextProgress += TimeSpan.FromSeconds(10);
            }

            nextParameter += period;
            long wait = nextParameter - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                Thread.Sleep(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }
        }

        EngineStats after = engine.GetStats();
        string steal = RealTime.StealTime.Describe(stealBefore, RealTime.StealTime.ReadTotal(), clock.Elapsed);
        stopGarbage.Cancel();
        garbage?.Join();
        return new SoakReport(clock.Elapsed, edits, changes, before, after, GC.CollectionCount(0) - frontGen0Start) { Steal = steal };
    }

    /// <summary>The front's GC storm: short-lived arrays as fast as one thread makes them (about what Roslyn does while compiling).</summary>
    private static Thread StartGarbage(CancellationToken stop)
    {
        var thread = new Thread(() =>
        {
            object?[] keep = new object?[64];
            int i = 0;
            while (!stop.IsCancellationRequested)
            {
                keep[i++ & 63] = new byte[4096];
                if ((i & 1023) == 0)
                {
                    // Leave the shared cores to the engine now and then; the point is the GC count, not the CPU load.
                    Thread.Sleep(1);
                }
            }
        })
        { IsBackground = true, Name = "soak front garbage" };
        thread.Start();
        return thread;
    }
}
