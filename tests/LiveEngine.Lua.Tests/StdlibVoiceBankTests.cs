using LiveEngine.Dsp;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Snapshots;

namespace LiveEngine.Lua.Tests;

/// <summary>The stdlib's voices become voice banks: examples/swarm.lua's 64 synths on one bus, a track's drums.</summary>
public sealed class StdlibVoiceBankTests
{
    [Fact]
    public void Swarm_Builds64SynthVoicesThatFormOneBank()
    {
        GraphDescription graph = GraphOf("swarm.lua");
        GraphSnapshot snapshot = GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 128 });
        string nodes = string.Join("; ", graph.Nodes.Where(n => n.Id.StartsWith("s1", StringComparison.Ordinal)).Select(n => $"{n.Id}:{n.Type} ch={n.Channels} options={string.Join(",", n.Options.Keys)}"));
        Assert.True(snapshot.Banks.Count == 1, nodes + " | " + string.Join("; ", graph.Edges.Where(e => e.From.StartsWith("s1", StringComparison.Ordinal)).Select(e => $"{e.From}:{e.FromPort}->{e.To}:{e.ToPort}")));
        BankInfo bank = snapshot.Banks[0];
        Assert.True(bank.LaneCount == 64, nodes);
        Assert.Equal(SynthVoiceBank.PannedKindName, bank.Name);
        Assert.Equal("1 × osc>rlpf>vca(adsr)>gain>pan → mix: 64 voices in lanes of 64", snapshot.DescribeBanks());
    }

    [Fact]
    public void Euclid_BanksItsTwoKicksAndItsTwoHats()
    {
        // kick and tom are sine > vca(adsr) > gain; hat and shaker are noise > hpf > vca(adsr) > gain; all into master.
        GraphSnapshot snapshot = GraphCompiler.Compile(GraphOf("euclid.lua"), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 128 });
        string banks = snapshot.DescribeBanks();
        Assert.Contains("1 × src>vca(adsr)>gain>pan → master: 2 voices in lanes of 2", banks, StringComparison.Ordinal);
        Assert.Contains("1 × src>biquad…>vca(adsr)>gain>pan → master: 2 voices in lanes of 2", banks, StringComparison.Ordinal);
        BankInfo hats = snapshot.Banks.Single(b => b.Name == SourceVoiceBank.PannedFilteredKindName);
        Assert.Equal(["hat.noise", "shaker.noise"], hats.LaneNodes.Select(lane => snapshot.NodeIds[lane[1]]).Order());
    }

    /// <summary>The live 80 ms evaluation limit is wall clock: a loaded test machine can pass it while 64 voices are built.</summary>
    private static readonly LuaPieceOptions s_generous = new() { Limits = new LuaLimits { EvaluationTimeout = TimeSpan.FromSeconds(10) } };

    private static GraphDescription GraphOf(string example)
    {
        LiveSession session = LuaPiece.CreateSession();
        using var piece = new LuaPiece(ExampleTests.RepositoryPath(Path.Combine("examples", example)), s_generous);
        piece.Start(session);
        return session.Graph;
    }
}
