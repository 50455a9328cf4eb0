using ILGPU;
using LiveEngine.Dsp.Convolution;

namespace LiveEngine.Gpu.Tests;

[Collection(CpuAcceleratorCollection.Name)]
public sealed class GpuConvolutionBatchTests
{
    private const int Partition = 256;

    [Fact]
    public void OnTheCpuAccelerator_EqualsTheCpuConvolution_WithinOnePartPer100000()
    {
        // Three lanes (as if from two nodes) with responses of different lengths, against PartitionedConvolver's uniform
        // scheme of the same partition (latency one partition) fed the same input.
        float[][] responses = [Noise(5_000, 1, 1_000), Noise(12_000, 2, 3_000), Noise(700, 3, 200)];
        float[][] inputs = [Noise(30_720, 4), Noise(30_720, 5), Noise(30_720, 6)];
        using Context context = GpuAccelerators.CreateContext();
        // Equality, not speed: a loaded CI machine must not push the CPU accelerator into the fallback.
        using var batch = new GpuConvolutionBatch(responses, Partition, context, GpuAccelerators.Cpu(context)) { TimeoutMs = 60_000 };
        float[][] gpu = Run(batch, inputs);
        Assert.False(batch.UsingFallback, batch.FallbackReason);

        for (int lane = 0; lane < responses.Length; lane++)
        {
            var cpu = new PartitionedConvolver([responses[lane]], [new ConvolutionPath(0, 0, 0)], 1, 1, Partition, ConvolutionScheme.Uniform, Partition);
            var expected = new float[inputs[lane].Length];
            for (int at = 0; at < expected.Length; at += Partition)
            {
                inputs[lane].AsSpan(at, Partition).CopyTo(cpu.Input(0));
                cpu.Process(Partition);
                cpu.Output(0)[..Partition].CopyTo(expected.AsSpan(at));
            }

            // The CPU convolver plays a block one partition after it came in; the batch returns it at once.
            double error = 0;
            double energy = 0;
            for (int n = 0; n + Partition < expected.Length; n++)
            {
                double d = gpu[lane][n] - expected[n + Partition];
                error += d * d;
                energy += (double)expected[n + Partition] * expected[n + Partition];
            }

            Assert.True(Math.Sqrt(error / energy) <= 1e-5, $"lane {lane}: relative RMS error {Math.Sqrt(error / energy):E2}");
        }
    }

    [Fact]
    public void WithoutAnAccelerator_TheCpuFallbackGivesTheSameOutput()
    {
        float[][] responses = [Noise(3_000, 1, 800)];
        float[][] inputs = [Noise(10_240, 4)];
        using Context context = GpuAccelerators.CreateContext();
        using var accelerated = new GpuConvolutionBatch(responses, Partition, context, GpuAccelerators.Cpu(context)) { TimeoutMs = 60_000 };
        using var fallback = new GpuConvolutionBatch(responses, Partition, null, null);
        Assert.True(fallback.UsingFallback);
        float[][] a = Run(accelerated, inputs);
        float[][] b = Run(fallback, inputs);
        Assert.False(accelerated.UsingFallback, accelerated.FallbackReason);
        for (int n = 0; n < a[0].Length; n++)
        {
            Assert.True(Math.Abs(a[0][n] - b[0][n]) <= 1e-5, $"frame {n}: {a[0][n]} vs {b[0][n]}");
        }
    }

    [Fact]
    public void ASlowAccelerator_FallsBackToTheCpu_AndKeepsGoing()
    {
        float[][] responses = [Noise(3_000, 1, 800)];
        float[][] inputs = [Noise(4_096, 4)];
        using Context context = GpuAccelerators.CreateContext();
        using var batch = new GpuConvolutionBatch(responses, Partition, context, GpuAccelerators.Cpu(context)) { TimeoutMs = 0 };
        float[][] output = Run(batch, inputs);
        Assert.True(batch.UsingFallback);
        Assert.Contains("more than 0 ms", batch.FallbackReason, StringComparison.Ordinal);
        Assert.Contains(output[0], x => x != 0f);
    }

    [Fact]
    public async Task AHangingLaunch_IsAbandonedAfterTheTimeout_AndTheCpuPathGivesTheSameOutput()
    {
        float[][] responses = [Noise(3_000, 1, 800), Noise(1_000, 2, 300)];
        float[][] inputs = [Noise(4_096, 4), Noise(4_096, 5)];
        using var release = new ManualResetEventSlim(false);
        int launches = 0;
        using Context context = GpuAccelerators.CreateContext();
        using var reference = new GpuConvolutionBatch(responses, Partition, null, null);
        float[][] expected = Run(reference, inputs);
        float[][] output;
        using (var batch = new GpuConvolutionBatch(responses, Partition, context, GpuAccelerators.Cpu(context))
        {
            TimeoutMs = 200,

            // The third launch never returns (until the test ends): a driver that hangs.
            BeforeLaunch = () =>
            {
                if (Interlocked.Increment(ref launches) == 3)
                {
                    release.Wait();
                }
            },
        })
        {
            // Liveness, not speed: the blocks come back although a launch never does (the 60 s only keeps a broken build from hanging the run).
            output = await Task.Run(() => Run(batch, inputs)).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(batch.UsingFallback);
            Assert.Contains("more than 200 ms: abandoned", batch.FallbackReason, StringComparison.Ordinal);
            Assert.Equal(3, Volatile.Read(ref launches));
        }

        release.Set();
        for (int lane = 0; lane < inputs.Length; lane++)
        {
            for (int n = 0; n < inputs[lane].Length; n++)
            {
                Assert.True(Math.Abs(expected[lane][n] - output[lane][n]) <= 1e-5, $"lane {lane}, frame {n}: {output[lane][n]} vs {expected[lane][n]}");
            }
        }
    }

    [Fact]
    public void Process_OnTheAccelerator_AllocatesNothingOnTheCallingThread()
    {
        float[][] responses = [Noise(3_000, 1, 800), Noise(1_000, 2, 300)];
        using Context context = GpuAccelerators.CreateContext();
        using var batch = new GpuConvolutionBatch(responses, Partition, context, GpuAccelerators.Cpu(context)) { TimeoutMs = 60_000 };
        float[][] input = [Noise(Partition, 3), Noise(Partition, 4)];
        float[][] output = [new float[Partition], new float[Partition]];
        for (int i = 0; i < 8; i++)
        {
            batch.Process(input, output);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 32; i++)
        {
            batch.Process(input, output);
        }

        Assert.False(batch.UsingFallback, batch.FallbackReason);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static float[][] Run(GpuConvolutionBatch batch, float[][] inputs)
    {
        float[][] outputs = [.. inputs.Select(i => new float[i.Length])];
        float[][] blockIn = [.. inputs.Select(_ => new float[Partition])];
        float[][] blockOut = [.. inputs.Select(_ => new float[Partition])];
        for (int at = 0; at < inputs[0].Length; at += Partition)
        {
            for (int lane = 0; lane < inputs.Length; lane++)
            {
                inputs[lane].AsSpan(at, Partition).CopyTo(blockIn[lane]);
            }

            batch.Process(blockIn, blockOut);
            for (int lane = 0; lane < inputs.Length; lane++)
            {
                blockOut[lane].CopyTo(outputs[lane].AsSpan(at));
            }
        }

        return outputs;
    }

    private static float[] Noise(int length, int seed, double decayFrames = double.PositiveInfinity)
    {
        var random = new Random(seed);
        var noise = new float[length];
        for (int i = 0; i < length; i++)
        {
            noise[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-i / decayFrames));
        }

        return noise;
    }
}
