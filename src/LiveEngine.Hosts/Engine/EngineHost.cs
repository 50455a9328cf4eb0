using LiveEngine.Commands;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.Hosts.Engine;

/// <summary>How the engine process starts.</summary>
public sealed record EngineHostOptions
{
    public required string SocketPath { get; init; }

    public DriverSpec Driver { get; init; } = DriverSpec.Null;

    public int SampleRate { get; init; } = 48_000;

    /// <summary>Frames per period for the null and PortAudio drivers, and the session's maximum block.</summary>
    public int BlockFrames { get; init; } = 128;

    /// <summary>SCHED_FIFO priority for the engine's own audio thread (the null driver's), 0 for none.</summary>
    public int RealTimePriority { get; init; } = 70;

    /// <summary>Lock the process's memory (mlockall) so no page faults in during a performance.</summary>
    public bool LockMemory { get; init; } = true;

    public string JackClientName { get; init; } = "liveengine";

    public ulong Seed { get; init; }

    /// <summary>Where the session starts: sample, beat and bar (all 0, unless this engine takes over a performance).</summary>
    public Time.TempoOrigin Origin { get; init; }

    /// <summary>Tempo at the start.</summary>
    public Time.Fraction Tempo { get; init; } = 120;

    /// <summary>Meter at the start.</summary>
    public int BeatsPerBar { get; init; } = 4;

    /// <summary>Admission control of commits (<see cref="LiveSessionOptions.Admission"/>).</summary>
    public AdmissionPolicy Admission { get; init; } = AdmissionPolicy.Refuse;

    /// <summary><see cref="LiveSessionOptions.AdmissionLimit"/>.</summary>
    public double AdmissionLimit { get; init; } = 0.7;

    /// <summary>Whether the engine renders a graph with no live node ahead of the device (<see cref="LiveSession.StartRenderAhead"/>).</summary>
    public bool RenderAhead { get; init; }

    /// <summary><see cref="LiveSessionOptions.RenderAheadMs"/>.</summary>
    public double RenderAheadMs { get; init; } = 100;

    /// <summary><see cref="LiveSessionOptions.DeferredBlockFrames"/>.</summary>
    public int DeferredBlockFrames { get; init; } = 1024;

    /// <summary>
    /// Work between deferred blocks (the GPU placement's launches, <c>[engine] gpu</c>); needs <see cref="RenderAhead"/>.
    /// Null: none.
    /// </summary>
    public IDeferredBlockHook? DeferredBlockHook { get; init; }

    /// <summary><see cref="LiveSessionOptions.DeferredAdmissionLimit"/>.</summary>
    public double DeferredAdmissionLimit { get; init; } = 1.0;

    /// <summary>Adds a sample to the engine's sample library (<see cref="InProcessEngine.SampleLoader"/>); null refuses samples.</summary>
    public Action<string, float[][], int>? SampleLoader { get; init; }

    /// <summary>The executor's workers' scheduling, in words (empty for none), for the stats' real-time line.</summary>
    public Func<string>? WorkerRealTime { get; init; }

    /// <summary>Admits C# user nodes shipped by a front (<see cref="InProcessEngine.NodeAdmitter"/>); null refuses them.</summary>
    public Func<byte[], byte[]?, IReadOnlyList<string>>? NodeAdmitter { get; init; }

    /// <summary>
    /// A standby engine (<see cref="EngineSuccessor"/>): warm up, write <see cref="EngineSuccessor.ReadyLine"/> to
    /// <see cref="StandbyOutput"/>, then wait for the takeover line on this reader before the session, the driver
    /// and the socket exist; its origin, tempo and meter replace <see cref="Origin"/>, <see cref="Tempo"/> and
    /// <see cref="BeatsPerBar"/>. Null: start at once.
    /// </summary>
    public TextReader? StandbyInput { get; init; }

    /// <summary>Where a standby says it is ready (its standard output).</summary>
    public TextWriter? StandbyOutput { get; init; }

    /// <summary>Follow an Ableton Link session with these options (docs/link.md); null: no Link.</summary>
    public Link.LinkOptions? Link { get; init; }

    /// <summary>
    /// The audio CPUs (<c>--audio-cpus</c>, <c>[engine] audio_cpus</c>): the driver's audio thread and the executor's
    /// workers on them, every other thread of the process off them. Null: the OS places every thread.
    /// </summary>
    public RealTime.AudioCpuIsolation? AudioCpus { get; init; }

