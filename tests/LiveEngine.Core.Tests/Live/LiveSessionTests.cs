using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Snapshots;
using LiveEngine.Time;

namespace LiveEngine.Tests.Live;

public sealed class LiveSessionTests
{
    // 100 does not divide 96,000 × k evenly into blocks of a power of two: commits land inside blocks.
    private const int Block = 100;

    private static GraphDescription Constant(string id, double value)
    {
        var graph = new GraphDescription();
        graph.Add(id, "const", new Dictionary<string, double> { ["value"] = value });
        graph.Add("out", "out", channels: 1);
        graph.Connect(id, "out");
        return graph;
    }

    private static LiveSession NewSession(GraphDescription initial) =>
        new(TestNodes.CreateRegistry(), initial, new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1, CrossfadeMs = 0 });

    private static float[] Render(LiveSession session, int blocks)
    {
        var output = new float[blocks * Block];
        for (int b = 0; b < blocks; b++)
        {
            session.Renderer.Render(Block);
            session.Renderer.Output(0, Block).CopyTo(output.AsSpan(b * Block));
        }

        return output;
    }

    [Fact]
    public void NextBar_At120Bpm48kHz_LandsOnSample96000TimesK()
    {
        LiveSession session = NewSession(Constant("a", 0.25));
        var output = new List<float>();
        output.AddRange(Render(session, 310));
        CommitTicket first = session.Commit(Constant("b", 0.5), Quantization.NextBar);
        output.AddRange(Render(session, 1000));
        CommitTicket second = session.Commit(Constant("c", 0.75), Quantization.NextBar);
        output.AddRange(Render(session, 1000));

        Assert.Equal(96_000, first.CommitSample);
        Assert.Equal(96_000, first.AppliedAtSample);
        Assert.Equal(192_000, second.AppliedAtSample);
        Assert.Equal(0.25f, output[95_999]);
        Assert.Equal(0.5f, output[96_000]);
        Assert.Equal(0.5f, output[191_999]);
        Assert.Equal(0.75f, output[192_000]);
    }

    [Fact]
    public void InvalidEdit_IsRefusedWithTheReason_AndTheOutputIsBitIdentical()
    {
        LiveSession reference = NewSession(SnapshotsRandom());
        float[] expected = Render(reference, 400);

        LiveSession session = NewSession(SnapshotsRandom());
        var output = new List<float>(Render(session, 100));
        GraphDescription cyclic = SnapshotsRandom();
        cyclic.Add("loopA", "scale");
        cyclic.Add("loopB", "scale");
        cyclic.Connect("loopA", "loopB");
        cyclic.Connect("loopB", "loopA");
        var e = Assert.Throws<GraphValidationException>(() => session.Commit(cyclic, Quantization.Now));
        Assert.Contains("Cycle: loopA -> loopB -> loopA", e.Message);

        GraphDescription badParameter = SnapshotsRandom();
        badParameter.Nodes[1].Parameters["factor"] = 99;
        Assert.Throws<GraphValidationException>(() => session.Commit(badParameter, Quantization.NextBeat));

        GraphDescription unknown = SnapshotsRandom();
        unknown.Connect("n3", "nowhere");
        Assert.Throws<GraphValidationException>(() => session.Commit(unknown, Quantization.Now));

        output.AddRange(Render(session, 300));
        Assert.Equal(expected, output);
        Assert.Equal(0, session.UndoDepth);
    }

    [Fact]
    public void UnchangedNodes_KeepTheirInstance_AndStateAcrossACommit()
    {
        GraphDescription graph = SnapshotsRandom();
        LiveSession session = NewSession(graph);
        Render(session, 10);
        GraphSnapshot before = session.Renderer.Current;
        GraphDescription edited = SnapshotsRandom();
        edited.Add("extra", "const", new Dictionary<string, double> { ["value"] = 0 });
        edited.Connect("extra", "out");
        session.Commit(edited, Quantization.Now);
        Render(session, 1);
        GraphSnapshot after = session.Renderer.Current;
        Assert.NotSame(before, after);
        for (int n = 0; n < before.Nodes.Length; n++)
        {
            int index = after.IndexOfNode(before.NodeIds[n]);
            Assert.Same(before.Nodes[n], after.Nodes[index]);
            Assert.True(after.NodeReused[index]);
        }

        Assert.False(after.NodeReused[after.IndexOfNode("extra")]);
        // The snapshot the commit replaced went back to the control side to be released.
        Assert.Equal(1, session.CollectRetired());
    }

    [Fact]
    public void Commits_LandInOrder_ALaterNowWaitsForAnEarlierNextBar()
    {
        LiveSession session = NewSession(Constant("a", 0.25));
        Render(session, 10);
        CommitTicket bar = session.Commit(Constant("b", 0.5), Quantization.NextBar);
        CommitTicket now = session.Commit(Constant("c", 0.75), Quantization.Now);
        Render(session, 1000);
        Assert.Equal(96_000, bar.AppliedAtSample);
        Assert.Equal(96_000, now.AppliedAtSample);
        Assert.Equal(0.75f, session.Renderer.Output(0, Block)[0]);
    }

    [Fact]
    public void Edit_AppliesAChangeToTheLatestGraph()
    {
        LiveSession session = NewSession(Constant("a", 0.25));
        session.Edit(g => g.Nodes[0].Parameters["value"] = 0.5, Quantization.Now);
        session.Edit(g =>
        {
            g.Add("b", "const", new Dictionary<string, double> { ["value"] = 0.125 });
            g.Connect("b", "out");
        }, Quantization.Now);
        Render(session, 10);
        Assert.Equal(0.625f, session.Renderer.Output(0, Block)[Block - 1]);
        Assert.Equal(2, session.UndoDepth);
        Assert.Throws<GraphValidationException>(() => session.Edit(g => g.Connect("b", "nowhere"), Quantization.Now));
        Assert.Equal(2, session.Graph.Nodes.Count(n => n.Type == "const"));
    }

    [Fact]
    public void Undo_BringsBackThePreviousGraph()
    {
        LiveSession session = NewSession(Constant("a", 0.25));
        session.Commit(Constant("b", 0.5), Quantization.Now);
        Render(session, 1);
        Assert.Equal(0.5f, session.Renderer.Output(0, Block)[0]);
        Assert.True(session.TryUndo(Quantization.Now, out CommitTicket? undo));
        Render(session, 1);
        Assert.True(undo!.IsApplied);
        Assert.Equal(0.25f, session.Renderer.Output(0, Block)[0]);
        Assert.False(session.TryUndo(Quantization.Now, out _));
    }

    [Fact]
    public void Render_AllocatesNothing_WhileCommitsLand()
    {
        LiveSession session = NewSession(SnapshotsRandom());
        Render(session, 5);

        // Each window: 20 commits on the next 20 beats, then 50 beats (12,000 blocks) rendered through them.
        int window = 0;
        SteadyAllocation.AssertNone(
            "12,000 blocks with 20 commits landing",
            prepare: () =>
            {
                for (int k = 1; k <= 20; k++)
                {
                    GraphDescription edited = SnapshotsRandom();
                    edited.Add("extra" + k, "const", new Dictionary<string, double> { ["value"] = k * 0.01 });
                    edited.Connect("extra" + k, "out");
                    session.Commit(edited, Quantization.AtBeat((window * 50) + k));
                }

                window++;
            },
            measured: () =>
            {
                for (int b = 0; b < 12_000; b++)
                {
                    session.Renderer.Render(Block);
                }
            });

        Assert.Equal(Fraction.FromInteger(20), session.Clock.BeatAt(20 * 24_000));
    }

    private static GraphDescription SnapshotsRandom() => Snapshots.SnapshotCompilerTests.RandomGraph(21, 40);
}
