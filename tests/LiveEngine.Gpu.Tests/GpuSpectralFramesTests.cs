using System.Runtime.InteropServices;
using ILGPU;
using LiveEngine.Dsp.Spectral;
using LiveEngine.Nodes;
using Xunit.Abstractions;

namespace LiveEngine.Gpu.Tests;

/// <summary>The spectral gate and freeze as ILGPU kernels on ILGPU's CPU accelerator, against the CPU nodes run through their real Process.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed unsafe class GpuSpectralFramesTests(ITestOutputHelper output)
{
    private const int SampleRate = 48_000;
    private const int Block = 256;
    private const int Channels = 2;

    [Fact]
    public void GateKernel_OnTheCpuAccelerator_EqualsTheSpectralGateNode_WithinOnePartPer100000()
    {
        // Left: 1 kHz at -6 dB over noise at -50 dB; right: 700 Hz at -6 dB and 3 kHz at -50 dB. A -30 dB threshold keeps
        // the loud tones and removes the rest.
        float[][] input = [Mix(Sine(1_000, 0.5), Noise(0.003, seed: 1)), Mix(Sine(700, 0.5), Sine(3_000, 0.003))];
        float[][] cpu = RunNode(new SpectralGateNode(), input, _ => -30f);

        using Context context = GpuAccelerators.CreateContext();
        using var gate = new GpuSpectralFrames(GpuSpectralKind.Gate, Channels, SpectralNode.FrameFrames / 2 + 1, context, GpuAccelerators.Cpu(context)) { ThresholdDb = -30 };
        float[][] gpu = RunKernel(gate, input, _ => { });

        Assert.True(gate.Frames > 0);
        AssertSame(cpu, gpu);

        // The gate did something: the quiet 3 kHz tone is gone from the right channel (not just the input delayed).
        double removed = 0;
        for (int n = SampleRate / 2; n < SampleRate; n++)
        {
            double d = gpu[1][n] - input[1][n - SpectralNode.FrameFrames];
            removed += d * d;
        }

        Assert.True(removed > 1e-3, $"The gate changed nothing ({removed:E2}): the comparison would prove little.");
    }

    [Fact]
    public void FreezeKernel_OnTheCpuAccelerator_EqualsTheFreezeNode_ThroughFreezingReleasingAndFreezingAgain()
    {
        // A 1 kHz sine (and 440 Hz on the right) for 0.5 s, then noise; frozen 0.3-0.8 s, released, frozen again from 1.0 s.
        float[][] input = [Mix(Gated(Sine(1_000, 0.5), SampleRate / 2), Noise(0.01, seed: 2)), Mix(Gated(Sine(440, 0.4), SampleRate / 2), Noise(0.01, seed: 3))];
        static float Gate(long time) => time is >= 14_400 and < 38_400 or >= 48_000 ? 1f : 0f;
        float[][] cpu = RunNode(new SpectralFreezeNode(), input, Gate);

        using Context context = GpuAccelerators.CreateContext();
        using var freeze = new GpuSpectralFrames(GpuSpectralKind.Freeze, Channels, SpectralNode.FrameFrames / 2 + 1, context, GpuAccelerators.Cpu(context));
        float[][] gpu = RunKernel(freeze, input, time => freeze.Freeze = Gate(time));

        AssertSame(cpu, gpu);

        // It froze: 0.6-0.75 s, after the sine stopped, the output still carries it (the input there is quiet noise).
        double meanSquare = 0;
        for (int n = 28_800; n < 36_000; n++)
        {
            meanSquare += gpu[0][n] * (double)gpu[0][n] / 7_200;
        }

        Assert.True(meanSquare > 0.01, $"Mean square {meanSquare:E2} while frozen: nothing was held.");
    }

    // About 1.5 s, whole blocks.
    private const int Frames = 288 * Block;

    /// <summary>The CPU node, prepared and processed block by block as the executor does, the parameter set per block.</summary>
    private static float[][] RunNode(AudioNode node, float[][] input, Func<long, float> parameterAt)
    {
        node.Prepare(new PrepareContext(SampleRate, Block, Channels, new[] { parameterAt(0) }, 1, new Dictionary<string, string>()), null);
        float* arena = (float*)NativeMemory.AlignedAlloc((nuint)(2 * Channels * Block * sizeof(float)), 64);
        try
        {
            int[] inputs = [0, Block];
            int[] outputs = [2 * Block, 3 * Block];
            float[][] result = [new float[Frames], new float[Frames]];
            var parameters = new float[1];
            for (int at = 0; at < Frames; at += Block)
            {
                for (int c = 0; c < Channels; c++)
                {
                    input[c].AsSpan(at, Block).CopyTo(new Span<float>(arena + inputs[c], Block));
                }

                parameters[0] = parameterAt(at);
                node.Process(new ProcessContext(arena, inputs, outputs, parameters, Block, at));
                for (int c = 0; c < Channels; c++)
                {
                    new ReadOnlySpan<float>(arena + outputs[c], Block).CopyTo(result[c].AsSpan(at));
                }
            }

            return result;
        }
        finally
        {
            NativeMemory.AlignedFree(arena);
        }
    }

    /// <summary>The kernel as the frame processor of the shared STFT framework, the setting made per block.</summary>
    private static float[][] RunKernel(GpuSpectralFrames frames, float[][] input, Action<long> beforeBlock)
    {
        var stft = new ShortTimeFourierTransform(SpectralNode.FrameFrames, Channels, Channels, Block);
        float[][] result = [new float[Frames], new float[Frames]];
        for (int at = 0; at < Frames; at += Block)
        {
            for (int c = 0; c < Channels; c++)
            {
                input[c].AsSpan(at, Block).CopyTo(stft.Input(c));
            }

            beforeBlock(at);
            stft.Process(Block, frames);
            for (int c = 0; c < Channels; c++)
            {
                stft.Output(c)[..Block].CopyTo(result[c].AsSpan(at));
            }
        }

        return result;
    }

    private void AssertSame(float[][] expected, float[][] actual)
    {
        for (int c = 0; c < Channels; c++)
        {
            double error = 0;
            double energy = 0;
            double largest = 0;
            for (int n = 0; n < Frames; n++)
            {
                double d = actual[c][n] - expected[c][n];
                error += d * d;
                energy += (double)expected[c][n] * expected[c][n];
                largest = Math.Max(largest, Math.Abs(d));
            }

            double relative = Math.Sqrt(error / energy);
            output.WriteLine($"channel {c}: relative RMS error {relative:E2}, largest difference {largest:E2}");
            Assert.True(energy > 10, $"Channel {c} is nearly silent: the comparison would prove nothing.");
            Assert.True(relative <= 1e-5 && largest <= 1e-5, $"Channel {c}: relative RMS error {relative:E2}, largest difference {largest:E2}.");
        }
    }

    private static float[] Sine(double hz, double amplitude)
    {
        var data = new float[Frames];
        for (int n = 0; n < Frames; n++)
        {
            data[n] = (float)(amplitude * Math.Sin(2 * Math.PI * hz * n / SampleRate));
        }

        return data;
    }

    private static float[] Noise(double amplitude, int seed)
    {
        var random = new Random(seed);
        var data = new float[Frames];
        for (int n = 0; n < Frames; n++)
        {
            data[n] = (float)(amplitude * ((random.NextDouble() * 2) - 1));
        }

        return data;
    }

    private static float[] Gated(float[] signal, int until)
    {
        signal.AsSpan(until).Clear();
        return signal;
    }

    private static float[] Mix(float[] a, float[] b)
    {
        for (int n = 0; n < a.Length; n++)
        {
            a[n] += b[n];
        }

        return a;
    }
}
