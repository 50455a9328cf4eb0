using LiveEngine.Dsp.Convolution;

namespace LiveEngine.Dsp.Tests.Convolution;

public sealed class PartitionedConvolverTests
{
    public static TheoryData<int, int, ConvolutionScheme> Cases
    {
        get
        {
            var cases = new TheoryData<int, int, ConvolutionScheme>();
            foreach (int taps in new[] { 64, 48_000, 480_000 })
            {
                foreach (int block in new[] { 64, 97, 512 })
                {
                    cases.Add(taps, block, ConvolutionScheme.NonUniform);
                    cases.Add(taps, block, ConvolutionScheme.Uniform);
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_EqualsDirectConvolution_WithinOnePartPer100000(int taps, int block, ConvolutionScheme scheme)
    {
        // A response decaying by 60 dB over its length, and noise input a little longer than the response, so the checked
        // frames reach into the tail (the last partitions of the largest level).
        float[] response = ConvolutionReference.Noise(taps, seed: taps, decayFrames: taps / 6.9);
        float[] input = ConvolutionReference.Noise(taps + 4_096, seed: 11);
        var convolver = new PartitionedConvolver([response], [new ConvolutionPath(0, 0, 0)], 1, 1, block, scheme);
        Assert.Equal(scheme == ConvolutionScheme.NonUniform ? 0 : 512, convolver.Latency);
        float[] output = Run(convolver, input, input.Length + convolver.Latency, block);

        // Frames checked: the start (direct head, first levels), and windows across the response up to and past its end.
        int total = input.Length;
        int[] starts = [0, total / 10, total / 2, taps - 300, taps + 500];
        int[] frames = [.. starts.SelectMany(s => Enumerable.Range(Math.Clamp(s, 0, total - 600), 600)).Distinct()];
        double error = ConvolutionReference.RelativeRmsError(input, response, output, convolver.Latency, frames);
        Assert.True(error <= 1e-5, $"relative RMS error {error:E2} over {frames.Length} frames (partitions {string.Join(",", convolver.PartitionSizes)})");
    }

    [Fact]
    public void NonUniform_PartitionsGrowFourfold_UpToTheLargest()
    {
        var convolver = new PartitionedConvolver([new float[480_000]], [new ConvolutionPath(0, 0, 0)], 1, 1, 128);
        Assert.Equal([64, 256, 1_024, 4_096, 16_384], convolver.PartitionSizes);
        Assert.Equal(0, convolver.Latency);
    }

    [Fact]
    public void Output_DoesNotDependOnTheBlockSplit()
    {
        float[] response = ConvolutionReference.Noise(40_000, seed: 5, decayFrames: 8_000);
        float[] input = ConvolutionReference.Noise(50_000, seed: 6);
        float[] reference = Run(new PartitionedConvolver([response], [new ConvolutionPath(0, 0, 0)], 1, 1, 512), input, input.Length, 64);
        var random = new Random(9);
        var convolver = new PartitionedConvolver([response], [new ConvolutionPath(0, 0, 0)], 1, 1, 512);
        var output = new float[input.Length];
        for (int at = 0; at < input.Length;)
        {
            int frames = Math.Min(random.Next(1, 513), input.Length - at);
            input.AsSpan(at, frames).CopyTo(convolver.Input(0));
            convolver.Process(frames);
            convolver.Output(0)[..frames].CopyTo(output.AsSpan(at));
            at += frames;
        }

        Assert.Equal(reference, output);
    }

    [Fact]
    public void AdoptedState_ContinuesTheStreamBitForBit()
    {
        // A graph edit replaces the convolver mid-stream (mid-period of every level); the successor takes over its state.
        float[] response = ConvolutionReference.Noise(60_000, seed: 5, decayFrames: 10_000);
        float[] input = ConvolutionReference.Noise(80_000, seed: 6);
        float[] reference = Run(new PartitionedConvolver([response], [new ConvolutionPath(0, 0, 0)], 1, 1, 512), input, input.Length, 97);
        var first = new PartitionedConvolver([response], [new ConvolutionPath(0, 0, 0)], 1, 1, 512);
        var output = new float[input.Length];
        const int Switch = 97 * 400;
        Run(first, input.AsSpan(0, Switch).ToArray(), Switch, 97).CopyTo(output, 0);
        var second = new PartitionedConvolver([response], [new ConvolutionPath(0, 0, 0)], 1, 1, 512);
        Assert.True(second.TryAdoptState(first));
        Run(second, input.AsSpan(Switch).ToArray(), input.Length - Switch, 97).CopyTo(output, Switch);
        Assert.Equal(reference, output);

        // A convolver of another shape refuses.
        var uniform = new PartitionedConvolver([response], [new ConvolutionPath(0, 0, 0)], 1, 1, 512, ConvolutionScheme.Uniform);
        Assert.False(uniform.TryAdoptState(first));
    }

    [Fact]
    public void Process_AllocatesNothing()
    {
        float[] response = ConvolutionReference.Noise(96_000, seed: 2, decayFrames: 20_000);
        var convolver = new PartitionedConvolver([response, response], [new ConvolutionPath(0, 0, 0), new ConvolutionPath(1, 1, 1)], 2, 2, 128);
        convolver.Process(128);
        SteadyAllocation.AssertNone("1,000 blocks", () =>
        {
            for (int block = 0; block < 1_000; block++)
            {
                convolver.Process(128);
            }
        });
    }

    private static float[] Run(PartitionedConvolver convolver, float[] input, int frames, int block)
    {
        var output = new float[frames];
        for (int at = 0; at < frames; at += block)
        {
            int count = Math.Min(block, frames - at);
            Span<float> staging = convolver.Input(0)[..count];
            staging.Clear();
            if (at < input.Length)
            {
                input.AsSpan(at, Math.Min(count, input.Length - at)).CopyTo(staging);
            }

            convolver.Process(count);
            convolver.Output(0)[..count].CopyTo(output.AsSpan(at));
        }

        return output;
    }
}