    /// <summary>The null driver's backup pacer on another CPU (<c>--backup-pacer</c>; docs/audio.md, "Late periods").</summary>
    public bool NullBackupPacer { get; init; }
}

/// <summary>
/// The engine process's main loop (<c>liveengine engine --socket PATH</c>): a session with an empty graph (an
/// output node only), its driver, and the socket server; then housekeeping every 10 ms until a client asks for a
/// shutdown. The process holds no REPL, no scripting and no compiler: its steady state allocates nothing, so the
/// GC has no reason to stop the audio thread (a .NET collection suspends every managed thread of its process).
/// </summary>
public static class EngineHost
{
    // How often the engine moves new threads off the audio CPUs (a few KB of garbage each time, on the control thread).
    private const int RestrictEveryMs = 5_000;

    /// <summary>Runs the engine until a shutdown request; returns the process's exit code.</summary>
    public static int Run(EngineHostOptions options, NodeTypeRegistry registry, TextWriter log, IGraphExecutor? executor = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(log);
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        int types = NodeTypeWarmUp.Run(registry, options.SampleRate, options.BlockFrames);
        if (options.StandbyInput is { } standby)
        {
            WarmUpTakeover(registry, options);
            if (options.LockMemory)
            {
                // Now, not after the takeover: locking faults in every page, which takes a while.
                RealTime.RealTimeThread.TryLockMemory();
            }

            log.WriteLine($"Standby engine {Environment.ProcessId}: warmed {types} node types and a takeover in {warmUp.ElapsedMilliseconds} ms; waiting to take over.");
            log.Flush();
            options.StandbyOutput?.WriteLine(EngineSuccessor.ReadyLine);
            options.StandbyOutput?.Flush();
            string? line = standby.ReadLine();
            if (line is null)
            {
                log.WriteLine("The front went away: the standby engine exits.");
                return 0;
            }

            (Time.TempoOrigin origin, Time.Fraction bpm, int beatsPerBar) = EngineSuccessor.ParseTakeover(line);
            options = options with { Origin = origin, Tempo = bpm, BeatsPerBar = beatsPerBar };
            log.WriteLine($"Taking over at sample {origin.Sample}, beat {origin.Beat}, bar {origin.Bar}, {bpm} BPM.");
        }
        else
        {
            log.WriteLine($"Warmed {types} node types in {warmUp.ElapsedMilliseconds} ms.");
        }

        var initial = new GraphDescription();
        initial.Add("out", "out");
        var session = new LiveSession(registry, initial, new LiveSessionOptions
        {
            SampleRate = options.SampleRate,
            // The device's block, not more: every snapshot's buffer arena scales with it, and a commit that allocates
            // 8× more than needed drives gen-2 collections (large objects) that pause the audio thread. A JACK buffer
            // larger than this is rendered in several blocks.
            // With render-ahead, the deferred block: the render-ahead thread renders in those.
            MaxBlockFrames = options.RenderAhead ? Math.Max(options.BlockFrames, options.DeferredBlockFrames) : options.BlockFrames,
            DeviceBlockFrames = options.BlockFrames,
            RenderAheadMs = options.RenderAheadMs,
            DeferredBlockFrames = options.DeferredBlockFrames,
            Seed = options.Seed,
            Tempo = options.Tempo,
            BeatsPerBar = options.BeatsPerBar,
            Origin = options.Origin,
            Admission = options.Admission,
            AdmissionLimit = options.AdmissionLimit,
            DeferredAdmissionLimit = options.DeferredAdmissionLimit,
            // The engine keeps no replaced snapshot: their job structure serves the next commits (fewer collections).
            RecycleRetiredSnapshots = true,
            // A crossfaded commit answers once its transition graph is queued; the server compiles the graph after the fades next.
            DeferTransitionSwap = true,
        }, executor);
        using var engine = new InProcessEngine(session, options.BlockFrames, options.RealTimePriority, options.JackClientName) { NodeAdmitter = options.NodeAdmitter, WorkerRealTime = options.WorkerRealTime, SampleLoader = options.SampleLoader, AudioCpus = options.AudioCpus, NullBackupPacer = options.NullBackupPacer };
        if (options.LockMemory)
        {
            log.WriteLine(engine.LockMemory().Description);
        }

        if (options.RenderAhead)
        {
            // Below the audio thread's priority: the device's callback preempts it, and it preempts everything else.
            session.StartRenderAhead(waitWhenEmpty: false, threadStarted: options.RealTimePriority > 1 ? () => RealTime.RealTimeThread.TryPromoteCurrentThread(options.RealTimePriority - 10) : null, deferredBlockHook: options.DeferredBlockHook);
            log.WriteLine($"Render-ahead on: {options.RenderAheadMs} ms in {options.DeferredBlockFrames}-frame blocks.");
        }

        try
        {
            engine.StartDriver(options.Driver);
        }
        catch (DriverUnavailableException e)
        {
            log.WriteLine(e.Message);
        }

        StartLink(options, engine, log);
        if (options.AudioCpus is { } isolation)
        {
            // After the driver and the executor's workers have moved onto the audio CPUs: everything else moves off
            // them, and the threads made from now on inherit that (the socket server's among them).
            RestrictOtherThreads(isolation, engine);
            log.WriteLine($"CPU isolation: {isolation}; {engine.OtherThreadPlacement}.");
        }

        using var stop = new ManualResetEventSlim();
        engine.ShutdownRequestedEvent += stop.Set;
        using (new EngineServer(engine, options.SocketPath))
        {
            log.WriteLine($"Engine {Environment.ProcessId} listening on {options.SocketPath}, playing through {engine.DriverName}.");
            log.Flush();
            long nextRestrict = Environment.TickCount64 + RestrictEveryMs;
            while (!stop.Wait(10))
            {
                engine.Maintain();
                if (options.AudioCpus is not null && Environment.TickCount64 >= nextRestrict)
                {
                    // Again now and then: a thread the runtime makes from an audio thread (the JIT's tier-up worker may
                    // start from whichever thread reached its call count) inherits the audio CPUs.
                    RestrictOtherThreads(options.AudioCpus, engine);
                    nextRestrict += RestrictEveryMs;
                }
            }
        }

        log.WriteLine("Engine stopped.");
        return 0;
    }

