using System.Runtime.CompilerServices;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Frontend;
using LiveEngine.Live;
using LiveEngine.Lua;

namespace LiveEngine.Tests.Frontend;

public sealed class DescribeGraphBanksTests
{
    [Fact]
    public void DescribeGraph_ShowsTheVoiceBanksPlaying()
    {
        using var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
            InitialGraph = StandardWorkloads.Voices(20),
        });
        Assert.Contains("voice banks: 1 × saw>rlpf>gain>pan → out: 20 voices in lanes of 20", performance.DescribeGraph(), StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeGraph_ShowsTheBanksOfAPieceOf64StdlibSynths()
    {
        LiveSession session = LuaPiece.CreateSession();
        using (var piece = new LuaPiece(ExamplePath("swarm.lua"), s_generous))
        {
            piece.Start(session);
        }

        using var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
            InitialGraph = session.Graph,
        });
        Assert.Contains("voice banks: 1 × osc>rlpf>vca(adsr)>gain>pan → mix: 64 voices in lanes of 64", performance.DescribeGraph(), StringComparison.Ordinal);
    }

    /// <summary>The live 80 ms evaluation limit is wall clock: a loaded test machine can pass it while 64 voices are built.</summary>
    private static readonly LuaPieceOptions s_generous = new() { Limits = new LuaLimits { EvaluationTimeout = TimeSpan.FromSeconds(10) } };

    private static string ExamplePath(string name, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "examples", name);
}
