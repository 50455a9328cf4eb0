using LiveEngine.Commands;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Live;
using LiveEngine.Tests.Hosts.Drivers;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>
/// A front's session whose engine plays elsewhere: every call crosses the real protocol (a Unix domain socket) to an
/// engine on the real-time null driver, and what the front mirrors — clock, graph, variables, position — agrees with
/// the engine's own.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class RemoteSessionTests : IDisposable
{
    private readonly string _socketPath = EngineProcess.NewSocketPath();
    private readonly LiveSession _engineSession;
    private readonly InProcessEngine _engine;
    private readonly EngineServer _server;
    private readonly EngineClient _client;
    private readonly ITestOutputHelper _output;

    public RemoteSessionTests(ITestOutputHelper output)
    {
        _output = output;
        var initial = new GraphDescription();
        initial.Add("out", "out");
        _engineSession = new LiveSession(BuiltinNodeTypes.CreateRegistry(), initial, new LiveSessionOptions { MaxBlockFrames = 128, Tempo = 132 });
        _engine = new InProcessEngine(_engineSession, 128);
        _engine.StartDriver(DriverSpec.Null);
        _server = new EngineServer(_engine, _socketPath);
        _client = EngineClient.Connect(_socketPath, "test");
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
        _engine.Dispose();
    }

    private static GraphDescription Sine(string id, double freqHz)
    {
        var graph = new GraphDescription();
        graph.Add(id, "sine", new Dictionary<string, double> { ["freqHz"] = freqHz, ["level"] = 0.25 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain(id, "pan", "out");
        return graph;
    }

    [Fact]
    public void CommitsEditsParametersAndUndo_ReachTheEngine_AndTheMirrorAgrees()
    {
        var remote = new RemoteSession(_client);
        Assert.Equal(132, remote.Options.Tempo.ToDouble());
        Assert.Equal(48_000, remote.Options.SampleRate);

        CommandReceipt first = remote.Commit(Sine("a", 220), Quantization.NextBar);
        long bar = (long)Math.Round(remote.Clock.BarAt(first.Sample).ToDouble());
        Assert.Equal(remote.Clock.SampleAtBar(bar), first.Sample);
        GraphDescription edited = remote.Graph;
        edited.Nodes.Find(n => n.Id == "a")!.Parameters["freqHz"] = 330;
        CommandReceipt second = remote.Commit(edited, Quantization.NextBeat);
        Assert.True(second.CommitId > first.CommitId);
        Assert.Equal(2, remote.UndoDepth);
        Assert.Equal(330, _engineSession.Graph.Nodes.Find(n => n.Id == "a")!.Parameters["freqHz"]);

        long sample = remote.SetParameter("a", "level", 0.5, Quantization.InBars(2));
        Assert.True(sample >= 0);
        Assert.Equal(0.5, remote.Graph.Nodes.Find(n => n.Id == "a")!.Parameters["level"]);
        Assert.Equal(0.5, _engineSession.Graph.Nodes.Find(n => n.Id == "a")!.Parameters["level"]);

        Assert.True(remote.TryUndo(Quantization.Now, out long undoSample));
        Assert.True(undoSample >= second.Sample);
        Assert.Equal(220, remote.Graph.Nodes.Find(n => n.Id == "a")!.Parameters["freqHz"]);

        var bad = new GraphDescription();
        bad.Add("x", "no-such-type");
        bad.Add("out", "out");
        // The engine's refusal, word for word, with the type the same refusal has in this process.
        GraphValidationException refused = Assert.Throws<GraphValidationException>(() => remote.Commit(bad, Quantization.Now));
        Assert.Contains("no-such-type", refused.Message, StringComparison.Ordinal);
        ArgumentException unknown = Assert.Throws<ArgumentException>(() => remote.SetParameter("nope", "level", 1, Quantization.Now));
        Assert.Contains("nope", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TransportStopped_ThePositionEstimateHolds_AndRunsOnFromTheHeldSampleAfterPlay()
    {
        var remote = new RemoteSession(_client);
        long held = remote.SetTransport(playing: false);
        Assert.False(_engineSession.Renderer.Playing);
        Thread.Sleep(20);
        long estimate = remote.Position;

        // Longer than the estimate's half-second lead: it does not run on while the engine's clock holds.
        Thread.Sleep(700);
        Assert.Equal(estimate, remote.Position);
        Assert.InRange(estimate - held, 0, 4 * 128);

        long resumed = remote.SetTransport(playing: true);
        Assert.True(_engineSession.Renderer.Playing);
        Assert.InRange(resumed, held, held + 128);
        Thread.Sleep(100);
        Assert.True(remote.Position > estimate, "the estimate did not run on after play");
    }

    [Fact]
    public void TransportStoppedInTheEngine_ByAnotherClientOrLink_TheEstimateHoldsAfterTheNextSyncs_AndRunsOnAfterPlay()
    {
        var remote = new RemoteSession(_client);

        // The engine's own transport stops, as Ableton Link's start/stop does it (not through this front).
        _engineSession.Execute(new TransportCommand(false));
        long held = _engineSession.Renderer.Position;
        for (int i = 0; i < 3; i++)
        {
            Thread.Sleep(120);
            remote.Maintain();
        }

        long estimate = remote.Position;
        Thread.Sleep(700);
        remote.Maintain();
        Assert.Equal(estimate, remote.Position);
        Assert.InRange(estimate - held, 0, 4 * 128);

        _engineSession.Execute(new TransportCommand(true));
        for (int i = 0; i < 3; i++)
        {
            Thread.Sleep(120);
            remote.Maintain();
        }

        Thread.Sleep(100);
        Assert.True(remote.Position > estimate + 2_400, "the estimate did not run on after the engine played again");
    }

    [Fact]
    public void ControllerLanes_CrossTheProtocol_AndMovesLandOnTheirSampleInTheEngine()
    {
        var remote = new RemoteSession(_client);
        remote.Commit(Sine("a", 220), Quantization.Now);
        remote.BindController(new ControllerLane(2, "a", "freqHz", Min: 100, Max: 1100, Curve: ControllerCurve.Exponential));

        long target = remote.Position + 4800;
        Assert.Equal(target, remote.MoveController(2, 1, atSample: target));
        Assert.Equal(1100, remote.Graph.Nodes.Find(n => n.Id == "a")!.Parameters["freqHz"]);
        Assert.Equal(1100, _engineSession.Graph.Nodes.Find(n => n.Id == "a")!.Parameters["freqHz"]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (_engineSession.Renderer.LastControllerMoveSample(2) < 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "The move did not land within 5 s.");
            Thread.Sleep(5);
        }

        Assert.Equal(target, _engineSession.Renderer.LastControllerMoveSample(2));

        // An arrival time crosses the wire as monotonic nanoseconds and lands the latency after the engine's sample then.
        long arrival = System.Diagnostics.Stopwatch.GetTimestamp();
        long sample = remote.MoveController(2, 0.5, arrivalTimestamp: arrival);
        Assert.InRange(sample - (_engineSession.Renderer.SampleAtTimestamp(arrival) + _engineSession.Options.ControllerLatencyFrames), -128, 128);

        Assert.Contains("lane 3 is not bound", Assert.Throws<ArgumentException>(() => remote.MoveController(3, 0.5)).Message);
        remote.BindController(ControllerLane.Free(2));
        Assert.Throws<ArgumentException>(() => remote.MoveController(2, 0.5));
    }

    [Fact]
    public void TempoChangesAndRamps_AreMirroredExactly()
    {
        var remote = new RemoteSession(_client);
        long step = remote.SetTempo(140, Quantization.NextBar);
        long ramp = remote.RampTempo(90, 8, Quantization.InBars(2));
        Assert.True(ramp > step);
        TempoMap engine = _engineSession.Clock;
        foreach (long at in new[] { 0L, step - 1, step, step + 12_345, ramp, ramp + 1, ramp + 100_000, ramp + 1_000_000 })
        {
            Assert.Equal(engine.BeatAt(at), remote.Clock.BeatAt(at));
            Assert.Equal(engine.TempoAt(at), remote.Clock.TempoAt(at));
        }

        // A second front attaching later rebuilds the same map from GetClock.
        using EngineClient other = EngineClient.Connect(_socketPath, "second");
        var late = new RemoteSession(other);
        Assert.Equal(engine.BeatAt(ramp + 500_000), late.Clock.BeatAt(ramp + 500_000));
        Assert.Equal(engine.SampleAtBar(20), late.Clock.SampleAtBar(20));
    }

    [Fact]
    public void ThePositionEstimate_FollowsTheEngine_AndNeverGoesBack()
    {
        var remote = new RemoteSession(_client);
        long previous = remote.Position;
        var deviations = new List<long>();
        for (int i = 0; i < 40; i++)
        {
            Thread.Sleep(25);
            remote.Maintain();
            long estimate = remote.Position;
            Assert.True(estimate >= previous, $"the estimate went back from {previous} to {estimate}");
            previous = estimate;
            deviations.Add(Math.Abs(estimate - _engineSession.Renderer.Position));
        }

        // The null driver advances in 128-frame periods; the estimate is within a few periods of it.
        deviations.Sort();
        Assert.True(deviations[deviations.Count / 2] < 48_000 / 20, $"median deviation {deviations[deviations.Count / 2]} frames");
    }

    [Fact]
    public void ThePositionEstimate_StopsHalfASecondPastAnEngineThatStalls()
    {
        var remote = new RemoteSession(_client);
        remote.SyncClock();
        long seen = _engineSession.Renderer.Position;
        _engine.Dispose(); // the driver stops: the engine's position no longer advances
        Thread.Sleep(1_200);
        long estimate = remote.Position;
        Assert.InRange(estimate - seen, 0, (long)(RemoteSession.MaxLead.TotalSeconds * 48_000) + 4_800);
    }

    [Fact]
    public void VariablesReachTheEngine_AndFaultsComeBack()
    {
        var remote = new RemoteSession(_client);
        remote.Variables.Set("cutoff", 0.75);
        remote.Maintain();
        Assert.Equal(0.75, _engineSession.Variables.Get("cutoff"));
        Assert.Empty(remote.Faults());
        Assert.Null(remote.LastStats is { } stats && stats.FaultedNodes.Count > 0 ? stats : null);
    }

    [Fact]
    public void AnEngineWithoutAnAdmitter_RefusesUserNodes_WithAClearError()
    {
        var remote = new RemoteSession(_client);
        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => remote.AdmitNodes([1, 2, 3], []));
        Assert.Contains("admits no user nodes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Samples_ReachTheEnginesLibrary_BitForBit()
    {
        var received = new Dictionary<string, (float[][] Channels, int Rate)>();
        _engine.SampleLoader = (name, channels, rate) => received[name] = (channels, rate);
        var remote = new RemoteSession(_client);
        var random = new Random(5);
        float[][] stereo = [new float[30_000], new float[30_000]];
        foreach (float[] channel in stereo)
        {
            for (int i = 0; i < channel.Length; i++)
            {
                channel[i] = (float)((random.NextDouble() * 2) - 1);
            }
        }

        remote.LoadSample("loop", stereo, 44_100);
        Assert.Equal(44_100, received["loop"].Rate);
        Assert.Equal(stereo[0], received["loop"].Channels[0]);
        Assert.Equal(stereo[1], received["loop"].Channels[1]);

        // Too big for one message: refused before sending, with the sizes.
        float[][] huge = [new float[5_000_000]];
        ArgumentException refused = Assert.Throws<ArgumentException>(() => remote.LoadSample("huge", huge, 48_000));
        Assert.Contains("20.0 MB", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEngineThatGoesAway_IsUnavailable_AndAnotherTakesOverWhereItWas()
    {
        _engine.SampleLoader = (_, _, _) => { };
        var remote = new RemoteSession(_client);
        remote.LoadSample("hit", [[0.5f, 0.25f]], 48_000);
        remote.Commit(Sine("a", 220), Quantization.Now);
        remote.SetTempo(150, Quantization.NextBar);
        Thread.Sleep(300);
        (TempoOrigin origin, Fraction bpm, int meter) = remote.ResumePoint();
        _server.Dispose();
        _engine.Dispose();
        Assert.Throws<EngineUnavailableException>(() => remote.SetParameter("a", "level", 0.1, Quantization.Now));

        // The successor starts where the performance was: same beat and bar at its first sample.
        var next = new LiveSession(BuiltinNodeTypes.CreateRegistry(), Sine("silence", 1), new LiveSessionOptions { MaxBlockFrames = 128, Tempo = bpm, BeatsPerBar = meter, Origin = origin });
        var samples = new List<string>();
        using var engine = new InProcessEngine(next, 128) { SampleLoader = (name, _, _) => samples.Add(name) };
        engine.StartDriver(DriverSpec.Null);
        string path = EngineProcess.NewSocketPath();
        using var server = new EngineServer(engine, path);
        using EngineClient client = EngineClient.Connect(path, "successor");
        remote.Reattach(client);
        Assert.Equal(origin.Beat, next.Clock.BeatAt(origin.Sample));
        Assert.Equal(origin.Bar, next.Clock.BarAt(origin.Sample));
        Assert.True(next.Renderer.Position >= origin.Sample);
        Assert.True(next.Graph.Nodes.Exists(n => n.Id == "a"), "the latest graph plays again");
        Assert.Equal(["hit"], samples);
        Assert.Equal(next.Clock.BeatAt(origin.Sample + 48_000), remote.Clock.BeatAt(origin.Sample + 48_000));
        Assert.InRange(remote.Position - origin.Sample, 0, 48_000);
    }

    [Fact]
    public void AnEngineProcessKilled_IsReplaced_AndPlaysAgainWithinOneAndAHalfSeconds()
    {
        TakeoverTimes times = MeasureTakeover(stop: process => process.Kill());
        _output.WriteLine($"kill -9: {times}");
        Assert.True(times.FirstBlock <= TimeSpan.FromSeconds(1.5), $"audio back {times}");
    }

    [Fact]
    public void AnEngineProcessStopped_IsReplacedWithinThreeSeconds()
    {
        TakeoverTimes times = MeasureTakeover(stop: process => Assert.Equal(0, Kill(process.Id, SigStop)));
        _output.WriteLine($"SIGSTOP: {times}");
        Assert.True(times.Detected >= EngineClient.HeartbeatTimeout * 0.9, $"a stopped engine is given the heartbeat's time: {times}");
        Assert.True(times.FirstBlock <= TimeSpan.FromSeconds(3), $"audio back {times}");
    }

    private const int SigStop = 19;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    /// <summary>
    /// How long from <paramref name="stop"/> (kill -9 or SIGSTOP of a real engine process playing a sine) until its
    /// successor plays it again, the way the REPL replaces an engine: the front's housekeeping
    /// (<see cref="RemoteSession.Maintain"/> every 2 ms, as the REPL's pump) notices, <see cref="EngineSuccessor"/>
    /// kills the old process and brings in the warmed standby, the session reattaches, and the successor's first
    /// block at or after the re-commit's sample — the first non-silent one, since the sine sounds from its first
    /// sample — has been rendered (the engine's position is polled every 2 ms).
    /// </summary>
    private static TakeoverTimes MeasureTakeover(Action<System.Diagnostics.Process> stop)
    {
        string path = EngineProcess.NewSocketPath();
        EngineClient first = EngineProcess.Launch(path);
        System.Diagnostics.Process firstProcess = first.Process!;
        using var successor = new EngineSuccessor(path, () => EngineProcess.StartInfo(path, "--standby"));
        EngineClient? next = null;
        try
        {
            successor.Prepare();
            var remote = new RemoteSession(first);
            remote.Commit(Sine("a", 220), Quantization.Now);
            Assert.True(successor.WaitUntilReady(TimeSpan.FromSeconds(60)), "the standby engine warmed up");
            remote.Maintain();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            stop(firstProcess);
            while (true)
            {
                try
                {
                    remote.Maintain();
                }
                catch (EngineUnavailableException)
                {
                    break;
                }

                Thread.Sleep(2);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the stopped engine was never noticed");
            }

            TimeSpan detected = clock.Elapsed;
            (TempoOrigin origin, Fraction bpm, int meter) = remote.ResumePoint();
            next = successor.TakeOver(remote.Engine, origin, bpm, meter, "test front", TimeSpan.FromSeconds(20));
            TimeSpan started = clock.Elapsed;
            Assert.True(firstProcess.HasExited, "the old engine process was stopped");
            remote.Reattach(next);
            TimeSpan reattached = clock.Elapsed;
            Assert.True(next.GetGraph().Nodes.Exists(n => n.Id == "a"), "the successor plays the latest graph");
            long commitSample = remote.Position;
            while (next.GetClock().Position <= commitSample)
            {
                Thread.Sleep(2);
            }

            var times = new TakeoverTimes(detected, started, reattached, clock.Elapsed);
            Assert.Equal(origin.Beat, next.GetClock().Origin.Beat);
            next.Shutdown();
            return times;
        }
        finally
        {
            EngineProcess.Stop(firstProcess);
            EngineProcess.Stop(next?.Process);
            next?.Dispose();
        }
    }

    private readonly record struct TakeoverTimes(TimeSpan Detected, TimeSpan Started, TimeSpan Reattached, TimeSpan FirstBlock)
    {
        public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"noticed after {Detected.TotalMilliseconds:0} ms, successor listening at {Started.TotalMilliseconds:0} ms, graph re-sent at {Reattached.TotalMilliseconds:0} ms, first block played at {FirstBlock.TotalMilliseconds:0} ms");
    }
}
