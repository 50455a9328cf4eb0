using LiveEngine.Languages;
using LiveEngine.Scheduling;

namespace LiveEngine.CSharp.Tests;

public sealed class UserNodeTests
{
    /// <summary>A source writing its "level" parameter times <paramref name="scale"/> on every frame.</summary>
    private static string ConstantNode(string scale) => $$"""
        [Node("dc", Inputs = new string[0])]
        [Param("level", 0, 1, 0.25f)]
        class Dc : UserNode
        {
            private long _frames;

            protected override void Render(in ProcessContext context)
            {
                context.Output(0).Fill(context.Parameters[0] * {{scale}});
                _frames += context.Frames;
            }
        }
        """;

    [Fact]
    public void NodeClassDefinedInASnippet_PlaysInARenderedGraph()
    {
        using var f = new SessionFixture();
        Evaluation result = f.EvalOk(ConstantNode("1f") + """

            Graph().Add("d", "dc", ("level", 0.25)).Chain("d", "out").Commit(Now);
            """);
        AdmissionMeasurement admitted = Assert.Single(result.AdmittedNodes);
        Assert.Equal("dc", admitted.TypeName);
        Assert.Equal(0, admitted.AllocatedBytesPerBlock);
        Assert.True(admitted.CostNsPerFrame > 0);
        float[] output = f.Render(1_000);
        Assert.All(output, s => Assert.Equal(0.25f, s));
    }

    [Fact]
    public void UserNode_ProcessesItsInput_LikeTheEquivalentArithmetic()
    {
        using var f = new SessionFixture();
        f.EvalOk("""
            [Node("halfwave")]
            class HalfWave : UserNode
            {
                protected override void Render(in ProcessContext context)
                {
                    ReadOnlySpan<float> input = context.Input(0);
                    Span<float> output = context.Output(0);
                    for (int i = 0; i < input.Length; i++)
                    {
                        output[i] = MathF.Max(0, input[i]);
                    }
                }
            }

            Graph().Add("s", "sine", ("freqHz", 1000), ("level", 0.5)).Add("h", "halfwave").Chain("s", "h", "out").Commit(Now);
            """);
        float[] rectified = f.Render(4_800);
        f.EvalOk("""Edit().Remove("h").Chain("s", "out").Commit(Now);""");
        float[] sine = f.Render(4_800);
        Assert.Equal(0f, rectified.Min());
        Assert.True(sine.Min() < -0.49f);

        // The same oscillator, continuing: rectifying it by hand gives the user node's output.
        using var g = new SessionFixture();
        g.EvalOk("""Graph().Add("s", "sine", ("freqHz", 1000), ("level", 0.5)).Chain("s", "out").Commit(Now);""");
        float[] reference = g.Render(4_800);
        Assert.Equal(reference.Select(x => MathF.Max(0, x)).ToArray(), rectified);
    }

