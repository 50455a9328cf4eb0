using LiveEngine.Dsp.Spectral;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Tests.Dsp.Processors;

namespace LiveEngine.Dsp.Tests.Spectral;

/// <summary>
/// The option <c>gpu = on</c> on the CPU alone: the node's frames go through its <see cref="SpectralFramePipeline"/> and
/// are overlap-added <see cref="SpectralNode.PipelineFrames"/> later, so the output is the unpipelined node's, exactly,
/// that much later, whatever the block size.
/// </summary>
public sealed class SpectralPipelineTests
{
    private const int SampleRate = 48_000;
    private const int Frames = 40_000;

    [Theory]
    [InlineData("freeze", 256)]
    [InlineData("freeze", 97)]
    [InlineData("blur", 256)]
    [InlineData("blur", 4_096)]
    [InlineData("spectralgate", 256)]
    [InlineData("spectralgate", 1_024)]
    [InlineData("vocoder", 256)]
    [InlineData("vocoder", 3_000)]
    public void WithGpuOn_OnTheCpu_TheOutputIsTheNodesOwn_PipelineFramesLater_BitForBit(string type, int block)
    {
        float[][] input = [Mixed(1_000, seed: 1), Mixed(440, seed: 2)];
        float[] modulator = [.. TestSignals.Sine(Frames, 700, SampleRate, 0.4).Zip(TestSignals.Sine(Frames, 1_200, SampleRate, 0.2), (a, b) => a + b)];
        float[][] plain = Render(type, input, modulator, block, gpu: null, out _);
        float[][] pipelined = Render(type, input, modulator, block, gpu: "on", out GraphSnapshot snapshot);

        SpectralNode node = (SpectralNode)snapshot.Nodes[snapshot.IndexOfNode("dut")];
        Assert.NotNull(node.Pipeline);
        Assert.False(node.Placed);
        Assert.Equal(SpectralNode.FrameFrames + SpectralNode.PipelineFrames, node.Stft.Latency);
        Assert.True(node.Pipeline!.FramesOnCpu > 60, $"{node.Pipeline.FramesOnCpu} frames through the pipeline");
        double energy = 0;
        for (int c = 0; c < input.Length; c++)
        {
            for (int n = 0; n < SpectralNode.PipelineFrames; n++)
            {
                Assert.Equal(0f, pipelined[c][n]);
            }

            for (int n = 0; n + SpectralNode.PipelineFrames < Frames; n++)
            {
                if (plain[c][n] != pipelined[c][n + SpectralNode.PipelineFrames])
                {
                    Assert.Fail($"{type}, blocks of {block}, channel {c}, frame {n}: {plain[c][n]} unpipelined, {pipelined[c][n + SpectralNode.PipelineFrames]} pipelined");
                }

                energy += (double)plain[c][n] * plain[c][n];
            }
        }

        Assert.True(energy > 1, $"{type}: nearly silent ({energy:E2}), the comparison would prove little");
    }

    [Fact]
    public void GpuOption_OtherThanOnOrOff_IsRefusedNamingTheOption()
    {
        float[][] input = [Mixed(1_000, seed: 1)];
        Exception error = Assert.Throws<LiveEngine.Graph.GraphValidationException>(() => Render("blur", input, input[0], 256, gpu: "cuda", out _));
        Assert.Contains("option 'gpu' must be 'on'", error.ToString());
    }

    [Theory]
    [InlineData("freeze")]
    [InlineData("vocoder")]
    public void WithGpuOn_Process_AllocatesNothing(string type)
    {
        float[][] input = [Mixed(1_000, seed: 1), Mixed(440, seed: 2)];
        GraphSnapshot snapshot = Compile(type, input, input[0], 512, "on");
        SingleThreadExecutor.Process(snapshot, 256, 0);
        int next = 1;
        SteadyAllocation.AssertNone($"63 blocks of {type} with the GPU option on", () =>
        {
            for (int block = next; block < next + 63; block++)
            {
                SetFreeze(snapshot, type, block);
                SingleThreadExecutor.Process(snapshot, 256, block * 256L);
            }

            next += 63;
        });
    }

    private static float[] Mixed(double hz, int seed)
    {
        float[] sine = TestSignals.Sine(Frames, hz, SampleRate, 0.5);
        float[] noise = TestSignals.Noise(Frames, seed, 0.05f);
        for (int n = 0; n < Frames; n++)
        {
            // The tone stops at 0.4 s: the freeze and the blur then hold or smear what they had.
            sine[n] = (n < 19_200 ? sine[n] : 0f) + noise[n];
        }

        return sine;
    }

    /// <summary>The freeze frozen from block 40 to block 90 of 256 frames, and from block 120 on (its parameter set between blocks).</summary>
    private static void SetFreeze(GraphSnapshot snapshot, string type, int block)
    {
        if (type != "freeze")
        {
            return;
        }

        int node = snapshot.IndexOfNode("dut");
        snapshot.GetParameters(node)[snapshot.NodeTypes[node].FindParameter("freeze")] = block is >= 40 and < 90 or >= 120 ? 1f : 0f;
    }

    private static float[][] Render(string type, float[][] input, float[] modulator, int block, string? gpu, out GraphSnapshot snapshot)
    {
        snapshot = Compile(type, input, modulator, Math.Max(block, 512), gpu);
        var output = new float[input.Length][];
        for (int c = 0; c < input.Length; c++)
        {
            output[c] = new float[Frames];
        }

        for (long at = 0; at < Frames; at += block)
        {
            // The freeze's gate moves at the same stream times whatever the block: every 256 frames.
            SetFreeze(snapshot, type, (int)(at / 256));
            int size = (int)Math.Min(block, Frames - at);
            SingleThreadExecutor.Process(snapshot, size, at);
            for (int c = 0; c < input.Length; c++)
            {
                snapshot.GetOutput(c, size).CopyTo(output[c].AsSpan((int)at, size));
            }
        }

        return output;
    }

    private static GraphSnapshot Compile(string type, float[][] input, float[] modulator, int maxBlock, string? gpu)
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        registry.Register(new NodeTypeDescriptor("test.in", "Plays fixed test samples.", [], [PortDescriptor.PerNode("out")], [], () => new ArraySourceNode(input), defaultChannels: input.Length));
        registry.Register(new NodeTypeDescriptor("test.mod", "Plays fixed test samples.", [], [PortDescriptor.PerNode("out")], [], () => new ArraySourceNode([modulator]), defaultChannels: 1));
        var graph = new GraphDescription();
        graph.Add("source", "test.in", channels: input.Length);
        graph.Add("dut", type, channels: input.Length);
        graph.Add("out", CoreNodeTypes.Output, channels: input.Length);
        graph.Chain("source", "dut", "out");
        if (gpu is not null)
        {
            graph.Nodes.Single(n => n.Id == "dut").Options[SpectralNode.GpuOption] = gpu;
        }

        if (type == "vocoder")
        {
            graph.Add("mod", "test.mod", channels: 1);
            graph.Connect("mod", "dut", toPort: "mod");
        }

        return GraphCompiler.Compile(graph, registry, new CompileOptions { SampleRate = SampleRate, MaxBlockFrames = maxBlock });
    }
}
