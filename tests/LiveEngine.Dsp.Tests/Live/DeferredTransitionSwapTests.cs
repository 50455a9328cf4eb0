using LiveEngine.Admission;
using LiveEngine.Commands;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Scheduling;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Live;

/// <summary>
/// With <see cref="LiveSessionOptions.DeferTransitionSwap"/> (the engine process) a crossfaded commit compiles only its
/// transition graph and returns; the graph after the fades is compiled by <see cref="LiveSession.CompleteTransition"/>
/// (or first thing by any later call) and lands on the same sample as when the commit queued both.
/// </summary>
public sealed class DeferredTransitionSwapTests(ITestOutputHelper output)
{
    private const int Block = 128;

    // CommitAllocationTests' bound for the soak's edit as the engine commits (the commit and the swap's compile together here).
    private const long MaxBytesPerEngineVoiceCommit = 240_000;

    [Fact]
    public void TheSoaksEdits_Deferred_PlayTheSameSamples_AndAdmitAsBothQueuedAtTheCommit()
    {
        GraphDescription graph = StandardWorkloads.Create("session");
        // A limit no prediction of this graph reaches (a loaded machine measures it over the default 70 %): the swap is
        // left to CompleteTransition whenever the kinds of job are measured.
        var options = new LiveSessionOptions { MaxBlockFrames = Block, Admission = AdmissionPolicy.Warn, AdmissionLimit = 1_000, RecycleRetiredSnapshots = true };
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 });
        using var referenceExecutor = new ParallelExecutor(new ParallelExecutorOptions { Threads = 2 });
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options with { DeferTransitionSwap = true }, executor);
        var reference = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options, referenceExecutor);
        string plain = graph.ToJson();
        string voiced = SoakVoice.AddedTo(graph).ToJson();

        int deferred = 0;
        var bytes = new List<long>();
        for (int round = 0; round < 5; round++)
        {
            foreach (string json in (string[])[voiced, plain])
            {
                GraphDescription decoded = GraphDescription.FromJson(json);
                reference.Execute(new CommitCommand(GraphDescription.FromJson(json), Quantization.Now, Owned: true));
                long before = GC.GetAllocatedBytesForCurrentThread();
                CommitTicket ticket = session.CommitTakingOwnership(decoded, Quantization.Now);
                bool completed = session.CompleteTransition();
                bytes.Add(GC.GetAllocatedBytesForCurrentThread() - before);
                if (completed)
                {
                    // Admission decided on the transition graph: its prediction bounds the graph's, made at the swap.
                    deferred++;
                    CostPrediction final = ticket.Prediction!;
                    CostPrediction transition = CostPredictor.Predict(ticket.Snapshot, session.CostTable, executor.Threads, final.BlockFrames, serialWhenFaster: executor.AdaptsToSerial);
                    Assert.True(transition.WorkNs >= final.WorkNs && transition.SpanNs >= final.SpanNs && transition.BlockNs >= final.BlockNs, $"transition {transition.Describe()}, graph {final.Describe()}");
                    Assert.Same(final, session.LastPrediction);
                }

                RenderBoth(session, reference, 15);
                session.Maintain();
                reference.Maintain();
            }
        }

        // The first commits measure the voice's kinds of job on a trial compile (the graph itself decides then).
        Assert.True(deferred >= 8, $"{deferred} of 10 voice edits left their swap to CompleteTransition");
        Assert.Equal(0, session.LateSwaps);
        long largest = bytes.Skip(4).Max();
        output.WriteLine($"{deferred} of 10 edits deferred their swap; a voice edit and its swap allocated at most {largest:N0} bytes after warm-up");
        Assert.InRange(largest, 0, MaxBytesPerEngineVoiceCommit);
    }

    [Fact]
    public void ATransitionGraphOverTheLimit_LeavesTheDecisionToTheGraphItself()
    {
        GraphDescription graph = StandardWorkloads.Create("session");
        var options = new LiveSessionOptions { MaxBlockFrames = Block, Admission = AdmissionPolicy.Warn, AdmissionLimit = 1e-6, DeferTransitionSwap = true };
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options);
        GraphDescription voiced = SoakVoice.AddedTo(graph);

        foreach (GraphDescription edit in (GraphDescription[])[voiced, graph, voiced])
        {
            CommitTicket ticket = session.Commit(edit, Quantization.Now);

            // Compiled and predicted at the commit, which warns as it always did.
            Assert.False(session.CompleteTransition());
            Assert.StartsWith("Committed over the admission limit", ticket.Warning);
            Assert.NotNull(ticket.Prediction);
            for (int i = 0; i < 15; i++)
            {
                session.Renderer.Render(Block);
            }
        }
    }

    [Fact]
    public void EditsOfEveryKind_CommittedDuringFades_PlayTheSameSamplesDeferred()
    {
        GraphDescription graph = StandardWorkloads.Create("session");
        var options = new LiveSessionOptions { MaxBlockFrames = Block, Admission = AdmissionPolicy.Warn };
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options with { DeferTransitionSwap = true });
        var reference = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options);
        GraphDescription voiced = SoakVoice.AddedTo(graph);
        GraphDescription replaced = voiced.Clone();
        replaced.Nodes.Find(n => n.Id == "t0.v0.lpf")!.Type = "lpf";
        GraphDescription rewired = replaced.Clone();
        rewired.Edges.RemoveAll(e => e.From == "t1.pan");
        rewired.Connect("t1.pan", "bus2");

        // Each commit lands while the last one's fades play (cutting them short) or after them; a parameter change and
        // an undo come between, each finding the swap queued as when the commit queued it.
        GraphDescription[] edits = [voiced, replaced, rewired, graph, voiced, graph];
        int[] blocksAfter = [2, 15, 1, 15, 4, 15];
        for (int i = 0; i < edits.Length; i++)
        {
            session.Commit(edits[i], Quantization.Now);
            reference.Commit(edits[i], Quantization.Now);
            if (i is not 0 and not 2)
            {
                // As the engine does after its answer; the first edit's swap is left to the next commit, two blocks on.
                session.CompleteTransition();
            }
            else if (i == 2)
            {
                // Before CompleteTransition: the parameter change completes the transition first.
                Assert.Equal(reference.SetParameter("bus2", "level", 0.4, Quantization.Now), session.SetParameter("bus2", "level", 0.4, Quantization.Now));
                Assert.False(session.CompleteTransition());
            }

            RenderBoth(session, reference, blocksAfter[i]);
        }

        Assert.True(session.TryUndo(Quantization.Now, out _));
        Assert.True(reference.TryUndo(Quantization.Now, out _));
        RenderBoth(session, reference, 15);
        Assert.Equal(0, session.LateSwaps);
    }

    [Fact]
    public void TheSwap_LeftUncompleted_IsCompiledByTheNextCall_OnItsSample()
    {
        (LiveSession session, _, GraphDescription withB) = SineSession(Block);

        CommitTicket ticket = session.Commit(withB, Quantization.Now);
        Assert.True(ticket.Snapshot.IndexOfNode("out~in~xfade") >= 0, "the edit was expected to crossfade the output's input");

        // Maintain (the engine's housekeeping) completes it; then nothing is left.
        session.Maintain();
        Assert.False(session.CompleteTransition());
        long fadeEnd = ticket.CommitSample + (long)Math.Ceiling(20 * 48_000 / 1000.0) + 1;
        while (session.Renderer.Position <= fadeEnd)
        {
            session.Renderer.Render(Block);
        }

        Assert.Equal(-1, session.Renderer.Current.IndexOfNode("out~in~xfade"));
        Assert.True(session.Renderer.Current.IndexOfNode("b") >= 0);
        Assert.Equal(0, session.LateSwaps);
    }

    [Fact]
    public void MaintainOnAnotherThread_LeavesTheSwapToTheCommittingThread_UntilHalfTheFadeHasPlayed()
    {
        (LiveSession session, GraphDescription graph, GraphDescription withB) = SineSession(64);
        GraphDescription withC = graph.Clone();
        withC.Add("c", "sine", new Dictionary<string, double> { ["freqHz"] = 880 });
        withC.Chain("c", "out");

        // Housekeeping at once: the committing thread's to do.
        session.Commit(withB, Quantization.Now);
        MaintainOnAnotherThread(session);
        Assert.True(session.CompleteTransition());

        // Housekeeping after half the fade (480 of 961 samples): it takes over.
        session.Commit(withC, Quantization.Now);
        for (int i = 0; i < 8; i++)
        {
            session.Renderer.Render(64);
        }

        MaintainOnAnotherThread(session);
        Assert.False(session.CompleteTransition());
        Assert.Equal(0, session.LateSwaps);

        static void MaintainOnAnotherThread(LiveSession session)
        {
            var housekeeping = new Thread(session.Maintain);
            housekeeping.Start();
            housekeeping.Join();
        }
    }

    [Fact]
    public void TheSwap_CompletedAfterTheFadesEnded_IsCountedLate()
    {
        (LiveSession session, _, GraphDescription withB) = SineSession(Block);

        session.Commit(withB, Quantization.Now);
        for (int i = 0; i < 10; i++)
        {
            session.Renderer.Render(Block);
        }

        Assert.True(session.CompleteTransition());
        Assert.Equal(1, session.LateSwaps);
    }

    /// <summary>A sine into a mono output, in a session that defers the swap after a transition; and the graph with a second sine added.</summary>
    private static (LiveSession Session, GraphDescription Graph, GraphDescription WithB) SineSession(int maxBlockFrames)
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("a", "sine", new Dictionary<string, double> { ["freqHz"] = 440 });
        graph.Chain("a", "out");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { OutputChannels = 1, MaxBlockFrames = maxBlockFrames, CrossfadeMs = 20, DeferTransitionSwap = true });
        GraphDescription withB = graph.Clone();
        withB.Add("b", "sine", new Dictionary<string, double> { ["freqHz"] = 660 });
        withB.Chain("b", "out");
        return (session, graph, withB);
    }

    private static void RenderBoth(LiveSession session, LiveSession reference, int blocks)
    {
        for (int i = 0; i < blocks; i++)
        {
            session.Renderer.Render(Block);
            reference.Renderer.Render(Block);
            for (int c = 0; c < session.Renderer.OutputChannels; c++)
            {
                Assert.True(session.Renderer.Output(c, Block).SequenceEqual(reference.Renderer.Output(c, Block)), $"Channel {c} differs from the session that queues both snapshots at the commit (block {i}).");
            }
        }
    }
}