    [Fact]
    public void RedefiningANodeClass_ChangesTheSoundAtTheCommittedBar_AdoptingMatchingState()
    {
        using var f = new SessionFixture();
        f.EvalOk(ConstantNode("1f") + """

            Graph().Add("d", "dc", ("level", 0.5)).Chain("d", "out").Commit(Now);
            """);
        float[] first = f.Render(10_000);
        Evaluation redefined = f.EvalOk(ConstantNode("-1f"));
        Assert.Equal(["dc"], redefined.Redefined);
        float[] rest = f.Render(SessionFixture.BarFrames + 1_000 - 10_000);
        Assert.All(first, s => Assert.Equal(0.5f, s));
        int bar = SessionFixture.BarFrames - 10_000;
        Assert.All(rest[..bar], s => Assert.Equal(0.5f, s));
        Assert.All(rest[bar..], s => Assert.Equal(-0.5f, s));

        var node = (UserNode)f.Session.Renderer.Current.Nodes[f.Session.Renderer.Current.IndexOfNode("d")];
        Assert.Equal(HotSwapMode.Adopted, node.SwapMode);
        Assert.Equal((long)SessionFixture.BarFrames + 1_000, (long)node.GetType().GetField("_frames", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(node)!);
    }

    [Fact]
    public void RedefiningANodeClassWithOtherFields_CrossfadesFromTheOldInstance()
    {
        using var f = new SessionFixture();
        f.EvalOk(ConstantNode("1f") + """

            Graph().Add("d", "dc", ("level", 0.5)).Chain("d", "out").Commit(Now);
            """);
        float[] first = f.Render(1_000);
        f.EvalOk("""
            [Node("dc", Inputs = new string[0])]
            [Param("level", 0, 1, 0.25f)]
            class Dc : UserNode
            {
                private double _other;

                protected override void Render(in ProcessContext context) => context.Output(0).Fill(-context.Parameters[0]);
            }
            """);
        float[] output = [.. first, .. f.Render(SessionFixture.BarFrames + 1_000)];
        int bar = SessionFixture.BarFrames;
        int fade = 960; // 20 ms at 48 kHz
        Assert.Equal(0.5f, output[bar - 1]);
        for (int i = 0; i < fade; i++)
        {
            float gain = Math.Min(1f, (i + 1) * (1f / fade));
            Assert.Equal((-0.5f * gain) + (0.5f * (1f - gain)), output[bar + i]);
        }

        Assert.All(output[(bar + fade)..], s => Assert.Equal(-0.5f, s));
        var node = (UserNode)f.Session.Renderer.Current.Nodes[f.Session.Renderer.Current.IndexOfNode("d")];
        Assert.Equal(HotSwapMode.Crossfaded, node.SwapMode);
        Assert.False(node.IsCrossfading);
    }

    [Fact]
    public void ANodeThatAllocatesInProcess_IsRejected_NamingTheSize()
    {
        using var f = new SessionFixture();
        string before = f.Session.Graph.ToJson();
        Evaluation result = f.Eval("""
            [Node("leaky")]
            class Leaky : UserNode
            {
                private float[] _last = new float[0];

                protected override void Render(in ProcessContext context)
                {
                    _last = new float[8];
                    context.Input(0).CopyTo(context.Output(0));
                }
            }

            Graph().Add("l", "leaky").Chain("l", "out").Commit(Now);
            """);
        Assert.False(result.Ok);
        EvaluationDiagnostic error = Assert.Single(result.Errors);
        Assert.Equal("ADMIT", error.Id);
        Assert.Equal("(2,7): error ADMIT: node 'leaky' allocates 56 bytes per block in Process", error.ToString());
        Assert.False(f.Registry.TryGet("leaky", out _));
        Assert.Equal(before, f.Session.Graph.ToJson());
    }

    [Fact]
    public void ANodeThatAllocatesInOneMeasuredRoundOnly_IsAdmitted_AsTheRuntimesOwnOneTimeAllocationIs()
    {
        // The runtime can allocate once on the measuring thread while Process runs (a CoreLib method that Process calls
        // tiers up), at a moment that depends on the machine's load; admission must not refuse a node for that. Here
        // the node itself allocates once, on its first measured block (after 16 blocks of warm-up).
        using var f = new SessionFixture();
        Evaluation result = f.Eval("""
            [Node("once")]
            class Once : UserNode
            {
                private int _blocks;
                private float[] _scratch = new float[0];

                protected override void Render(in ProcessContext context)
                {
                    if (++_blocks == 17)
                    {
                        _scratch = new float[8];
                    }

                    context.Input(0).CopyTo(context.Output(0));
                }
            }

            Graph().Add("o", "once").Chain("o", "out").Commit(Now);
            """);
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        Assert.True(f.Registry.TryGet("once", out _));
    }

    [Fact]
    public void ANodeThatAllocatesEveryFewBlocks_IsRejected_ThoughMostBlocksAllocateNothing()
    {
        using var f = new SessionFixture();
        string before = f.Session.Graph.ToJson();
        Evaluation result = f.Eval("""
            [Node("sometimes")]
            class Sometimes : UserNode
            {
                private int _blocks;
                private float[] _scratch = new float[0];

                protected override void Render(in ProcessContext context)
                {
                    if (++_blocks % 40 == 0)
                    {
                        _scratch = new float[8];
                    }

                    context.Input(0).CopyTo(context.Output(0));
                }
            }

            Graph().Add("s", "sometimes").Chain("s", "out").Commit(Now);
            """);
        Assert.False(result.Ok);
        EvaluationDiagnostic error = Assert.Single(result.Errors);
        Assert.Equal("ADMIT", error.Id);
        Assert.Contains("node 'sometimes' allocates ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(" bytes per block in Process", error.ToString(), StringComparison.Ordinal);
        Assert.False(f.Registry.TryGet("sometimes", out _));
        Assert.Equal(before, f.Session.Graph.ToJson());
    }

    [Fact]
    public void ANodeWritingNaN_IsRejected()
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval("""
            [Node("nan", Inputs = new string[0])]
            class NotANumber : UserNode
            {
                protected override void Render(in ProcessContext context) => context.Output(0).Fill(float.NaN);
            }
            """);
        Assert.Equal("node 'nan' writes NaN or infinity in Process (default parameters, a test tone at the inputs)", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public async Task ANodeThatNeverReturns_IsRejectedAfterTheTimeout()
    {
        using var f = new SessionFixture();
        using var workspace = new CSharpWorkspace(f.Session, f.Registry, new AdmissionOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        Evaluation result = await workspace.EvaluateAsync("""
            [Node("spin", Inputs = new string[0])]
            class Spin : UserNode
            {
                private long _n;

                protected override void Render(in ProcessContext context)
                {
                    while (context.Frames > 0) { _n++; }
                }
            }
            """);
        Assert.Equal("node 'spin': Process did not return within 300 ms (a runaway loop?)", Assert.Single(result.Errors).Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ANodeThatThrows_IsSilencedAndReported_AndTheRestPlaysOn(int threads)
    {
        using var executor = threads > 1 ? new ParallelExecutor(new ParallelExecutorOptions { Threads = threads }) : null;
        using var f = new SessionFixture(executor: executor);
        f.EvalOk("""
            [Node("fragile", Inputs = new string[0])]
            [Param("boom", 0, 1, 0)]
            class Fragile : UserNode
            {
                protected override void Render(in ProcessContext context)
                {
                    if (context.Parameters[0] > 0.5f)
                    {
                        throw new InvalidOperationException("boom at " + context.SampleTime);
                    }

                    context.Output(0).Fill(0.25f);
                }
            }

            Graph().Add("f", "fragile").Add("s", "sine", ("freqHz", 1000), ("level", 0)).Chain("f", "out").Connect("s", "out").Commit(Now);
            """);
        float[] healthy = f.Render(1_024);
        Assert.All(healthy, s => Assert.Equal(0.25f, s));
        Assert.Empty(f.Workspace.Faults());

        f.EvalOk("""Set("f", "boom", 1); Set("s", "level", 0.5);""");
        float[] after = f.Render(4_800);
        NodeFault fault = Assert.Single(f.Workspace.Faults());
        Assert.Equal("f", fault.NodeId);
        Assert.Equal("fragile", fault.TypeName);
        Assert.Equal("boom at 1024", fault.Exception!.Message);
        Assert.StartsWith("node 'f' (fragile) threw InvalidOperationException: boom at 1024", fault.ToString(), StringComparison.Ordinal);
        Assert.True(after[^480..].Max() > 0.45f);
        Assert.True(after[^480..].Min() < -0.45f);
    }

    /// <summary>A source writing 0.25 for its first 199 blocks and <paramref name="later"/> from its 200th on.</summary>
    private static string TurningNode(string later) => $$"""
        [Node("turns", Inputs = new string[0])]
        class Turns : UserNode
        {
            private long _blocks;

            protected override void Render(in ProcessContext context)
            {
                context.Output(0).Fill(++_blocks >= 200 ? {{later}} : 0.25f);
            }
        }

        Graph().Add("t", "turns").Add("s", "sine", ("freqHz", 440), ("level", 0.5)).Add("m", "master", 1).Chain("s", "m", "out").Connect("t", "m").Commit(Now);
        """;

    [Theory]
    [InlineData(1, "float.NaN")]
    [InlineData(2, "float.NaN")]
    [InlineData(1, "float.PositiveInfinity")]
    public void ANodeThatStartsWritingNonFiniteSamples_IsSilencedAndReported_AndTheRestIsUnchangedBitForBit(int threads, string later)
    {
        float[] Play(string value, out IReadOnlyList<NodeFault> faults, out long allocated)
        {
            using var executor = threads > 1 ? new ParallelExecutor(new ParallelExecutorOptions { Threads = threads }) : null;
            using var f = new SessionFixture(executor: executor);
            f.EvalOk(TurningNode(value));
            var output = new float[400 * 128];
            f.Render(190 * 128).CopyTo(output, 0);

            // Blocks 191 to 260, the fault included: nothing allocated on the audio side.
            long before = GC.GetAllocatedBytesForCurrentThread();
            long workersBefore = executor is null ? 0 : executor.WorkerAllocatedBytes(1);
            for (int b = 190; b < 260; b++)
            {
                f.Session.Renderer.Render(128);
                f.Session.Renderer.Output(0, 128).CopyTo(output.AsSpan(b * 128));
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before + (executor is null ? 0 : executor.WorkerAllocatedBytes(1) - workersBefore);
            f.Render(140 * 128).CopyTo(output, 260 * 128);
            faults = f.Workspace.Faults();
            return output;
        }

        float[] silent = Play("0f", out IReadOnlyList<NodeFault> noFaults, out _);
        float[] poisoned = Play(later, out IReadOnlyList<NodeFault> faults, out long allocated);
        Assert.Empty(noFaults);
        NodeFault fault = Assert.Single(faults);
        Assert.Equal("t", fault.NodeId);
        Assert.IsType<LiveEngine.Nodes.NonFiniteOutputException>(fault.Exception);
        Assert.Equal("node 't' (turns) wrote NaN or infinity to an output — silenced; the rest plays on", fault.ToString());
        Assert.Equal(0, allocated);

        // The sine through the master goes on exactly as if the node had fallen silent instead.
        Assert.True(silent[^480..].Max() > 0.4f);
        Assert.Equal(silent, poisoned);
    }

    [Fact]
    public void ANodeNamedLikeABuiltIn_IsRefused()
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval("""
            [Node("gain")]
            class MyGain : UserNode
            {
                protected override void Render(in ProcessContext context) => context.Input(0).CopyTo(context.Output(0));
            }
            """);
        Assert.Equal("(2,7): error ADMIT: node 'gain' is a built-in type; give the class another name", Assert.Single(result.Errors).ToString());
    }
}
