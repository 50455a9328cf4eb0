using LiveEngine.Dsp;
using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Dsp.Spectral;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;
using Xunit.Abstractions;

namespace LiveEngine.Gpu.Tests;

/// <summary>
/// Pipelined spectral nodes (option <c>gpu = on</c>) on the GPU placement, through a real render: a live session with
/// render-ahead, the nodes' frames computed on ILGPU's CPU accelerator in the launch after each deferred block, against
/// the same graph on the CPU alone; and the known-signal facts on the placed output.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class GpuSpectralPlacementTests(ITestOutputHelper output)
{
    private const int SampleRate = 48_000;
    private const int Device = 256;
    private const int Deferred = 1_024;
    private const int Latency = SpectralNode.FrameFrames + SpectralNode.PipelineFrames;

    // Equality, not speed: a loaded CI machine must not push the CPU accelerator past its time limit.
    private const double PatientTimeoutMs = 60_000;

    [Theory]
    [InlineData("freeze")]
    [InlineData("blur")]
    [InlineData("spectralgate")]
    [InlineData("vocoder")]
    public void ASpectralNodeWithGpuOn_PlacedOnTheCpuAccelerator_SoundsAsOnTheCpu_WithItsFramesFromTheLaunches(string type)
    {
        int frames = 5 * SampleRate / 2;
        float[][] cpu = Render(Graph(type), placement: null, frames, out _, out _);

        using GpuConvolutionPlacement placement = CreatePlacement();
        float[][] gpu = Render(Graph(type), placement, frames, out LiveSession session, out _);

        output.WriteLine($"{type}: {placement.PlacedSpectralNodes} node placed, {placement.Launches} launches, {placement.SpectralCollects} frames from the accelerator of {frames / 512}; launch {placement.LaunchCostNs / 1000:F0} us");
        Assert.False(placement.Failed, placement.FailureReason);
        Assert.Equal(1, placement.PlacedSpectralNodes);
        Assert.Equal(0, session.Renderer.RenderAheadUnderruns);

        // Nearly every frame came from a launch (the first ones may come before render-ahead's first deferred block).
        Assert.True(placement.SpectralCollects > (frames / 512) - 12, $"{placement.SpectralCollects} of {frames / 512} frames from the accelerator");
        AssertSame(cpu, gpu);
        AssertKnownSignal(type, gpu);
    }

    [Fact]
    public void SpectralNodesAndAConvolution_ShareOneLaunchPerDeferredBlock_AndSoundAsOnTheCpu()
    {
        SampleLibrary.Shared.Add("gpu-spectral-ir", [Noise(36_000, seed: 21, decayFrames: 8_000)], SampleRate);
        GraphDescription Mixed() => GraphDescription.FromJson("""
            { "nodes": [ { "id": "tone", "type": "sine", "parameters": { "freqHz": 1000, "level": 0.5 } },
                         { "id": "noise", "type": "whitenoise", "parameters": { "level": 0.3 } },
                         { "id": "gate", "type": "spectralgate", "channels": 2, "parameters": { "thresholdDb": -30 }, "options": { "gpu": "on" } },
                         { "id": "smear", "type": "blur", "channels": 2, "parameters": { "timeMs": 300 }, "options": { "gpu": "on" } },
                         { "id": "hall", "type": "convolution", "parameters": { "mix": 0.8 }, "options": { "ir": "gpu-spectral-ir" } },
                         { "id": "out", "type": "out" } ],
              "edges": [ { "from": "tone", "to": "gate" }, { "from": "noise", "to": "gate" }, { "from": "noise", "to": "smear" },
                         { "from": "tone", "to": "hall" },
                         { "from": "gate", "to": "out" }, { "from": "smear", "to": "out" }, { "from": "hall", "to": "out" } ] }
            """);
        int frames = 3 * SampleRate / 2;
        float[][] cpu = Render(Mixed(), placement: null, frames, out _, out _);

        using GpuConvolutionPlacement placement = CreatePlacement();
        float[][] gpu = Render(Mixed(), placement, frames, out _, out _);

        output.WriteLine($"{placement.PlacedLevels} levels and {placement.PlacedSpectralNodes} spectral nodes placed, {placement.Launches} launches, {placement.Collects} periods and {placement.SpectralCollects} spectral frames from the accelerator");
        Assert.False(placement.Failed, placement.FailureReason);
        Assert.Equal(2, placement.PlacedSpectralNodes);
        Assert.Equal(3, placement.PlacedLevels);

        // About one launch per deferred block, each serving the convolution's levels and both spectral nodes' frames.
        long blocks = frames / Deferred;
        Assert.InRange(placement.Launches, blocks / 2, blocks + 8);
        Assert.True(placement.SpectralCollects > placement.Launches, $"{placement.SpectralCollects} spectral frames from {placement.Launches} launches: the two nodes did not share them.");
        Assert.True(placement.Collects > 0);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void ALaunchThatFails_TheSpectralNodesFallBackToTheCpuForGood_WithTheSameOutput()
    {
        int frames = 2 * SampleRate;
        float[][] cpu = Render(Graph("freeze"), placement: null, frames, out _, out _);

        int launches = 0;
        using GpuConvolutionPlacement placement = CreatePlacement();
        placement.BeforeLaunch = () =>
        {
            // Beat 1 (the freeze captures) is at 0.5 s, about 23 launches in: the held state goes over to the CPU.
            if (++launches > 40)
            {
                throw new InvalidOperationException("the device was lost (forced by the test)");
            }
        };
        float[][] gpu = Render(Graph("freeze"), placement, frames, out _, out _);

        output.WriteLine($"{placement.Launches} launches, {placement.SpectralCollects} frames from the accelerator, then: {placement.FailureReason}");
        Assert.True(placement.Failed);
        Assert.Contains("the device was lost", placement.FailureReason);
        Assert.Equal(40, placement.Launches);
        Assert.InRange(placement.SpectralCollects, 40, 90);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void ALaunchThatHangs_IsAbandonedAfterTheTimeout_AndTheSpectralNodeSoundsAsOnTheCpu()
    {
        int frames = 3 * SampleRate / 2;
        float[][] cpu = Render(Graph("blur"), placement: null, frames, out _, out _);

        int launches = 0;
        using var hang = new ManualResetEventSlim(false);
        using GpuConvolutionPlacement placement = CreatePlacement(timeoutMs: 2_000);
        placement.BeforeLaunch = () =>
        {
            if (++launches == 20)
            {
                hang.Wait();
            }
        };
        float[][] gpu = Render(Graph("blur"), placement, frames, out _, out _);
        hang.Set();

        output.WriteLine($"{placement.Launches} launches, {placement.SpectralCollects} frames from the accelerator, then: {placement.FailureReason}");
        Assert.True(placement.Failed);
        Assert.Contains("abandoned", placement.FailureReason);
        Assert.InRange(placement.SpectralCollects, 19, 60);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void InASplitGraph_TheDeferredSpectralNodeIsLaunched_TheLiveOneComputesOnTheCpu_AndTheOutputIsTheCpus()
    {
        // The saw pinned live, through a pipelined freeze ("held", live: its hops fall in the live pass, never submitted);
        // the tone through a pipelined blur ("dut", deferred: its frames go to the launches, started without waiting).
        GraphDescription Split()
        {
            GraphDescription graph = Graph("blur");
            graph.Nodes.Add(new NodeSpec("saw", "saw", new Dictionary<string, double> { ["freqHz"] = 97, ["level"] = 0.3 }) { Options = { [Snapshots.GraphSnapshot.LiveOption] = "on" } });
            graph.Nodes.Add(new NodeSpec("held", "freeze", new Dictionary<string, double> { ["freeze"] = 0 }, 2) { Options = { [SpectralNode.GpuOption] = "on" } });
            graph.Connect("saw", "held");
            graph.Connect("held", "out");
            return graph;
        }

        int frames = 2 * SampleRate;
        float[][] cpu = Render(Split(), placement: null, frames, out _, out _);
        using GpuConvolutionPlacement placement = CreatePlacement();
        float[][] gpu = Render(Split(), placement, frames, out LiveSession session, out long audio);

        output.WriteLine($"{placement.PlacedSpectralNodes} nodes placed, {placement.Launches} launches, {placement.SpectralCollects} frames from the accelerator; audio thread {audio} B, render-ahead thread {session.Renderer.RenderAheadAllocatedBytes} B");
        Assert.True(session.Renderer.Current.IsSplit);
        Assert.False(placement.Failed, placement.FailureReason);
        Assert.Equal(2, placement.PlacedSpectralNodes);

        // The deferred node's frames only (one per 512 frames, up to the look-ahead past the end); the live node's never.
        Assert.InRange(placement.SpectralCollects, (frames / 512) - 12, (frames / 512) + 12);
        Assert.Equal(0, audio);
        Assert.Equal(0, session.Renderer.RenderAheadAllocatedBytes);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void WithoutTheGpuOption_ASpectralNodeIsNotPlaced_AndSoundsBitForBitAsWithoutThePlacement()
    {
        GraphDescription Plain()
        {
            GraphDescription graph = Graph("spectralgate");
            graph.Nodes.Single(n => n.Id == "dut").Options.Remove(SpectralNode.GpuOption);
            return graph;
        }

        int frames = SampleRate;
        float[][] cpu = Render(Plain(), placement: null, frames, out _, out _);
        using GpuConvolutionPlacement placement = CreatePlacement();
        float[][] withPlacement = Render(Plain(), placement, frames, out _, out _);

        Assert.Equal(0, placement.PlacedSpectralNodes);
        Assert.Equal(0, placement.SpectralCollects);
        for (int c = 0; c < cpu.Length; c++)
        {
            Assert.Equal(cpu[c], withPlacement[c]);
        }

        // The unpipelined node's latency is one STFT frame: the 1 kHz tone comes out after 2,048 frames, not 3,072.
        Assert.True(Rms(cpu[0], SpectralNode.FrameFrames + 512, 512) > 0.1);
    }

    [Fact]
    public void WithSpectralNodesPlaced_TheAudioThreadAndTheRenderAheadThread_AllocateNothing()
    {
        using GpuConvolutionPlacement placement = CreatePlacement();
        Render(Graph("freeze"), placement, 4 * SampleRate, out LiveSession session, out long audio);

        output.WriteLine($"audio thread {audio} bytes over the second half; render-ahead thread {session.Renderer.RenderAheadAllocatedBytes} bytes after its warm-up; {placement.Launches} launches, {placement.SpectralCollects} frames");
        Assert.False(placement.Failed, placement.FailureReason);
        Assert.True(placement.SpectralCollects > 300);
        Assert.Equal(0, audio);
        Assert.Equal(0, session.Renderer.RenderAheadAllocatedBytes);
    }

    [Fact]
    public void SpectralPlacement_NeedsAPipelineOfTheDeferredBlock_AndInAutoFramesThatCostTheCpuMoreThanALaunch()
    {
        using ILGPU.Context context = GpuAccelerators.CreateContext();
        using var forced = new GpuConvolutionPlacement(context, GpuAccelerators.Cpu(context), new GpuPlacementOptions { Mode = GpuMode.CpuAccelerator, MinPartitionFrames = 1_024 });
        SpectralNode gate = Prepared(new SpectralGateNode());
        Assert.True(forced.ShouldPlace(gate, SpectralNode.PipelineFrames));
        Assert.False(forced.ShouldPlace(gate, 512));

        using var deferred2048 = new GpuConvolutionPlacement(context, GpuAccelerators.Cpu(context), new GpuPlacementOptions { Mode = GpuMode.CpuAccelerator, MinPartitionFrames = 2_048 });
        Assert.False(deferred2048.ShouldPlace(gate, SpectralNode.PipelineFrames));

        // Auto on the CPU accelerator: its launch (ms) costs more than two frames of a gate (µs), so nothing is placed,
        // and the measurement leaves the node's state as it was (cleared).
        using var auto = new GpuConvolutionPlacement(context, GpuAccelerators.Cpu(context), new GpuPlacementOptions { Mode = GpuMode.Auto, MinPartitionFrames = 1_024 });
        var freeze = (SpectralFreezeNode)Prepared(new SpectralFreezeNode());
        output.WriteLine($"auto: launch {auto.LaunchCostNs / 1000:F0} us");
        Assert.False(auto.ShouldPlace(freeze, SpectralNode.PipelineFrames));
        Assert.All(freeze.Magnitudes, m => Assert.All(m, v => Assert.Equal(0f, v)));
        Assert.All(freeze.PreviousPhases, p => Assert.All(p, v => Assert.Equal(0d, v)));
    }

    private static SpectralNode Prepared(SpectralNode node)
    {
        var options = new Dictionary<string, string> { [SpectralNode.GpuOption] = "on" };
        node.Prepare(new PrepareContext(SampleRate, Deferred, 2, new float[] { 1f }, 1, options), null);
        return node;
    }

    private static GpuConvolutionPlacement CreatePlacement(double timeoutMs = PatientTimeoutMs)
    {
        ILGPU.Context context = GpuAccelerators.CreateContext();
        return new GpuConvolutionPlacement(context, GpuAccelerators.Cpu(context), new GpuPlacementOptions { Mode = GpuMode.CpuAccelerator, MinPartitionFrames = Deferred, TimeoutMs = timeoutMs }) { OwnsContext = true };
    }

    /// <summary>
    /// The node under test ("dut", two channels, <c>gpu = on</c>) on known signals. A 1 kHz tone at 0.5 stops at beat 2
    /// (1 s); the freeze closes at beat 1, opens at beat 3 and closes again at beat 4; the gate gets a 3 kHz tone at 0.003
    /// too and a −30 dB threshold; the blur's time is 500 ms; the vocoder's carrier is noise, its modulator 700 and 1200 Hz.
    /// </summary>
    private static GraphDescription Graph(string type)
    {
        string parameters = type switch
        {
            "spectralgate" => """{ "thresholdDb": -30 }""",
            "blur" => """{ "timeMs": 500 }""",
            _ => "{ }",
        };
        string edges = type == "vocoder"
            ? """{ "from": "noise", "to": "dut" }, { "from": "f1", "to": "dut", "toPort": "mod" }, { "from": "f2", "to": "dut", "toPort": "mod" }"""
            : type == "spectralgate"
                ? """{ "from": "tone", "to": "dut" }, { "from": "quiet", "to": "dut" }"""
                : """{ "from": "tone", "to": "dut" }""";
        return GraphDescription.FromJson($$"""
            { "nodes": [ { "id": "tone", "type": "sine", "parameters": { "freqHz": 1000, "level": 0.5 } },
                         { "id": "quiet", "type": "sine", "parameters": { "freqHz": 3000, "level": 0.003 } },
                         { "id": "noise", "type": "whitenoise", "parameters": { "level": 0.5 } },
                         { "id": "f1", "type": "sine", "parameters": { "freqHz": 700, "level": 0.4 } },
                         { "id": "f2", "type": "sine", "parameters": { "freqHz": 1200, "level": 0.2 } },
                         { "id": "dut", "type": "{{type}}", "channels": 2, "parameters": {{parameters}}, "options": { "gpu": "on" } },
                         { "id": "out", "type": "out" } ],
              "edges": [ {{edges}}, { "from": "dut", "to": "out" } ] }
            """);
    }

    /// <summary>Renders <paramref name="graph"/> through a live session with render-ahead, as <c>liveengine render --render-ahead on</c> does.</summary>
    private static float[][] Render(GraphDescription graph, GpuConvolutionPlacement? placement, int frames, out LiveSession session, out long audioThreadBytes)
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        if (placement is not null)
        {
            IConvolutionOffload.Install(registry, placement);
            ISpectralOffload.Install(registry, placement);
        }

        session = new LiveSession(registry, graph, new LiveSessionOptions { SampleRate = SampleRate, MaxBlockFrames = Deferred, DeviceBlockFrames = Device, DeferredBlockFrames = Deferred });
        if (graph.Nodes.Any(n => n.Id == "dut"))
        {
            session.SetParameter("tone", "level", 0, Quantization.AtBeat(2));
            if (graph.Nodes.Single(n => n.Id == "dut").Type == "freeze")
            {
                session.SetParameter("dut", "freeze", 1, Quantization.AtBeat(1));
                session.SetParameter("dut", "freeze", 0, Quantization.AtBeat(3));
                session.SetParameter("dut", "freeze", 1, Quantization.AtBeat(4));
            }
        }

        // The launcher lays the placement out on its own thread; until it has, the frames compute on the CPU. On a loaded
        // machine that took 16 deferred blocks of an unpaced render, so the count of frames from launches waits for it.
        if (placement is not null)
        {
            Assert.True(SpinWait.SpinUntil(() => placement.IsLaidOut || placement.Failed, TimeSpan.FromMilliseconds(PatientTimeoutMs)), "the placement was not laid out within the timeout");
        }

        return RenderAheadReader.Read(session, placement, frames, Device, out audioThreadBytes);
    }

    /// <summary>The facts of docs/convolution.md's table, on the placed output (both channels carry the same signal).</summary>
    private void AssertKnownSignal(string type, float[][] gpu)
    {
        float[] left = gpu[0];
        switch (type)
        {
            case "freeze":
                {
                    // Frozen at beat 1 (0.5 s) while the tone played; the tone stopped at 1 s. 1.2-1.45 s (input silent) still
                    // holds a 1 kHz tone of about its level, far above other frequencies.
                    int from = SampleRate + 9_600 + Latency;
                    double held = Amplitude(left, from, 9_600, 1_000);
                    double elsewhere = Math.Max(Amplitude(left, from, 9_600, 3_000), Amplitude(left, from, 9_600, 500));
                    output.WriteLine($"freeze: 1 kHz {held:E3} while held, elsewhere {elsewhere:E3}");
                    Assert.InRange(held, 0.25, 0.75);
                    Assert.True(held > 100 * elsewhere, $"1 kHz {held:E2}, elsewhere {elsewhere:E2}");
                    break;
                }

            case "blur":
                {
                    // timeMs 500: 200 ms after the tone stopped (and the latency) the note still lingers.
                    Assert.True(Rms(left, SampleRate + 9_600 + Latency, 2_400) > 0.05, $"RMS {Rms(left, SampleRate + 9_600 + Latency, 2_400):E2}");
                    break;
                }

            case "spectralgate":
                {
                    // 1 kHz at 0.5 (−6 dB) kept within 1 %; 3 kHz at 0.003 (−50 dB) removed under −30 dB (to below 1 %).
                    int from = 9_600 + Latency;
                    double kept = Amplitude(left, from, 19_200, 1_000);
                    double removed = Amplitude(left, from, 19_200, 3_000);
                    output.WriteLine($"gate: 1 kHz {kept:E4}, 3 kHz {removed:E3}");
                    Assert.InRange(kept, 0.495, 0.505);
                    Assert.True(removed < 0.01 * 0.003, $"3 kHz {removed:E2} after the gate (0.003 before)");
                    break;
                }

            default:
                {
                    // The noise carrier carries the modulator's "formants": 600-1300 Hz over 1000x the energy of 4000-4700 Hz.
                    int from = 12_000 + Latency;
                    double formant = BandEnergy(left, from, 24_000, 600, 1_300);
                    double high = BandEnergy(left, from, 24_000, 4_000, 4_700);
                    output.WriteLine($"vocoder: 600-1300 Hz {formant:E3}, 4000-4700 Hz {high:E3}");
                    Assert.True(formant > 1_000 * high, $"energy 600-1300 Hz {formant:E2}, 4000-4700 Hz {high:E2}");
                    break;
                }
        }
    }

    /// <summary>Within 1e-5 relative RMS error per channel, and not silent.</summary>
    private void AssertSame(float[][] expected, float[][] actual)
    {
        for (int c = 0; c < expected.Length; c++)
        {
            double error = 0;
            double energy = 0;
            for (int i = 0; i < expected[c].Length; i++)
            {
                double d = actual[c][i] - expected[c][i];
                error += d * d;
                energy += (double)expected[c][i] * expected[c][i];
            }

            double relative = Math.Sqrt(error / energy);
            output.WriteLine($"channel {c}: relative RMS error {relative:E2}");
            Assert.True(energy > 1, $"Channel {c} is nearly silent: the comparison would prove nothing.");
            Assert.True(relative <= 1e-5, $"Channel {c}: relative RMS error {relative:E2} > 1e-5.");
        }
    }

    /// <summary>The amplitude of the <paramref name="hz"/> component over <paramref name="frames"/> frames (a whole number of its periods).</summary>
    private static double Amplitude(float[] signal, int from, int frames, double hz)
    {
        double re = 0;
        double im = 0;
        for (int n = 0; n < frames; n++)
        {
            double angle = 2 * Math.PI * hz * n / SampleRate;
            re += signal[from + n] * Math.Cos(angle);
            im -= signal[from + n] * Math.Sin(angle);
        }

        return 2 * Math.Sqrt((re * re) + (im * im)) / frames;
    }

    private static double BandEnergy(float[] signal, int from, int frames, int fromHz, int toHz)
    {
        double energy = 0;
        for (int hz = fromHz; hz <= toHz; hz += 25)
        {
            double amplitude = Amplitude(signal, from, frames, hz);
            energy += amplitude * amplitude;
        }

        return energy;
    }

    private static double Rms(float[] signal, int from, int frames)
    {
        double sum = 0;
        for (int n = from; n < from + frames; n++)
        {
            sum += (double)signal[n] * signal[n];
        }

        return Math.Sqrt(sum / frames);
    }

    private static float[] Noise(int frames, int seed, int decayFrames)
    {
        var random = new Random(seed);
        var data = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            data[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / decayFrames));
        }

        return data;
    }
}
