using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Live;

public sealed class ParameterEventTests
{
    private const int Block = 100;

    private static GraphDescription Graph(params string[] extra)
    {
        var graph = new GraphDescription();
        graph.Add("c", "const", new Dictionary<string, double> { ["value"] = 0.25 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("c", "out");
        foreach (string id in extra)
        {
            graph.Add(id, "const", new Dictionary<string, double> { ["value"] = 0 });
            graph.Connect(id, "out");
        }

        return graph;
    }

    private static LiveSession NewSession(GraphDescription graph) =>
        new(TestNodes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1 });

    private static List<float> Render(LiveSession session, int blocks, List<float>? into = null)
    {
        into ??= [];
        for (int b = 0; b < blocks; b++)
        {
            session.Renderer.Render(Block);
            into.AddRange(session.Renderer.Output(0, Block).ToArray());
        }

        return into;
    }

    [Fact]
    public void SetParameter_LandsOnItsExactSample_AndTheGraphKeepsIt()
    {
        LiveSession session = NewSession(Graph());
        List<float> output = Render(session, 15);
        long at = session.SetParameter("c", "value", 0.5, Quantization.NextBeat);
        Render(session, 300, output);
        Assert.Equal(24_000, at);
        Assert.Equal(0.25f, output[23_999]);
        Assert.Equal(0.5f, output[24_000]);
        Assert.Equal(0.5, session.Graph.Nodes[0].Parameters["value"]);
    }

    [Fact]
    public void Trigger_SetsAndResetsAGateOnExactBeats()
    {
        LiveSession session = NewSession(Graph());
        List<float> output = Render(session, 1);
        (long on, long off) = session.Trigger("c", Quantization.AtBeat(1), Fraction.Create(1, 2), parameter: "value", on: 1, off: 0);
        Render(session, 500, output);
        Assert.Equal((24_000L, 36_000L), (on, off));
        Assert.Equal(0.25f, output[23_999]);
        Assert.Equal(1f, output[24_000]);
        Assert.Equal(1f, output[35_999]);
        Assert.Equal(0f, output[36_000]);
    }

    [Fact]
    public void EventsAroundAPendingCommit_LandOnTheSnapshotPlayingThen_AndPersistAcrossIt()
    {
        LiveSession session = NewSession(Graph());
        List<float> output = Render(session, 10);
        session.Commit(Graph("extra"), Quantization.NextBar);
        session.SetParameter("c", "value", 0.5, Quantization.AtBeat(2));
        session.SetParameter("extra", "value", 0.125, Quantization.AtBeat(6));
        Render(session, 1600, output);

        Assert.Equal(0.25f, output[47_999]);
        Assert.Equal(0.5f, output[48_000]);

        // The commit at 96,000 was compiled before the event: it must not bring back 0.25.
        Assert.Equal(0.5f, output[96_000]);
        Assert.Equal(0.5f, output[143_999]);
        Assert.Equal(0.625f, output[144_000]);
        Assert.Equal(0, session.Renderer.DroppedEvents);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    public void ATriggerScheduledBeforeACommit_ThatLandsEarlier_StillSoundsOnTheNewGraph(double crossfadeMs)
    {
        LiveSession session = new(TestNodes.CreateRegistry(), Graph(), new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1, CrossfadeMs = crossfadeMs });
        List<float> output = Render(session, 10);
        (long on, long off) = session.Trigger("c", Quantization.AtBeat(4), Fraction.Create(1, 2), parameter: "value", on: 1, off: 0);

        // Committed after the trigger was scheduled, landing before it: the trigger is for node "c", which stays.
        session.Commit(Graph("extra"), Quantization.AtBeat(2));
        session.SetParameter("extra", "value", 0.125, Quantization.AtBeat(5));
        Render(session, 1600, output);

        Assert.Equal((96_000L, 108_000L), (on, off));
        Assert.Equal(0.25f, output[47_999]);
        Assert.Equal(0.25f, output[95_999]);
        Assert.Equal(1f, output[96_000]);
        Assert.Equal(1f, output[107_999]);
        Assert.Equal(0f, output[108_000]);
        Assert.Equal(0.125f, output[120_000]);
        Assert.Equal(0, session.Renderer.DroppedEvents);
    }

    [Fact]
    public void AnEventScheduledBeforeACommit_ThatDropsItsNode_DoesNothing_AndThePlayingGraphKeepsPlaying()
    {
        LiveSession session = new(TestNodes.CreateRegistry(), Graph("extra"), new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1, CrossfadeMs = 0 });
        List<float> output = Render(session, 10);
        session.SetParameter("extra", "value", 0.5, Quantization.AtBeat(4));
        session.Commit(Graph(), Quantization.AtBeat(2));
        Render(session, 1200, output);

        Assert.Equal(0.25f, output[95_999]);
        Assert.Equal(0.25f, output[96_000]);
        Assert.Equal(0.25f, output[^1]);
    }

