using System.Runtime.InteropServices;
using ILGPU;
using LiveEngine.Dsp.Spectral;
using LiveEngine.Nodes;
using Xunit.Abstractions;

namespace LiveEngine.Gpu.Tests;

/// <summary>
/// The spectral gate, freeze, blur and vocoder as ILGPU kernels on ILGPU's CPU accelerator, against the CPU nodes run
/// through their real Process, and the known-signal facts of docs/convolution.md on the kernels' output.
/// </summary>
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

        // On the kernel's output: the right channel's 700 Hz at -6 dB kept within 1 %, its 3 kHz at -50 dB removed (-40 dB).
        int latency = SpectralNode.FrameFrames;
        double keptBefore = Magnitude(input[1], SampleRate / 2 - latency, 19_200, 700);
        Assert.InRange(Magnitude(gpu[1], SampleRate / 2, 19_200, 700), keptBefore * 0.99, keptBefore * 1.01);
        double quietBefore = Magnitude(input[1], SampleRate / 2 - latency, 19_200, 3_000);
        double quietAfter = Magnitude(gpu[1], SampleRate / 2, 19_200, 3_000);
        Assert.True(quietAfter < 0.01 * quietBefore, $"3 kHz: {quietAfter:E2} after the gate, {quietBefore:E2} before");
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

        // What was held is the sine's spectrum: 1 kHz stands far above other frequencies.
        double atSine = Magnitude(gpu[0], 28_800, 7_200, 1_000);
        double elsewhere = Math.Max(Magnitude(gpu[0], 28_800, 7_200, 3_000), Magnitude(gpu[0], 28_800, 7_200, 500));
        Assert.True(atSine > 10 * elsewhere, $"1 kHz {atSine:E2}, elsewhere {elsewhere:E2}");
    }

    [Fact]
    public void BlurKernel_OnTheCpuAccelerator_EqualsTheBlurNode_AndLetsANoteLingerAfterItStops()
    {
        // A 1 kHz sine (440 Hz on the right) for 0.5 s over quiet noise, then the noise alone; timeMs 500, 0 from 1.2 s.
        float[][] input = [Mix(Gated(Sine(1_000, 0.5), SampleRate / 2), Noise(0.001, seed: 5)), Mix(Gated(Sine(440, 0.4), SampleRate / 2), Noise(0.001, seed: 6))];
        static float Time(long time) => time < 57_600 ? 500f : 0f;
        float[][] cpu = RunNode(new SpectralBlurNode(), input, Time);

        using Context context = GpuAccelerators.CreateContext();
        using var blur = new GpuSpectralFrames(GpuSpectralKind.Blur, Channels, SpectralNode.FrameFrames / 2 + 1, context, GpuAccelerators.Cpu(context), SampleRate);
        float[][] gpu = RunKernel(blur, input, time => blur.TimeMs = Time(time));

        AssertSame(cpu, gpu);

        // 200 ms after the sine stopped (and the frame of latency) the smeared note is still there, at 1 kHz.
        int at = (SampleRate / 2) + SpectralNode.FrameFrames + 9_600;
        double rms = Math.Sqrt(gpu[0].AsSpan(at, 2_400).ToArray().Sum(x => (double)x * x) / 2_400);
        Assert.True(rms > 0.05, $"blurred RMS {rms:E2} 200 ms after the note stopped");
        Assert.True(Magnitude(gpu[0], at, 2_400, 1_000) > 10 * Magnitude(gpu[0], at, 2_400, 3_000));
    }

    [Fact]
    public void VocoderKernel_OnTheCpuAccelerator_EqualsTheVocoderNode_AndCarriesTheModulatorsFormants()
    {
        // Carriers: white noise, flat; modulator (the analysed channel after them): "formants" at 700 and 1200 Hz.
        float[][] input = [Noise(0.5, seed: 7), Noise(0.5, seed: 8), Mix(Sine(700, 0.4), Sine(1_200, 0.2))];
        float[][] cpu = RunNode(new VocoderNode(), input, _ => 1f);

        using Context context = GpuAccelerators.CreateContext();
        using var vocoder = new GpuSpectralFrames(GpuSpectralKind.Vocoder, Channels, SpectralNode.FrameFrames / 2 + 1, context, GpuAccelerators.Cpu(context), SampleRate) { Level = 1 };
        float[][] gpu = RunKernel(vocoder, input, _ => { });

        AssertSame(cpu, gpu);

        // 600-1300 Hz carries over 1000 times the energy of 4000-4700 Hz, on both carriers.
        for (int c = 0; c < Channels; c++)
        {
            double formant = BandEnergy(gpu[c], 12_000, 24_000, 600, 1_300);
            double high = BandEnergy(gpu[c], 12_000, 24_000, 4_000, 4_700);
            Assert.True(formant > 1_000 * high, $"channel {c}: energy 600-1300 Hz {formant:E2}, 4000-4700 Hz {high:E2}");
        }
    }

    // About 1.5 s, whole blocks.
    private const int Frames = 288 * Block;

    /// <summary>The CPU node, prepared and processed block by block as the executor does, the parameter set per block.</summary>
    private static float[][] RunNode(AudioNode node, float[][] input, Func<long, float> parameterAt)
    {
        node.Prepare(new PrepareContext(SampleRate, Block, Channels, new[] { parameterAt(0) }, 1, new Dictionary<string, string>()), null);
        float* arena = (float*)NativeMemory.AlignedAlloc((nuint)((input.Length + Channels) * Block * sizeof(float)), 64);
        try
        {
            // The inputs (the vocoder's modulator after the carriers), then the outputs.
            int[] inputs = [.. Enumerable.Range(0, input.Length).Select(c => c * Block)];
            int[] outputs = [input.Length * Block, (input.Length + 1) * Block];
            float[][] result = [new float[Frames], new float[Frames]];
            var parameters = new float[1];
            for (int at = 0; at < Frames; at += Block)
            {
                for (int c = 0; c < input.Length; c++)
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
        var stft = new ShortTimeFourierTransform(SpectralNode.FrameFrames, input.Length, Channels, Block);
        float[][] result = [new float[Frames], new float[Frames]];
        for (int at = 0; at < Frames; at += Block)
        {
            for (int c = 0; c < input.Length; c++)
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

    /// <summary>The magnitude of <paramref name="hz"/> in <paramref name="frames"/> frames of <paramref name="signal"/> from <paramref name="from"/> (a single DFT bin, not windowed).</summary>
    private static double Magnitude(float[] signal, int from, int frames, double hz)
    {
        double re = 0;
        double im = 0;
        for (int n = 0; n < frames; n++)
        {
            double angle = 2 * Math.PI * hz * n / SampleRate;
            re += signal[from + n] * Math.Cos(angle);
            im -= signal[from + n] * Math.Sin(angle);
        }

        return Math.Sqrt((re * re) + (im * im)) / frames;
    }

    private static double BandEnergy(float[] signal, int from, int frames, int fromHz, int toHz)
    {
        double energy = 0;
        for (int hz = fromHz; hz <= toHz; hz += 25)
        {
            double magnitude = Magnitude(signal, from, frames, hz);
            energy += magnitude * magnitude;
        }

        return energy;
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
