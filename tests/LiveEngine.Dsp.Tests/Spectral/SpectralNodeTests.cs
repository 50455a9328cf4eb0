using LiveEngine.Dsp.Spectral;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Tests.Dsp.Processors;

namespace LiveEngine.Dsp.Tests.Spectral;

public sealed class SpectralNodeTests
{
    private const int SampleRate = 48_000;
    private const int Block = 256;

    [Fact]
    public void Stft_WithTheSpectrumUnchanged_GivesBackTheInputOneFrameLater()
    {
        float[] noise = TestSignals.Noise(20_000, seed: 3);
        float[] output = Render("spectralgate", [noise], new() { ["thresholdDb"] = -120 }, 20_000, out _);
        int latency = SpectralNode.FrameFrames;

        // From the first frame that four windows cover, the weighted overlap-add sums to exactly the input.
        for (int n = 2_048; n < noise.Length - latency; n++)
        {
            Assert.True(Math.Abs(output[n + latency] - noise[n]) < 1e-5, $"frame {n}: {output[n + latency]} vs {noise[n]}");
        }
    }

    [Fact]
    public void Freeze_HoldsASinesSpectrum_AfterTheSineStops()
    {
        // A 1 kHz sine of amplitude 0.5 for 0.5 s, then silence; freeze rises at 0.3 s.
        float[] sine = TestSignals.Sine(24_000, 1_000, SampleRate, 0.5);
        float[] output = Render("freeze", [sine], null, SampleRate * 2, out _, (block, snapshot) =>
        {
            if (block == 14_400 / Block)
            {
                SetParameter(snapshot, "freeze", 1);
            }
        });

        // A second after the sine stopped: still a 1 kHz sine of about the same amplitude, and nothing much else.
        ReadOnlySpan<float> held = output.AsSpan(72_000, 9_600);
        double rms = Rms(held);
        Assert.InRange(rms, 0.5 / Math.Sqrt(2) * 0.7, 0.5 / Math.Sqrt(2) * 1.3);
        double atSine = Dft.At(held, 1_000, SampleRate).Magnitude;
        double elsewhere = Math.Max(Dft.At(held, 3_000, SampleRate).Magnitude, Dft.At(held, 500, SampleRate).Magnitude);
        Assert.True(atSine > 100 * elsewhere, $"1 kHz {atSine:F1}, elsewhere {elsewhere:F3}");

        // Without freeze the same input falls silent one frame after the sine stops.
        float[] passed = Render("freeze", [sine], null, SampleRate * 2, out _);
        Assert.True(Rms(passed.AsSpan(72_000, 9_600)) < 1e-6);
    }

    [Fact]
    public void Gate_RemovesAToneBelowTheThreshold_AndKeepsOneAbove()
    {
        // 1 kHz at -6 dB and 3 kHz at -50 dB, threshold -30 dB.
        float[] loud = TestSignals.Sine(SampleRate, 1_000, SampleRate, 0.5);
        float[] quiet = TestSignals.Sine(SampleRate, 3_000, SampleRate, 0.00316);
        float[] input = [.. loud.Zip(quiet, (a, b) => a + b)];
        float[] output = Render("spectralgate", [input], new() { ["thresholdDb"] = -30 }, SampleRate, out _);
        ReadOnlySpan<float> late = output.AsSpan(24_000, 19_200);
        ReadOnlySpan<float> before = input.AsSpan(24_000 - SpectralNode.FrameFrames, 19_200);
        Assert.Equal(Dft.At(before, 1_000, SampleRate).Magnitude, Dft.At(late, 1_000, SampleRate).Magnitude, 0.01 * Dft.At(before, 1_000, SampleRate).Magnitude);
        double quietBefore = Dft.At(before, 3_000, SampleRate).Magnitude;
        double quietAfter = Dft.At(late, 3_000, SampleRate).Magnitude;
        Assert.True(quietAfter < 0.01 * quietBefore, $"3 kHz: {quietAfter:F4} after, {quietBefore:F4} before");
    }

    [Fact]
    public void Blur_LetsANoteLingerAfterItStops()
    {
        float[] sine = TestSignals.Sine(24_000, 1_000, SampleRate, 0.5);
        float[] blurred = Render("blur", [sine], new() { ["timeMs"] = 500 }, SampleRate * 2, out _);
        float[] sharp = Render("blur", [sine], new() { ["timeMs"] = 0 }, SampleRate * 2, out _);

        // 200 ms after the sine stopped (and the frame of latency): the smeared note is still there, the plain one is gone.
        int at = 24_000 + SpectralNode.FrameFrames + 9_600;
        Assert.True(Rms(blurred.AsSpan(at, 2_400)) > 0.05, $"blurred RMS {Rms(blurred.AsSpan(at, 2_400))}");
        Assert.True(Rms(sharp.AsSpan(at, 2_400)) < 1e-6);
    }