    [Fact]
    public void BackToBackTriggers_DropTheGateOneSampleBefore_SoTheSecondRetriggers()
    {
        LiveSession session = NewSession(Graph());
        List<float> output = Render(session, 1);
        session.Trigger("c", Quantization.AtBeat(1), Fraction.Create(1, 2), parameter: "value", on: 1, off: 0);
        session.Trigger("c", Quantization.AtBeat(Fraction.Create(3, 2)), Fraction.Create(1, 2), parameter: "value", on: 1, off: 0);
        Render(session, 500, output);

        Assert.Equal(1f, output[24_000]);
        Assert.Equal(1f, output[35_998]);
        Assert.Equal(0f, output[35_999]);
        Assert.Equal(1f, output[36_000]);
        Assert.Equal(1f, output[47_999]);
        Assert.Equal(0f, output[48_000]);
    }

    [Fact]
    public void TwoEventsOnOneSample_TheLastMadeWins_AndATriggerShorterThanASampleStillSoundsForOne()
    {
        LiveSession session = NewSession(Graph());
        List<float> output = Render(session, 1);
        session.SetParameter("c", "value", 0.5, Quantization.AtBeat(1));
        session.SetParameter("c", "value", 0.75, Quantization.AtBeat(1));
        (long on, long off) = session.Trigger("c", Quantization.AtBeat(2), Fraction.Create(1, 1_000_000), parameter: "value", on: 1, off: 0);
        Render(session, 600, output);

        Assert.Equal(0.25f, output[23_999]);
        Assert.Equal(0.75f, output[24_000]);
        Assert.Equal((48_000L, 48_001L), (on, off));
        Assert.Equal(0.75f, output[47_999]);
        Assert.Equal(1f, output[48_000]);
        Assert.Equal(0f, output[48_001]);
    }

    [Fact]
    public void BadEvents_AreRefusedWithTheReason_AndNothingChanges()
    {
        LiveSession session = NewSession(Graph());
        var e1 = Assert.Throws<ArgumentException>(() => session.SetParameter("nope", "value", 1, Quantization.Now));
        Assert.StartsWith("No node 'nope' in the graph playing at sample 0.", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => session.SetParameter("c", "valu", 1, Quantization.Now));
        Assert.StartsWith("Node 'c' (type 'const') has no parameter 'valu' (its parameters: value).", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => session.SetParameter("c", "value", 5e9, Quantization.Now));
        Assert.StartsWith("Parameter 'c.value' = 5000000000 is outside its range", e3.Message);
        var e4 = Assert.Throws<ArgumentOutOfRangeException>(() => session.SetParameter("c", "value", double.NaN, Quantization.Now));

        // In the user's terms only: no "(Parameter 'value')" or "Actual value was NaN." from .NET.
        Assert.Equal("Parameter 'c.value' = NaN (not a number, e.g. 0/0): it takes a number in -1E+09..1E+09.", e4.Message);
        Assert.Equal("No node 'nope' in the graph playing at sample 0.", e1.Message);
        Assert.Equal("Node 'c' (type 'const') has no parameter 'valu' (its parameters: value).", e2.Message);
        List<float> output = Render(session, 10);
        Assert.All(output, x => Assert.Equal(0.25f, x));
    }

    [Fact]
    public void Render_AllocatesNothing_WhileEventsLand()
    {
        LiveSession session = NewSession(Graph());

        // Tiered compilation allocates on the calling thread while it counts calls and installs optimised code,
        // after a delay (100 ms by default): warm up past it before measuring, with events landing in the warm-up too
        // (their path ran first in the measured blocks once, and its tier-up counted 2,016 bytes there).
        for (int k = 1; k <= 80; k++)
        {
            session.SetParameter("c", "value", 0.25, Quantization.AtBeat(Fraction.Create(k, 100)));
        }

        Render(session, 200);
        Thread.Sleep(300);
        for (int k = 0; k < 60; k++)
        {
            session.SetParameter("c", "value", 0.25, Quantization.AtBeat(Fraction.Create(90 + k, 100)));
        }

        Render(session, 200);
        Thread.Sleep(300);
        Render(session, 50);

        // Each window: 500 events a tenth of a beat apart from its first beat (the first ones late, landing on the next
        // block), then 60 beats (14,400 blocks) rendered through them.
        int window = 0;
        SteadyAllocation.AssertNone(
            "14,400 blocks with 500 parameter events landing",
            prepare: () =>
            {
                for (int k = 1; k <= 500; k++)
                {
                    session.SetParameter("c", "value", k * 0.001, Quantization.AtBeat(Fraction.Create((window * 600) + k, 10)));
                }

                window++;
            },
            measured: () =>
            {
                for (int b = 0; b < 14_400; b++)
                {
                    session.Renderer.Render(Block);
                }
            });

        Assert.Equal(0.5f, session.Renderer.Output(0, Block)[Block - 1]);
    }
}
