using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Live;

/// <summary>Render-ahead is an optimisation, not a different sound: the same session renders the same bits with it on and off.</summary>
public sealed class RenderAheadTests(ITestOutputHelper output)
{
    private const int Device = 64;
    private const int SampleRate = 48_000;

    [Fact]
    public void SameSession_WithCommitsParameterEventsMidiAndTempoRamps_IsBitIdentical_WithRenderAheadOnAndOff()
    {
        float[][] off = Perform(renderAhead: false, out _);
        float[][] on = Perform(renderAhead: true, out LiveSession session);

        Assert.Equal(off[0].Length, on[0].Length);
        for (int c = 0; c < off.Length; c++)
        {
            int first = FirstDifference(off[c], on[c]);
            Assert.True(first < 0, $"Channel {c} differs from sample {first} on: {off[c][Math.Max(first, 0)]} off, {on[c][Math.Max(first, 0)]} on.");
        }

        // It really rendered ahead: in large blocks, up to the look-ahead, and never underran (the reader waits offline).
        Assert.Equal(0, session.Renderer.RenderAheadUnderruns);
        Assert.True(off[0].Any(x => x != 0), "The performance is silent: the comparison would prove nothing.");
    }

    [Fact]
    public void RenderAhead_OfADeferrableGraph_RunsAheadByTheLookAhead_AndTheLiveJobsOfAGraphWithANodePinnedLive_ByOneDeviceBlock()
    {
        LiveSession session = CreateSession(StandardWorkloads.Voices(8));
        session.StartRenderAhead(waitWhenEmpty: true);
        try
        {
            long deferredLead = ReadUntilSettled(session, blocks: 400);
            Assert.InRange(deferredLead, 2_048, 4_800 + 1_024);
            Assert.Equal(session.Renderer.Position, session.Renderer.CompletePosition);

            GraphDescription pinned = StandardWorkloads.Voices(8);
            pinned.Nodes.Single(n => n.Id == "v0.gain").Options[GraphSnapshot.LiveOption] = "on";
            session.Commit(pinned, Quantization.Now);
            long splitLead = ReadUntilSettled(session, blocks: 400);
            long liveLead = session.Renderer.CompletePosition - session.Renderer.PlayedPosition;
            output.WriteLine($"lead deferred {deferredLead} frames; pinned: deferred jobs {splitLead} frames, live jobs {liveLead} frames");
            Assert.InRange(liveLead, 0, Device);
            Assert.InRange(splitLead, 2_048, 4_800 + 1_024);
            Assert.False(session.Renderer.Current.IsDeferrable);
            Assert.NotNull(session.Renderer.Current.Hybrid);
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void WaitForLookAhead_ReturnsWithTheLookAheadRendered_BeforeAnythingIsPlayed_AndAfterADriversWarmUp()
    {
        LiveSession session = CreateSession(StandardWorkloads.Voices(8));
        session.StartRenderAhead(waitWhenEmpty: false);
        try
        {
            Assert.True(session.Renderer.WaitForLookAhead(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, session.Renderer.PlayedPosition);
            Assert.InRange(session.Renderer.CompletePosition, 4_800 - 1_024 + 1, 4_800);

            // The device's first blocks then play sound, not the silence of an underrun.
            for (int b = 0; b < 4; b++)
            {
                session.Renderer.Render(Device);
            }

            Assert.Equal(0, session.Renderer.RenderAheadUnderruns);
            Assert.Equal(4 * Device, session.Renderer.PlayedPosition);
            Assert.True(session.Renderer.Output(0, Device).ToArray().Any(x => x != 0), "the fourth device block is silent");

            // A driver's warm-up plays 64 device blocks (4,096 frames, most of the look-ahead) before the device
            // starts: it leaves the look-ahead full again, or the device's first blocks would be silence.
            session.Renderer.WarmUp();
            Assert.Equal((4 + 64) * Device, session.Renderer.PlayedPosition);
            Assert.InRange(session.Renderer.CompletePosition - session.Renderer.PlayedPosition, 4_800 - 1_024 + 1, 4_800);
            Assert.Equal(0, session.Renderer.RenderAheadUnderruns);
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void WarmUp_WithRenderAhead_LeavesTheLivePassOneDeviceBlockAhead()
    {
        LiveSession session = CreateSession(WithLiveTap(16, "v3.pan"));
        session.StartRenderAhead(waitWhenEmpty: true);
        try
        {
            session.Renderer.WarmUp();
            ReadUntilSettled(session, blocks: 100);

            Assert.InRange(session.Renderer.CompletePosition - session.Renderer.PlayedPosition, 0, Device);
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void RenderAhead_AllocatesNothing_OnTheAudioThreadOrTheRenderAheadThread()
    {
        LiveSession session = CreateSession(StandardWorkloads.Create("session"));
        session.StartRenderAhead(waitWhenEmpty: true);
        try
        {
            ReadUntilSettled(session, blocks: 2_000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            ReadUntilSettled(session, blocks: 4_000);
            long audio = GC.GetAllocatedBytesForCurrentThread() - before;

            output.WriteLine($"audio thread {audio} bytes over 4,000 blocks; render-ahead thread {session.Renderer.RenderAheadAllocatedBytes} bytes after its warm-up");
            Assert.Equal(0, audio);
            Assert.Equal(0, session.Renderer.RenderAheadAllocatedBytes);
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void HybridSession_LiveNodesDownstreamOfDeferredOnes_WithCommitsParameterEventsMidiAndTempoRamps_IsBitIdentical_WithRenderAheadOnAndOff()
    {
        float[][] off = PerformHybrid(renderAhead: false, out _);
        float[][] on = PerformHybrid(renderAhead: true, out LiveSession session);

        Assert.Equal(off[0].Length, on[0].Length);
        for (int c = 0; c < off.Length; c++)
        {
            int first = FirstDifference(off[c], on[c]);
            Assert.True(first < 0, $"Channel {c} differs from sample {first} on: {off[c][Math.Max(first, 0)]} off, {on[c][Math.Max(first, 0)]} on.");
        }

        Assert.Equal(0, session.Renderer.RenderAheadUnderruns);
        Assert.Equal(0, session.Renderer.DroppedEvents);
        Assert.True(off[0].Any(x => x != 0), "The performance is silent: the comparison would prove nothing.");
    }

    [Fact]
    public void HybridSession_OnTheParallelScheduler_IsBitIdentical_WithRenderAheadOnAndOff()
    {
        // The deferred pass skips the live jobs inside the work-stealing scheduler (2 workers, checked ordering).
        using var offExecutor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, VerifyExecution = true });
        using var onExecutor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2, VerifyExecution = true });
        float[][] off = PerformHybrid(renderAhead: false, out _, offExecutor);
        float[][] on = PerformHybrid(renderAhead: true, out LiveSession session, onExecutor);

        for (int c = 0; c < off.Length; c++)
        {
            int first = FirstDifference(off[c], on[c]);
            Assert.True(first < 0, $"Channel {c} differs from sample {first} on: {off[c][Math.Max(first, 0)]} off, {on[c][Math.Max(first, 0)]} on.");
        }

        Assert.Equal(0, session.Renderer.RenderAheadUnderruns);
    }

    [Fact]
    public void HybridSnapshot_SplitsIntoLiveJobsAndADeferredBoundary_AndRendersTheDeferredPartAhead()
    {
        LiveSession session = CreateSession(Pinned(StandardWorkloads.Voices(16), "v0.lpf"));
        GraphSnapshot snapshot = session.Renderer.Current;
        HybridPlan plan = Assert.IsType<HybridPlan>(snapshot.Hybrid);

        // v0.lpf and what it feeds are live; the other voices (and v0.osc) are deferred and cross the boundary.
        Assert.Contains(plan.LiveOrder, j => snapshot.Jobs[j].NodeIndex == snapshot.IndexOfNode("v0.gain") && snapshot.Jobs[j].Kind == JobKind.Node);
        Assert.DoesNotContain(plan.LiveOrder, j => snapshot.Jobs[j].NodeIndex == snapshot.IndexOfNode("v0.osc"));
        Assert.NotEmpty(plan.BoundaryOffsets);
        Assert.True(plan.LiveOrder.Length < snapshot.Jobs.Length);

        long hookCalls = 0;
        long nextStart = session.Renderer.Position;
        int gaps = 0;
        session.StartRenderAhead(waitWhenEmpty: true, beforeDeferredBlock: (start, frames) =>
        {
            // The per-deferred-block hook: contiguous deferred blocks, none larger than the deferred block.
            gaps += start != nextStart || frames > 1024 ? 1 : 0;
            nextStart = start + frames;
            hookCalls++;
        });
        try
        {
            // The deferred pass runs the look-ahead ahead; the live pass one device block ahead of the device.
            long lead = ReadUntilSettled(session, blocks: 400);
            output.WriteLine($"deferred lead {lead} frames; {Interlocked.Read(ref hookCalls)} deferred blocks");
            Assert.InRange(lead, 2_048, 4_800 + 1_024);
            Assert.True(Interlocked.Read(ref hookCalls) >= 25, $"{hookCalls} deferred blocks for 400 device blocks and the look-ahead.");
            Assert.Equal(0, Volatile.Read(ref gaps));
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void RenderAhead_OfAHybridSnapshot_AllocatesNothing_OnTheAudioThreadOrTheRenderAheadThread()
    {
        LiveSession session = CreateSession(Pinned(StandardWorkloads.Voices(64), "v0.lpf", "v9.gain"));
        Assert.NotNull(session.Renderer.Current.Hybrid);
        session.StartRenderAhead(waitWhenEmpty: true);
        try
        {
            ReadUntilSettled(session, blocks: 2_000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            ReadUntilSettled(session, blocks: 4_000);
            long audio = GC.GetAllocatedBytesForCurrentThread() - before;

            output.WriteLine($"audio thread {audio} bytes over 4,000 blocks; render-ahead thread {session.Renderer.RenderAheadAllocatedBytes} bytes after its warm-up");
            Assert.Equal(0, audio);
            Assert.Equal(0, session.Renderer.RenderAheadAllocatedBytes);
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void NowChange_ToALiveParameter_WithRenderAheadOn_LandsWithinADeviceBlockOfThePlayedPosition_NotTheLookAheadLater()
    {
        LiveSession reference = CreateSession(WithLiveTap(16, "v3.pan"));
        LiveSession changed = CreateSession(WithLiveTap(16, "v3.pan"));
        reference.StartRenderAhead(waitWhenEmpty: true);
        changed.StartRenderAhead(waitWhenEmpty: true);
        try
        {
            int blocks = SampleRate / Device;
            var a = new float[blocks * Device];
            var b = new float[blocks * Device];
            long landed = -1;
            long played = -1;
            long lookAhead = -1;
            for (int k = 0; k < blocks; k++)
            {
                if (k == blocks / 2)
                {
                    Thread.Sleep(50);
                    played = changed.Renderer.PlayedPosition;
                    lookAhead = changed.Renderer.Position;
                    landed = changed.SetParameter("tap", "level", 0, Quantization.Now);
                }

                reference.Renderer.Render(Device);
                changed.Renderer.Render(Device);
                reference.Renderer.Output(0, Device).CopyTo(a.AsSpan(k * Device));
                changed.Renderer.Output(0, Device).CopyTo(b.AsSpan(k * Device));
            }

            int first = FirstDifference(a, b);
            output.WriteLine($"played {played}, rendered ahead to {lookAhead}, the change landed on {landed}, the output changed from {first}");
            Assert.True(lookAhead - played >= 2_048, "The deferred part was not rendered ahead: the test would prove nothing.");
            Assert.InRange(landed, played, played + Device);
            Assert.InRange(first, landed, landed + 1);
        }
        finally
        {
            reference.Renderer.StopRenderAhead();
            changed.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void NowChange_ToADeferredNode_WithRenderAheadOn_LandsAtTheLookAhead_MovesTheNodeLive_AndItsLaterNowChangesLandWithinADeviceBlock()
    {
        LiveSession session = CreateSession(WithTapFilter(16, "v3.pan", tap: false));
        Assert.True(session.Renderer.Current.IsDeferrable);
        session.StartRenderAhead(waitWhenEmpty: true);
        try
        {
            (long[] landed, long[] played, long[] rendered) = PlayNowChanges(session, out _);

            output.WriteLine($"first change: played {played[0]}, rendered ahead to {rendered[0]}, landed {landed[0]}; second: played {played[1]}, landed {landed[1]}; third: played {played[2]}, landed {landed[2]}");
            Assert.True(rendered[0] - played[0] >= 2_048, "The graph was not rendered ahead: the test would prove nothing.");

            // The first change lands where rendering ahead had got to (as before the move): up to the look-ahead late.
            Assert.InRange(landed[0], rendered[0], rendered[0] + 1_024);

            // From there the filter and what it feeds run live: the later changes land within a device block.
            GraphSnapshot current = session.Renderer.Current;
            Assert.True(current.IsSplit);
            Assert.True(current.NodeIsLive[current.IndexOfNode("tapf")]);
            Assert.False(current.NodeIsLive[current.IndexOfNode("v3.pan")]);
            Assert.Equal(1, session.MovesToLive);
            Assert.InRange(landed[1], played[1], played[1] + Device);
            Assert.InRange(landed[2], played[2], played[2] + Device);
            Assert.Equal(0, session.Renderer.RenderAheadAllocatedBytes);
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }
    }

    [Fact]
    public void NowChanges_ThatMoveADeferredNodeLive_AreBitIdentical_ToTheSameChangesScheduledOnTheirSamples_WithRenderAheadOff()
    {
        LiveSession moving = CreateSession(WithTapFilter(16, "v3.pan", tap: false));
        moving.StartRenderAhead(waitWhenEmpty: true);
        float[] on;
        long[] landed;
        try
        {
            (landed, _, _) = PlayNowChanges(moving, out on);
        }
        finally
        {
            moving.Renderer.StopRenderAhead();
        }

        LiveSession reference = CreateSession(WithTapFilter(16, "v3.pan", tap: false));
        float[] off = RenderWithCutoffsOnTheirSamples(reference, "tapf", landed, on.Length);

        Assert.Equal(1, moving.MovesToLive);
        Assert.Equal(0, reference.MovesToLive);
        Assert.Equal(-1, FirstDifference(on, off));
    }

    [Fact]
    public void NowChange_ToADeferredNodeInsideAVoiceBank_RendersTheWholeGraphOneDeviceBlockAhead_FromThere_BitIdenticalToRenderAheadOff()
    {
        LiveSession moving = CreateSession(StandardWorkloads.Voices(16));
        Assert.NotEmpty(moving.Renderer.Current.Banks);
        moving.StartRenderAhead(waitWhenEmpty: true);
        float[] on;
        long[] landed;
        long[] played;
        long[] rendered;
        try
        {
            (landed, played, rendered) = PlayNowChanges(moving, out on, "v3.lpf");
        }
        finally
        {
            moving.Renderer.StopRenderAhead();
        }

        output.WriteLine($"first change: played {played[0]}, rendered ahead to {rendered[0]}, landed {landed[0]}; second: played {played[1]}, landed {landed[1]}");
        Assert.InRange(landed[0], rendered[0], rendered[0] + 1_024);

        // A live node inside a bank cannot be split off: the whole graph renders one device block ahead from the move on.
        GraphSnapshot current = moving.Renderer.Current;
        Assert.False(current.IsDeferrable);
        Assert.False(current.IsSplit);
        Assert.InRange(landed[1], played[1], played[1] + Device);
        Assert.InRange(landed[2], played[2], played[2] + Device);

        float[] off = RenderWithCutoffsOnTheirSamples(CreateSession(StandardWorkloads.Voices(16)), "v3.lpf", landed, on.Length);

        Assert.Equal(-1, FirstDifference(on, off));
    }

    private static readonly double[] s_nowChangeValues = [900, 600, 2_000];

    /// <summary>
    /// Plays 1.5 s of <paramref name="session"/> (render-ahead on) and makes three changes "now" to the filter "tapf"
    /// while it plays, a quarter, three quarters and five quarters of a second in; returns where each landed, the
    /// played position and how far rendering had got when each was made, and channel 0.
    /// </summary>
    private static (long[] Landed, long[] Played, long[] Rendered) PlayNowChanges(LiveSession session, out float[] channel0, string nodeId = "tapf")
    {
        int blocks = 3 * SampleRate / Device / 2;
        int[] at = [blocks / 6, blocks / 2, 5 * blocks / 6];
        var landed = new long[at.Length];
        var played = new long[at.Length];
        var rendered = new long[at.Length];
        channel0 = new float[blocks * Device];
        for (int k = 0, next = 0; k < blocks; k++)
        {
            if (next < at.Length && k == at[next])
            {
                // Let the render-ahead thread fill its look-ahead and park, as it does while a device plays (a change
                // that came while it rendered a block would land after that block, not on the sample it was given).
                WaitUntilParked(session);
                played[next] = session.Renderer.PlayedPosition;
                rendered[next] = session.Renderer.Position;
                landed[next] = session.SetParameter(nodeId, "cutoffHz", s_nowChangeValues[next], Quantization.Now);
                next++;
            }

            session.Renderer.Render(Device);
            session.Renderer.Output(0, Device).CopyTo(channel0.AsSpan(k * Device));
            if (k % 64 == 0)
            {
                session.Maintain();
            }
        }

        return (landed, played, rendered);
    }

    /// <summary>Waits until the render-ahead thread has rendered what it may and stopped (at most 2 s): nothing moved for 20 ms.</summary>
    private static void WaitUntilParked(LiveSession session)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Thread.Sleep(20);
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            long position = session.Renderer.Position;
            long complete = session.Renderer.CompletePosition;
            Thread.Sleep(20);
            if (position == session.Renderer.Position && complete == session.Renderer.CompletePosition && complete >= session.Renderer.PlayedPosition + Device)
            {
                break;
            }
        }
    }

    private static GraphDescription Pinned(GraphDescription graph, params string[] live)
    {
        foreach (string id in live)
        {
            graph.Nodes.Single(n => n.Id == id).Options[GraphSnapshot.LiveOption] = "on";
        }

        return graph;
    }

    /// <summary>
    /// Voices with a live node ("tap", pinned) downstream of a deferred voice: the voices render ahead, "tap", the filter
    /// "tapf" after it and the output mix they feed (live too) one device block ahead.
    /// </summary>
    private static GraphDescription WithLiveTap(int voices, string from)
    {
        GraphDescription graph = WithTapFilter(voices, from, tap: true);
        graph.Nodes.Single(n => n.Id == "tap").Options[GraphSnapshot.LiveOption] = "on";
        return graph;
    }

    /// <summary>Voices with the filter "tapf" on a voice, after the gain "tap" or without it (nothing live).</summary>
    private static GraphDescription WithTapFilter(int voices, string from, bool tap)
    {
        GraphDescription graph = StandardWorkloads.Voices(voices);
        graph.Add("tapf", "rlpf", new Dictionary<string, double> { ["cutoffHz"] = 1200, ["q"] = 2 }, channels: 2);
        if (tap)
        {
            graph.Add("tap", "gain", new Dictionary<string, double> { ["level"] = 0.5 }, channels: 2);
            graph.Chain(from, "tap", "tapf", "out");
        }
        else
        {
            graph.Chain(from, "tapf", "out");
        }

        return graph;
    }

    /// <summary>
    /// A scripted performance on split snapshots: changes to live and deferred parameters, commits that add voices,
    /// remove the live node (the filter after it hands its instance back to the deferred domain once the fade is over)
    /// and add one again, a bound controller, a trigger, a tempo ramp and a tempo change, each a second or more after the
    /// played position. (No commit replaces a node: a replaced node's new instance copies its old one's state when the
    /// commit compiles, at whatever position the render has reached then, with render-ahead or without.)
    /// </summary>
    private static float[][] PerformHybrid(bool renderAhead, out LiveSession session, IGraphExecutor? executor = null)
    {
        session = CreateSession(WithLiveTap(16, "v3.pan"), executor);
        Assert.NotNull(session.Renderer.Current.Hybrid);
        session.RampTempo(90, 4, Quantization.AtBeat(1));
        Assert.NotNull(session.Commit(WithLiveTap(24, "v3.pan"), Quantization.AtBeat(2)).Snapshot.Hybrid);
        session.SetParameter("tap", "level", 0.8, Quantization.AtBeat(Fraction.FromDecimal(2.5m)));
        session.SetParameter("v3.lpf", "cutoffHz", 800, Quantization.AtBeat(Fraction.FromDecimal(2.5m)));
        session.SetParameter("tap", "level", 0.1, Quantization.AtBeat(Fraction.FromDecimal(2.75m)));
        if (renderAhead)
        {
            session.StartRenderAhead(waitWhenEmpty: true);
        }

        int blocks = 6 * SampleRate / Device;
        var result = new float[2][];
        result[0] = new float[blocks * Device];
        result[1] = new float[blocks * Device];
        for (int b = 0; b < blocks; b++)
        {
            if (b == blocks / 6)
            {
                // "tap" goes: "tapf" (the same instance) is live while the fade plays the old "tap", deferred after it.
                session.Commit(WithTapFilter(24, "v3.pan", tap: false), Quantization.AtBeat(5));
                session.SetParameter("v3.gain", "level", 0.2, Quantization.AtBeat(Fraction.FromDecimal(5.5m)));
                session.SetTempo(140, Quantization.AtBeat(7));
                session.Trigger("v7.gain", Quantization.AtBeat(8), 1, parameter: "level", on: 0.2, off: 0.01);
                Assert.NotNull(session.Commit(WithLiveTap(24, "v9.pan"), Quantization.AtBeat(9)).Snapshot.Hybrid);
                session.SetParameter("tap", "level", 0.9, Quantization.AtBeat(Fraction.FromDecimal(9.25m)));
            }

            if (b == 3 * blocks / 6)
            {
                session.BindController(new ControllerLane(0, "v5.gain", "level", 0, 0.1, SmoothingMs: 5));
                session.MoveController(0, 0.25, atSample: (3 * SampleRate) + (SampleRate / 2) + 100);
            }

            if (b == 4 * blocks / 6)
            {
                session.BindController(ControllerLane.Free(0));
                session.SetParameter("tap", "level", 0.3, Quantization.AtBeat(11));
            }

            session.Renderer.Render(Device);
            session.Renderer.Output(0, Device).CopyTo(result[0].AsSpan(b * Device));
            session.Renderer.Output(1, Device).CopyTo(result[1].AsSpan(b * Device));
            if (b % 64 == 0)
            {
                session.Maintain();
            }
        }

        session.Renderer.StopRenderAhead();
        return result;
    }

    private static long ReadUntilSettled(LiveSession session, int blocks)
    {
        for (int b = 0; b < blocks; b++)
        {
            session.Renderer.Render(Device);
        }

        // Let the render-ahead thread catch up to its target, then measure its lead.
        long lead = 0;
        for (int i = 0; i < 200; i++)
        {
            Thread.Sleep(5);
            lead = session.Renderer.Position - session.Renderer.PlayedPosition;
        }

        return lead;
    }

    /// <summary>The reference for the "now" changes: the same cutoffs scheduled on the samples they landed on, render-ahead off; the left channel.</summary>
    private static float[] RenderWithCutoffsOnTheirSamples(LiveSession reference, string node, long[] landed, int frames)
    {
        for (int i = 0; i < landed.Length; i++)
        {
            reference.SetParameter(node, "cutoffHz", s_nowChangeValues[i], Quantization.AtBeat(reference.Clock.BeatAt(landed[i])));
        }

        var off = new float[frames];
        for (int k = 0; k < frames / Device; k++)
        {
            reference.Renderer.Render(Device);
            reference.Renderer.Output(0, Device).CopyTo(off.AsSpan(k * Device));
        }

        return off;
    }

    private static LiveSession CreateSession(GraphDescription graph, IGraphExecutor? executor = null) =>
        new(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { SampleRate = SampleRate, MaxBlockFrames = 1024, DeviceBlockFrames = Device }, executor);

    /// <summary>
    /// A scripted performance: changes scheduled before the render starts and changes made while it plays, each on a
    /// musical time at least a second after the played position (render-ahead is 100 ms), so both runs resolve them to
    /// the same sample.
    /// </summary>
    private static float[][] Perform(bool renderAhead, out LiveSession session)
    {
        session = CreateSession(StandardWorkloads.Voices(16));
        session.RampTempo(90, 4, Quantization.AtBeat(1));
        session.Commit(StandardWorkloads.Voices(24), Quantization.AtBeat(2));
        session.SetParameter("v3.lpf", "cutoffHz", 800, Quantization.AtBeat(Fraction.FromDecimal(2.5m)));
        if (renderAhead)
        {
            session.StartRenderAhead(waitWhenEmpty: true);
        }

        int blocks = 6 * SampleRate / Device;
        var result = new float[2][];
        result[0] = new float[blocks * Device];
        result[1] = new float[blocks * Device];
        for (int b = 0; b < blocks; b++)
        {
            if (b == blocks / 6)
            {
                // One second in: changes made while it plays, each a second or more ahead. A bound controller makes
                // render-ahead run one device block ahead until the lane is freed (its moves must not wait 100 ms).
                session.BindController(new ControllerLane(0, "v5.gain", "level", 0, 0.1, SmoothingMs: 5));
                session.MoveController(0, 0.25, atSample: 2 * SampleRate);
                session.MoveController(0, 0.9, atSample: (2 * SampleRate) + 777);
                session.Commit(StandardWorkloads.Voices(12), Quantization.AtBeat(6));
                session.SetTempo(140, Quantization.AtBeat(7));
                session.Trigger("v1.gain", Quantization.AtBeat(8), 1, parameter: "level", on: 0.2, off: 0.01);
            }

            if (b == 4 * blocks / 6)
            {
                session.BindController(ControllerLane.Free(0));
            }

            session.Renderer.Render(Device);
            session.Renderer.Output(0, Device).CopyTo(result[0].AsSpan(b * Device));
            session.Renderer.Output(1, Device).CopyTo(result[1].AsSpan(b * Device));
            if (b % 64 == 0)
            {
                session.Maintain();
            }
        }

        session.Renderer.StopRenderAhead();
        return result;
    }

    private static int FirstDifference(float[] a, float[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
