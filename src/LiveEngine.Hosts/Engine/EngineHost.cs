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

    /// <summary>Adds a sample to the engine's sample library (<see cref="InProcessEngine.SampleLoader"/>); null refuses samples.</summary>
    public Action<string, float[][], int>? SampleLoader { get; init; }

    /// <summary>The executor's workers' scheduling, in words (empty for none), for the stats' real-time line.</summary>
    public Func<string>? WorkerRealTime { get; init; }

    /// <summary>Admits C# user nodes shipped by a front (<see cref="InProcessEngine.NodeAdmitter"/>); null refuses them.</summary>
    public Func<byte[], byte[]?, IReadOnlyList<string>>? NodeAdmitter { get; init; }
}

/// <summary>
/// The engine process's main loop (<c>liveengine engine --socket PATH</c>): a session with an empty graph (an
/// output node only), its driver, and the socket server; then housekeeping every 10 ms until a client asks for a
/// shutdown. The process holds no REPL, no scripting and no compiler: its steady state allocates nothing, so the
/// GC has no reason to stop the audio thread (BRIEF.md, "The GC problem").
/// </summary>
public static class EngineHost
{
    /// <summary>Runs the engine until a shutdown request; returns the process's exit code.</summary>
    public static int Run(EngineHostOptions options, NodeTypeRegistry registry, TextWriter log, IGraphExecutor? executor = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(log);
        var initial = new GraphDescription();
        initial.Add("out", "out");
        var session = new LiveSession(registry, initial, new LiveSessionOptions
        {
            SampleRate = options.SampleRate,
            // The device's block, not more: every snapshot's buffer arena scales with it, and a commit that allocates
            // 8× more than needed drives gen-2 collections (large objects) that pause the audio thread. A JACK buffer
            // larger than this is rendered in several blocks.
            MaxBlockFrames = options.BlockFrames,
            Seed = options.Seed,
            Tempo = options.Tempo,
            BeatsPerBar = options.BeatsPerBar,
            Origin = options.Origin,
        }, executor);
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        int types = NodeTypeWarmUp.Run(registry, options.SampleRate, session.Renderer.MaxBlockFrames);
        log.WriteLine($"Warmed {types} node types in {warmUp.ElapsedMilliseconds} ms.");
        using var engine = new InProcessEngine(session, options.BlockFrames, options.RealTimePriority, options.JackClientName) { NodeAdmitter = options.NodeAdmitter, WorkerRealTime = options.WorkerRealTime, SampleLoader = options.SampleLoader };
        if (options.LockMemory)
        {
            log.WriteLine(engine.LockMemory().Description);
        }

        try
        {
            engine.StartDriver(options.Driver);
        }
        catch (DriverUnavailableException e)
        {
            log.WriteLine(e.Message);
        }

        using var stop = new ManualResetEventSlim();
        engine.ShutdownRequestedEvent += stop.Set;
        using (new EngineServer(engine, options.SocketPath))
        {
            log.WriteLine($"Engine {Environment.ProcessId} listening on {options.SocketPath}, playing through {engine.DriverName}.");
            log.Flush();
            while (!stop.Wait(10))
            {
                engine.Maintain();
            }
        }

        log.WriteLine("Engine stopped.");
        return 0;
    }
}