    [Fact]
    public void Vocoder_CarriesTheModulatorsFormants_OntoANoiseCarrier()
    {
        // Modulator: two "formants" (700 Hz and 1200 Hz, the vowel a); carrier: white noise, flat.
        float[] carrier = TestSignals.Noise(SampleRate, seed: 4, amplitude: 0.5f);
        float[] modulator = [.. TestSignals.Sine(SampleRate, 700, SampleRate, 0.4).Zip(TestSignals.Sine(SampleRate, 1_200, SampleRate, 0.2), (a, b) => a + b)];
        float[] output = Render("vocoder", [carrier], null, SampleRate, out _, modulator: modulator);
        ReadOnlySpan<float> late = output.AsSpan(12_000, 24_000);
        double formant = BandEnergy(late, 600, 1_300);
        double high = BandEnergy(late, 4_000, 4_700);
        Assert.True(formant > 1_000 * high, $"energy 600-1300 Hz {formant:E2}, 4000-4700 Hz {high:E2}");

        // The carrier alone has about as much energy in both bands (noise is flat).
        ReadOnlySpan<float> raw = carrier.AsSpan(12_000, 24_000);
        Assert.InRange(BandEnergy(raw, 600, 1_300) / BandEnergy(raw, 4_000, 4_700), 0.5, 2);
    }

    [Theory]
    [InlineData("freeze")]
    [InlineData("blur")]
    [InlineData("spectralgate")]
    [InlineData("vocoder")]
    public void Process_AllocatesNothing(string type)
    {
        float[] noise = TestSignals.Noise(8_192, seed: 1);
        GraphSnapshot snapshot = Compile(type, [noise, noise], null, type == "vocoder" ? noise : null);
        SingleThreadExecutor.Process(snapshot, Block, 0);
        int next = 1;
        SteadyAllocation.AssertNone($"63 blocks of {type}", () =>
        {
            for (int block = next; block < next + 63; block++)
            {
                if (block == 20 && type == "freeze")
                {
                    SetParameter(snapshot, "freeze", 1);
                }

                SingleThreadExecutor.Process(snapshot, Block, block * (long)Block);
            }

            next += 63;
        });
    }

    private static double BandEnergy(ReadOnlySpan<float> signal, int fromHz, int toHz)
    {
        double energy = 0;
        for (int hz = fromHz; hz <= toHz; hz += 25)
        {
            double magnitude = Dft.At(signal, hz, SampleRate).Magnitude;
            energy += magnitude * magnitude;
        }

        return energy;
    }

    private static double Rms(ReadOnlySpan<float> signal)
    {
        double sum = 0;
        foreach (float x in signal)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum / signal.Length);
    }

    private static void SetParameter(GraphSnapshot snapshot, string name, float value)
    {
        int node = snapshot.IndexOfNode("dut");
        snapshot.GetParameters(node)[snapshot.NodeTypes[node].FindParameter(name)] = value;
    }

    private static float[] Render(string type, float[][] input, Dictionary<string, double>? parameters, int frames, out GraphSnapshot snapshot, Action<int, GraphSnapshot>? beforeBlock = null, float[]? modulator = null)
    {
        snapshot = Compile(type, input, parameters, modulator);
        var output = new float[frames];
        for (int block = 0; block * Block < frames; block++)
        {
            beforeBlock?.Invoke(block, snapshot);
            int size = Math.Min(Block, frames - (block * Block));
            SingleThreadExecutor.Process(snapshot, size, block * (long)Block);
            snapshot.GetOutput(0, size).CopyTo(output.AsSpan(block * Block, size));
        }

        return output;
    }

    private static GraphSnapshot Compile(string type, float[][] input, Dictionary<string, double>? parameters, float[]? modulator)
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        registry.Register(new NodeTypeDescriptor("test.in", "Plays fixed test samples.", [], [PortDescriptor.PerNode("out")], [], () => new ArraySourceNode(input), defaultChannels: input.Length));
        var graph = new GraphDescription();
        graph.Add("source", "test.in", channels: input.Length);
        graph.Add("dut", type, parameters, channels: input.Length);
        graph.Add("out", CoreNodeTypes.Output, channels: input.Length);
        graph.Chain("source", "dut", "out");
        if (modulator is not null)
        {
            registry.Register(new NodeTypeDescriptor("test.mod", "Plays fixed test samples.", [], [PortDescriptor.PerNode("out")], [], () => new ArraySourceNode([modulator]), defaultChannels: 1));
            graph.Add("mod", "test.mod", channels: 1);
            graph.Connect("mod", "dut", toPort: "mod");
        }

        return GraphCompiler.Compile(graph, registry, new CompileOptions { SampleRate = SampleRate, MaxBlockFrames = 512 });
    }
}
