using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Time;

namespace LiveEngine.Tests.Dsp.Live;

/// <summary>
/// A live change's transition graph carries no commit sample (its crossfades are told their start on the compiled
/// instances), so the same edit made again compiles to the same node table; and a crossfade instance is never carried
/// into a later transition, whose start sample is another.
/// </summary>
public sealed class TransitionReuseTests
{
    private const int Block = 128;

    [Fact]
    public void TheSameEditAgain_SharesTheTransitionGraphsNodeTable()
    {
        GraphDescription graph = StandardWorkloads.Create("session");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = Block, RecycleRetiredSnapshots = true });
        GraphDescription withVoice = SoakVoice.AddedTo(graph);

        GraphSnapshot firstAdd = Commit(session, withVoice);
        Commit(session, graph);
        GraphSnapshot secondAdd = Commit(session, withVoice);

        Assert.True(firstAdd.IndexOfNode("out~in~xfade") >= 0, "the voice added was expected to crossfade the output's input");
        Assert.Same(firstAdd.NodeIds, secondAdd.NodeIds);
        Assert.Same(firstAdd.NodeOptions, secondAdd.NodeOptions);
    }

    [Fact]
    public void ACommitDuringAFade_GetsItsOwnCrossfade_AndTheFadeItCutsShortKeepsItsStart()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("a", "sine", new Dictionary<string, double> { ["freqHz"] = 440 });
        graph.Chain("a", "out");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { OutputChannels = 1, MaxBlockFrames = Block, CrossfadeMs = 20 });
        session.Renderer.Render(Block);
        GraphDescription withB = graph.Clone();
        withB.Add("b", "sine", new Dictionary<string, double> { ["freqHz"] = 660 });
        withB.Chain("b", "out");

        CommitTicket first = session.Commit(withB, Quantization.Now);
        session.Renderer.Render(Block);
        CommitTicket second = session.Commit(graph, Quantization.Now);

        var firstFade = (CrossfadeNode)first.Snapshot.Nodes[first.Snapshot.IndexOfNode("out~in~xfade")];
        var secondFade = (CrossfadeNode)second.Snapshot.Nodes[second.Snapshot.IndexOfNode("out~in~xfade")];
        Assert.NotSame(firstFade, secondFade);
        Assert.Equal(first.CommitSample, firstFade.StartSample);
        Assert.Equal(second.CommitSample, secondFade.StartSample);
        Assert.True(second.CommitSample > first.CommitSample);
    }

    /// <summary>Commits a decoded copy of <paramref name="graph"/> and renders past its fade; returns the transition's snapshot.</summary>
    private static GraphSnapshot Commit(LiveSession session, GraphDescription graph)
    {
        GraphSnapshot snapshot = session.CommitTakingOwnership(GraphDescription.FromJson(graph.ToJson()), Quantization.Now).Snapshot;
        for (int i = 0; i < 15; i++)
        {
            session.Renderer.Render(Block);
        }

        return snapshot;
    }
}
