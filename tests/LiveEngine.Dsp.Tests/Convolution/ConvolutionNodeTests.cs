using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Dsp.Tests.Convolution;

public sealed class ConvolutionNodeTests
{
    [Fact]
    public void TrueStereoResponse_RoutesEachInputToBothOutputs()
    {
        // Left→left, left→right, right→left, right→right: impulses of distinct delays and gains.
        var ll = new float[200];
        var lr = new float[200];
        var rl = new float[200];
        var rr = new float[200];
        ll[0] = 1f;
        lr[10] = 0.5f;
        rl[100] = 0.25f;
        rr[150] = 0.125f;
        SampleLibrary.Shared.Add("conv-true-stereo", [ll, lr, rl, rr], 48_000);
        float[] left = ConvolutionReference.Noise(2_000, seed: 1);
        float[] right = ConvolutionReference.Noise(2_000, seed: 2);
        float[][] output = Render(Compile("conv-true-stereo", [left, right]), 2_000, _ => 64);
        for (int n = 150; n < 2_000; n++)
        {
            Assert.Equal(left[n] + (0.25 * right[n - 100]), output[0][n], 1e-5);
            Assert.Equal((0.5 * left[n - 10]) + (0.125 * right[n - 150]), output[1][n], 1e-5);
        }
    }

    [Fact]
    public void MonoResponse_ServesEveryChannel()
    {
        var response = new float[300];
        response[0] = 0.5f;
        response[299] = -1f;
        SampleLibrary.Shared.Add("conv-mono", [response], 48_000);
        float[] left = ConvolutionReference.Noise(1_000, seed: 3);
        float[] right = ConvolutionReference.Noise(1_000, seed: 4);
        float[][] output = Render(Compile("conv-mono", [left, right]), 1_000, _ => 97);
        for (int n = 299; n < 1_000; n++)
        {
            Assert.Equal((0.5 * left[n]) - left[n - 299], output[0][n], 1e-5);
            Assert.Equal((0.5 * right[n]) - right[n - 299], output[1][n], 1e-5);
        }
    }

    [Fact]
    public void ResponseAtAnotherRate_IsResampled_KeepingItsGain()
    {
        // A 2 ms rectangular response at 24 kHz (48 taps of 1/48 after 2 ms of silence): DC gain 1, twice the taps at 48 kHz.
        var response = new float[192];
        response.AsSpan(48, 48).Fill(1f / 48);
        float[] resampled = ImpulseResponseResampler.Resample(response, 24_000, 48_000);
        Assert.Equal(384, resampled.Length);
        Assert.Equal(1.0, resampled.Sum(x => (double)x), 2);

        SampleLibrary.Shared.Add("conv-24k", [response], 24_000);
        float[] dc = Enumerable.Repeat(0.5f, 4_000).ToArray();
        float[][] output = Render(Compile("conv-24k", [dc, dc]), 4_000, _ => 128);
        Assert.Equal(0.5, output[0][3_000], 2);
    }

    [Fact]
    public void Output_DoesNotDependOnTheBlockSplit()
    {
        SampleLibrary.Shared.Add("conv-split", [ConvolutionReference.Noise(20_000, seed: 8, decayFrames: 4_000), ConvolutionReference.Noise(20_000, seed: 9, decayFrames: 4_000)], 48_000);
        float[] left = ConvolutionReference.Noise(30_000, seed: 1);
        float[] right = ConvolutionReference.Noise(30_000, seed: 2);
        float[][] reference = Render(Compile("conv-split", [left, right]), 30_000, _ => 64);
        var random = new Random(4);
        float[][] actual = Render(Compile("conv-split", [left, right]), 30_000, _ => random.Next(1, 513));
        Assert.Equal(reference[0], actual[0]);
        Assert.Equal(reference[1], actual[1]);
    }

    [Fact]
    public void Process_AllocatesNothing()
    {
        SampleLibrary.Shared.Add("conv-alloc", [ConvolutionReference.Noise(96_000, seed: 8, decayFrames: 20_000), ConvolutionReference.Noise(96_000, seed: 9, decayFrames: 20_000)], 48_000);
        float[] noise = ConvolutionReference.Noise(4_096, seed: 1);
        GraphSnapshot snapshot = Compile("conv-alloc", [noise, noise]);

        // Warm up past the largest partition's first whole period (16,384 frames are 64 blocks, spread over twice
        // that), so every path the measured blocks take, the JIT's tiers included, has run once: a block alone may
        // not allocate. One warm-up block was too few: a full run of the suite saw 4,712 bytes once.
        for (int block = 0; block < 400; block++)
        {
            SingleThreadExecutor.Process(snapshot, 256, block * 256L);
        }

        int next = 400;
        SteadyAllocation.AssertNone("400 blocks", () =>
        {
            for (int block = next; block < next + 400; block++)
            {
                SingleThreadExecutor.Process(snapshot, 256, block * 256L);
            }

            next += 400;
        });
    }

    [Fact]
    public void MissingResponse_IsRefusedWhenPrepared_NamingTheKnownSamples()
    {
        var error = Assert.ThrowsAny<Exception>(() => Compile("conv-no-such-sample", [new float[10]]));
        Assert.Contains("conv-no-such-sample", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scheme", "fast", "scheme 'fast' is not one of 'nonuniform', 'uniform'")]
    [InlineData("partition", "100", "partition '100' is not a power of two from 8 to 65536 frames")]
    public void BadOption_IsRefusedWhenPrepared_SayingWhatIsAllowed(string option, string value, string message)
    {
        SampleLibrary.Shared.Add("conv-options", [new float[100]], 48_000);
        var error = Assert.ThrowsAny<Exception>(() => Compile("conv-options", [new float[10]], new() { [option] = value }));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    private static float[][] Render(GraphSnapshot snapshot, int frames, Func<int, int> split) => OfflineRender.Render(snapshot, frames, split);

    private static GraphSnapshot Compile(string ir, float[][] input, Dictionary<string, string>? options = null)
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        registry.Register(new NodeTypeDescriptor("test.array", "Plays fixed test samples.", [], [PortDescriptor.PerNode("out")], [], () => new LiveEngine.Tests.Dsp.Processors.ArraySourceNode(input), defaultChannels: input.Length));
        var graph = new GraphDescription();
        graph.Add("source", "test.array", channels: input.Length);
        graph.Add("dut", "convolution", channels: input.Length);
        graph.Nodes[^1].Options[ConvolutionNode.ImpulseResponseOption] = ir;
        foreach ((string key, string value) in options ?? [])
        {
            graph.Nodes[^1].Options[key] = value;
        }

        graph.Add("out", CoreNodeTypes.Output, channels: input.Length);
        graph.Chain("source", "dut", "out");
        return GraphCompiler.Compile(graph, registry, new CompileOptions { SampleRate = 48_000, MaxBlockFrames = 512 });
    }
}
