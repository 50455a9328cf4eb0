using LiveEngine.Graph;
using LiveEngine.Live;

namespace LiveEngine.Tests.Live;

public sealed class ControllerLanesTests
{
    private static LiveSession NewSession(double value = 0.25, int crossfadeMs = 20)
    {
        var graph = new GraphDescription();
        graph.Add("c", "const", new Dictionary<string, double> { ["value"] = value });
        graph.Add("out", "out", channels: 1);
        graph.Connect("c", "out");
        return new LiveSession(TestNodes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1, CrossfadeMs = crossfadeMs });
    }

    private static float[] Render(LiveSession session, int frames, int block)
    {
        var output = new float[frames];
        for (int done = 0; done < frames; done += block)
        {
            int n = Math.Min(block, frames - done);
            session.Renderer.Render(n);
            session.Renderer.Output(0, n).CopyTo(output.AsSpan(done));
        }

        return output;
    }

    [Fact]
    public void Move_LandsOnItsExactSample_ThroughTheLanesCurveAndRange()
    {
        LiveSession session = NewSession();
        session.BindController(new ControllerLane(3, "c", "value", Min: 80, Max: 8000, Curve: ControllerCurve.Exponential));
        long at = session.MoveController(3, 0.5, atSample: 1000);
        float[] output = Render(session, 2000, 100);

        Assert.Equal(1000, at);
        Assert.Equal(0.25f, output[999]);
        Assert.Equal((float)(80 + (7920 * 7 / 63.0)), output[1000]);
        Assert.Equal(1000, session.Renderer.LastControllerMoveSample(3));
        Assert.Equal(80 + (7920 * 7 / 63.0), session.Graph.Nodes[0].Parameters["value"], 9);
    }

    [Fact]
    public void Smoothing_FollowsTheOnePoleOnEveryStepSample_WhateverTheBlockSize()
    {
        const double smoothingMs = 10;
        float[]? first = null;
        foreach (int block in new[] { 1, 7, 100, 128 })
        {
            LiveSession session = NewSession();
            session.BindController(new ControllerLane(0, "c", "value", SmoothingMs: smoothingMs));
            session.MoveController(0, 1, atSample: 960);
            float[] output = Render(session, 4800, block);
            first ??= output;
            Assert.Equal(first, output);
        }

        double a = Math.Exp(-1000 / (smoothingMs * 48_000));
        Assert.Equal(0.25f, first![959]);
        Assert.Equal(0.25f, first[960]);
        for (int step = 992; step < 4800; step += ControllerLanesStep)
        {
            float expected = (float)(1 + ((0.25 - 1) * Math.Pow(a, step - 960)));
            Assert.Equal(expected, first[step]);
            Assert.Equal(expected, first[step + ControllerLanesStep - 1]);
        }

        // One time constant (480 samples) after the move it has covered 1 − 1/e of the way, to the next step sample.
        Assert.InRange(first[960 + 480], 0.25 + (0.75 * (1 - Math.Exp(-1))) - 0.02, 0.25 + (0.75 * (1 - Math.Exp(-1))) + 0.02);
    }

    private const int ControllerLanesStep = 32;

    [Fact]
    public void Smoothing_RetargetedMidGlide_StartsFromWhereTheGlideIs_AndEndsExactlyOnTheTarget()
    {
        LiveSession session = NewSession(value: 0);
        session.BindController(new ControllerLane(0, "c", "value", SmoothingMs: 5));
        session.MoveController(0, 1, atSample: 0);
        session.MoveController(0, 0.5, atSample: 100);
        float[] output = Render(session, 48_000, 128);

        double a = Math.Exp(-1000 / (5 * 48_000.0));
        double at100 = 1 - Math.Pow(a, 100);
        Assert.Equal((float)(0.5 + ((at100 - 0.5) * Math.Pow(a, 128 - 100))), output[128]);
        Assert.Equal(0.5f, output[^1]);
    }

    [Fact]
    public void SoftTakeover_HoldsMovesUntilTheControllerCrossesTheParameter_ReadInTheEngine()
    {
        LiveSession session = NewSession(value: 0.5);
        session.BindController(new ControllerLane(0, "c", "value", SoftTakeover: true));
        session.MoveController(0, 0.9, atSample: 100);
        session.MoveController(0, 0.6, atSample: 200);
        session.MoveController(0, 0.4, atSample: 300);
        session.MoveController(0, 1, atSample: 400);
        float[] output = Render(session, 512, 64);

        Assert.Equal(0.5f, output[100]);
        Assert.Equal(0.5f, output[299]);
        Assert.Equal(0.4f, output[300]);
        Assert.Equal(1f, output[400]);
        Assert.Equal(2, session.Renderer.ControllerMovesHeld);
    }

    [Fact]
    public void Rebind_MakesSoftTakeoverPickTheValueUpAgain_AndDropsMovesForTheOldBinding()
    {
        LiveSession session = NewSession(value: 0.5);
        session.BindController(new ControllerLane(0, "c", "value", SoftTakeover: true));
        session.MoveController(0, 0.5, atSample: 10);
        session.MoveController(0, 0.9, atSample: 1000);
        Render(session, 128, 128);
        session.BindController(new ControllerLane(0, "c", "value", SoftTakeover: true));
        session.MoveController(0, 0.1, atSample: 500);
        float[] output = Render(session, 1024, 128);

        Assert.Equal(0.5f, output[^1]);
        Assert.Equal(1, session.Renderer.StaleControllerMoves);
        Assert.Equal(1, session.Renderer.ControllerMovesHeld);
    }

    [Fact]
    public void LateMove_LandsAtTheNextBlock_AndIsCounted()
    {
        LiveSession session = NewSession();
        session.BindController(new ControllerLane(0, "c", "value"));
        Render(session, 256, 128);
        long at = session.MoveController(0, 1, atSample: 10);
        float[] output = Render(session, 128, 128);

        Assert.Equal(256, at);
        Assert.Equal(1f, output[0]);
        Assert.Equal(1, session.LateControllerMoves);
    }

    [Fact]
    public void ArrivalTimestamp_LandsTheConstantLatencyAfterTheRenderersClockLine()
    {
        LiveSession session = NewSession();
        session.BindController(new ControllerLane(0, "c", "value"));
        Render(session, 128, 128);
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        long at = session.MoveController(0, 1, arrivalTimestamp: now);

        Assert.Equal(session.Renderer.SampleAtTimestamp(now) + (2 * 128), at);
        Assert.Equal(256, session.Options.ControllerLatencyFrames);
    }

    [Fact]
    public void MovesOfAFreeLane_OrToAMissingNode_AreRefusedWithTheReason()
    {
        LiveSession session = NewSession();
        Assert.Contains("lane 1 is not bound", Assert.Throws<ArgumentException>(() => session.MoveController(1, 0.5)).Message);
        session.BindController(new ControllerLane(1, "nope", "value"));
        Assert.Contains("No node 'nope'", Assert.Throws<ArgumentException>(() => session.MoveController(1, 0.5)).Message);
        session.BindController(ControllerLane.Free(1));
        Assert.Throws<ArgumentException>(() => session.MoveController(1, 0.5));
        Assert.Throws<ArgumentException>(() => session.BindController(new ControllerLane(ControllerLane.Capacity, "c", "value")));
    }

    [Fact]
    public void RenderWithControllerMovesAndSmoothingFlowing_AllocatesNothing()
    {
        LiveSession session = NewSession();
        session.BindController(new ControllerLane(0, "c", "value", SmoothingMs: 3));
        session.BindController(new ControllerLane(1, "c", "value", Curve: ControllerCurve.Logarithmic, SoftTakeover: true));
        Render(session, 4096, 128);

        // Each window: 2,000 moves, on both lanes in turn, 150 frames apart from the next block on, rendered through.
        long lastMoveOfLane0 = -1;
        SteadyAllocation.AssertNone(
            "2,400 blocks with 2,000 controller moves landing",
            prepare: () =>
            {
                long from = session.Renderer.Position;
                for (int k = 1; k <= 2000; k++)
                {
                    session.MoveController(k % 2, (k % 97) / 96.0, atSample: from + (k * 150));
                }

                lastMoveOfLane0 = from + (2000 * 150);
            },
            measured: () =>
            {
                for (int b = 0; b < 2400; b++)
                {
                    session.Renderer.Render(128);
                }
            });

        Assert.Equal(lastMoveOfLane0, session.Renderer.LastControllerMoveSample(0));
    }

    [Fact]
    public void RandomBindsAndMoves_KeepTheParameterFiniteAndInsideTheLanesRange()
    {
        var random = new Random(7);
        LiveSession session = NewSession(value: 0);
        for (int round = 0; round < 200; round++)
        {
            if (round % 20 == 0)
            {
                var curve = (ControllerCurve)random.Next(3);
                bool invert = random.Next(2) == 0;
                session.BindController(new ControllerLane(0, "c", "value", Min: invert ? 1 : -1, Max: invert ? -1 : 1, Curve: curve, SmoothingMs: random.Next(3) * 2.5, SoftTakeover: random.Next(2) == 0));
            }

            double position = random.Next(4) switch { 0 => 0, 1 => 1, 2 => -0.5, _ => random.NextDouble() };
            long at = session.Renderer.Position + random.Next(-200, 600);
            session.MoveController(0, position, atSample: at);
            float[] output = Render(session, random.Next(1, 300), random.Next(1, 129));
            Assert.All(output, v => Assert.InRange(v, -1f, 1f));
        }

        Assert.Throws<ArgumentException>(() => session.MoveController(0, double.NaN));
        Assert.Throws<ArgumentException>(() => session.BindController(new ControllerLane(0, "c", "value", Curve: (ControllerCurve)7)));
        Assert.Throws<ArgumentException>(() => session.BindController(new ControllerLane(0, "c", "value", SmoothingMs: -1)));
    }
}