    private static void RestrictOtherThreads(RealTime.AudioCpuIsolation isolation, InProcessEngine engine)
    {
        (int moved, IReadOnlyList<string> refusals) = isolation.RestrictOtherThreads();
        engine.OtherThreadPlacement = refusals.Count == 0 ? $"{moved} other threads off them" : $"{moved} other threads off them, refused: {string.Join("; ", refusals)}";
    }

    /// <summary>
    /// Sets the options of the engine's Link switch (<c>--link-quantum</c>; Link's defaults without it, for a front that
    /// turns Link on later) and turns it on where <see cref="EngineHostOptions.Link"/> asks; where Link cannot run, the
    /// reason goes to the log.
    /// </summary>
    private static void StartLink(EngineHostOptions options, InProcessEngine engine, TextWriter log)
    {
        engine.Link.Options = options.Link ?? new Link.LinkOptions();
        if (options.Link is null)
        {
            return;
        }

        Link.LinkReport report = engine.SetLink(true);
        log.WriteLine(report.Enabled
            ? $"Ableton Link on: quantum {options.Link.Quantum}, output latency {options.Link.OutputLatencyMicros} µs."
            : report.Reason);
    }

    /// <summary>
    /// Compiles what a takeover runs before its first block, with a throwaway engine on a socket of its own (next to
    /// the real one, removed after) and no driver: a session at an origin, the server's handling of the requests a
    /// front sends on reattaching (hello, clock, commit of a graph's JSON, stats), and a few blocks.
    /// </summary>
    private static void WarmUpTakeover(NodeTypeRegistry registry, EngineHostOptions options)
    {
        var initial = new GraphDescription();
        initial.Add("out", "out");
        var session = new LiveSession(registry, initial, new LiveSessionOptions
        {
            SampleRate = options.SampleRate,
            MaxBlockFrames = options.BlockFrames,
            Tempo = 120,
            Origin = new Time.TempoOrigin(48_000, 2, Time.Fraction.FromDecimal(0.5m)),
        });
        var graph = new GraphDescription();
        graph.Add("osc", "sine");
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "pan", "out");
        string socketPath = $"{options.SocketPath}.standby-{Environment.ProcessId}";
        using var engine = new InProcessEngine(session, options.BlockFrames);
        using (new EngineServer(engine, socketPath))
        using (EngineClient client = EngineClient.Connect(socketPath, "warm-up", TimeSpan.FromSeconds(5)))
        {
            client.GetClock();
            client.Commit(graph, Time.Quantization.Now);
            client.GetGraph();
            client.GetStats();
        }

        for (int b = 0; b < 16; b++)
        {
            session.Renderer.Render(options.BlockFrames);
        }
    }
}
