namespace LiveEngine.CSharp.Tests;

/// <summary>The user node the benchmark compares with "rlpf" (tests/LiveEngine.Benchmarks/UserNodeBenchmarks.cs) computes the same filter.</summary>
public sealed class EquivalenceTests
{
    private const string UserLowPass = """
        [Node("userlpf")]
        [Param("cutoffHz", 10, 20000, 2000, Unit = "Hz")]
        [Param("q", 0.5f, 40, 3.333f)]
        class UserLowPass : UserNode
        {
            private double _ic1;
            private double _ic2;
            private float _cutoffHz = -1;
            private float _q = -1;
            private double _a1;
            private double _a2;
            private double _a3;

            protected override void Render(in ProcessContext context)
            {
                float cutoffHz = context.Parameters[0];
                float q = context.Parameters[1];
                if (cutoffHz != _cutoffHz || q != _q)
                {
                    _cutoffHz = cutoffHz;
                    _q = q;
                    double g = Math.Tan(Math.PI * Math.Clamp(cutoffHz, 10.0, 0.49 * SampleRate) / SampleRate);
                    double k = 1.0 / Math.Max(q, 0.01);
                    _a1 = 1.0 / (1.0 + (g * (g + k)));
                    _a2 = g * _a1;
                    _a3 = g * _a2;
                }

                double a1 = _a1, a2 = _a2, a3 = _a3;
                double ic1 = _ic1, ic2 = _ic2;
                ReadOnlySpan<float> input = context.Input(0);
                Span<float> output = context.Output(0);
                for (int i = 0; i < input.Length; i++)
                {
                    double v3 = input[i] - ic2;
                    double v1 = (a1 * ic1) + (a2 * v3);
                    double v2 = ic2 + (a2 * ic1) + (a3 * v3);
                    ic1 = (2.0 * v1) - ic1;
                    ic2 = (2.0 * v2) - ic2;
                    output[i] = (float)v2;
                }

                _ic1 = Math.Abs(ic1) < 1e-30 ? 0 : ic1;
                _ic2 = Math.Abs(ic2) < 1e-30 ? 0 : ic2;
            }
        }
        """;

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
