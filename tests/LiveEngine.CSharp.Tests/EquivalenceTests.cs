using LiveEngine.Tests.Shared;

namespace LiveEngine.CSharp.Tests;

/// <summary>The user node the benchmark compares with "rlpf" (tests/LiveEngine.Benchmarks/UserNodeBenchmarks.cs) computes the same filter.</summary>
public sealed class EquivalenceTests
{
    private const string UserLowPass = UserLowPassSource.Code;

    [Fact]
    public void UserLowPass_MatchesTheBuiltInRlpf_OnASaw()
    {
        using var user = new SessionFixture();
        user.EvalOk(UserLowPass + """

            Graph().Add("s", "saw", ("freqHz", 220), ("level", 0.5)).Add("f", "userlpf", ("cutoffHz", 1000), ("q", 2)).Chain("s", "f", "out").Commit(Now);
            """);
        using var builtIn = new SessionFixture();
        builtIn.EvalOk("""Graph().Add("s", "saw", ("freqHz", 220), ("level", 0.5)).Add("f", "rlpf", ("cutoffHz", 1000), ("q", 2)).Chain("s", "f", "out").Commit(Now);""");
        float[] a = user.Render(9_600);
        float[] b = builtIn.Render(9_600);
        Assert.True(b.Max() > 0.3f);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6f, $"frame {i}: user {a[i]}, built-in {b[i]}");
        }
    }

    [Fact]
    public void RenderingAcrossARedefinitionSwap_AllocatesNothing()
    {
        using var f = new SessionFixture();
        f.EvalOk(UserLowPass + """

            Graph().Add("s", "saw", ("freqHz", 220), ("level", 0.5)).Add("f", "userlpf", ("cutoffHz", 1000), ("q", 2)).Chain("s", "f", "out").Commit(Now);
            """);
        f.Render(1_024);
        f.Workspace.SwapAt = Time.Quantization.Now;

        // Same fields: the state is adopted at the first block. Other fields: a 20 ms crossfade (8 blocks).
        f.EvalOk(UserLowPass.Replace("_ic1 = Math.Abs", "_ic1 = 0.5 * Math.Abs", StringComparison.Ordinal));
        long adopting = AllocatedOver(f, 16);
        Assert.Equal(HotSwapMode.Adopted, Node(f).SwapMode);
        f.EvalOk(UserLowPass.Replace("private double _a3;", "private double _a3;\n    private int _extra;", StringComparison.Ordinal));
        long crossfading = AllocatedOver(f, 16);
        Assert.Equal(HotSwapMode.Crossfaded, Node(f).SwapMode);
        Assert.False(Node(f).IsCrossfading);
        Assert.Equal(0, adopting);
        Assert.Equal(0, crossfading);
    }

    private static UserNode Node(SessionFixture f) => (UserNode)f.Session.Renderer.Current.Nodes[f.Session.Renderer.Current.IndexOfNode("f")];

    private static long AllocatedOver(SessionFixture f, int blocks)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int b = 0; b < blocks; b++)
        {
            f.Session.Renderer.Render(128);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
