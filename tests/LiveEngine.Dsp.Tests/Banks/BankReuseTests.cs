using LiveEngine.Dsp;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Time;

namespace LiveEngine.Tests.Dsp.Banks;

/// <summary>A live session's commit forms only the banks whose lanes changed; the others keep their processors.</summary>
public sealed class BankReuseTests
{
    private const int Block = 64;

    [Fact]
    public void VoiceEdit_InAGraphOfSeveralBanks_KeepsTheUnchangedBanksAndRendersAsAFreshCompile()
    {
        GraphDescription before = BankTestGraphs.TwoKinds(sawVoices: 10);
        GraphDescription after = BankTestGraphs.TwoKinds(sawVoices: 11);
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var session = new LiveSession(registry, before, new LiveSessionOptions { MaxBlockFrames = Block, CrossfadeMs = 0 });

        // The reference plays the same history offline, its banks formed afresh at every compile.
        GraphSnapshot reference = GraphCompiler.Compile(before, registry, new CompileOptions { MaxBlockFrames = Block });
        long position = 0;
        for (int b = 0; b < 20; b++, position += Block)
        {
            RenderBoth(session, reference, position, b);
        }

        GraphSnapshot first = session.Renderer.Current;
        Assert.True(first.Banks.Count >= 2, $"{first.Banks.Count} banks");
        Dictionary<string, FormedBank> byKind = first.BankProcessors.Cast<SnapshotBankProcessor>().ToDictionary(p => p.Bank.Descriptor.Name, p => p.Bank);

        session.Commit(after, Quantization.Now);
        reference = GraphCompiler.Compile(after, registry, new CompileOptions { MaxBlockFrames = Block, Previous = reference });
        for (int b = 0; b < 40; b++, position += Block)
        {
            RenderBoth(session, reference, position, 20 + b);
        }

        GraphSnapshot second = session.Renderer.Current;
        Assert.NotSame(first, second);
        var formed = second.BankProcessors.Cast<SnapshotBankProcessor>().Select(p => p.Bank).ToList();

        // The saw voices' bank gained a lane: formed anew. The other kind's bank is the same object.
        Assert.DoesNotContain(formed, bank => ReferenceEquals(bank, byKind[SawFilterVoiceBank.KindName]));
        Assert.Contains(formed, bank => byKind.Any(pair => pair.Key != SawFilterVoiceBank.KindName && ReferenceEquals(pair.Value, bank)));
        Assert.All(reference.BankProcessors, p => Assert.IsNotType<SnapshotBankProcessor>(p));

        // A block copies the lanes' values into the kept bank and renders it: nothing allocated.
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int b = 0; b < 100; b++)
        {
            session.Renderer.Render(Block);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - allocated);
    }

    [Fact]
    public void VoiceEdit_WithACrossfade_PassesTheUnchangedBankThroughTheTransitionGraph()
    {
        // The new graph is compiled after the transition graph, from it. The voice added changes the sources of the
        // output's input, which the transition graph crossfades (so the lanes feeding it are no bank there): the
        // transition graph keeps the other kind's bank spare for the graph after it, which takes it up again.
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var session = new LiveSession(registry, BankTestGraphs.TwoKinds(sawVoices: 10), new LiveSessionOptions { MaxBlockFrames = Block });
        for (int b = 0; b < 20; b++)
        {
            session.Renderer.Render(Block);
        }

        FormedBank[] before = [.. session.Renderer.Current.BankProcessors.Cast<SnapshotBankProcessor>().Select(p => p.Bank)];
        FormedBank kept = Assert.Single(before, bank => bank.Descriptor.Name != SawFilterVoiceBank.KindName);
        GraphSnapshot fading = session.Commit(BankTestGraphs.TwoKinds(sawVoices: 11), Quantization.Now).Snapshot;
        Assert.Contains(fading.BankProcessors.Cast<SnapshotBankProcessor>().Select(p => p.Bank).Concat(fading.SpareBanks), bank => ReferenceEquals(bank, kept));
        for (int b = 0; b < 40; b++)
        {
            session.Renderer.Render(Block);
            session.Maintain();
        }

        GraphSnapshot after = session.Renderer.Current;
        Assert.NotSame(fading, after);
        Assert.Contains(after.BankProcessors, p => ReferenceEquals(((SnapshotBankProcessor)p).Bank, kept));
    }

    private static void RenderBoth(LiveSession session, GraphSnapshot reference, long position, int block)
    {
        session.Renderer.Render(Block);
        session.Maintain();
        LiveEngine.Execution.SingleThreadExecutor.Process(reference, Block, position);
        GraphSnapshot playing = session.Renderer.Current;
        for (int c = 0; c < 2; c++)
        {
            Assert.True(reference.GetOutput(c, Block).SequenceEqual(playing.GetOutput(c, Block)), $"block {block}, channel {c}");
        }
    }
}
