using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp;

/// <summary>The processors of the DSP node set v1: gains, panning, mixing, filters, delay, reverb, master.</summary>
public static partial class BuiltinNodeTypes
{
    static partial void RegisterProcessors(NodeTypeRegistry registry)
    {
        registry.Register(new NodeTypeDescriptor(
            "gain",
            "Multiplies by level (linear), glided per sample.",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [Level("level", "Linear gain.")],
            static () => new GainNode(),
            costNsPerFrame: 0.5));
        registry.Register(new NodeTypeDescriptor(
            "vca",
            "Multiplies every channel by the mono control signal on 'cv' (an envelope, an LFO).",
            [PortDescriptor.PerNode("in"), PortDescriptor.Mono("cv")],
            [PortDescriptor.PerNode("out")],
            [],
            static () => new VcaNode(),
            costNsPerFrame: 0.5));
        registry.Register(new NodeTypeDescriptor(
            "pan",
            "Places a mono signal in the stereo field with the equal-power (sine/cosine) law, -3 dB at the centre.",
            [PortDescriptor.Mono("in")],
            [PortDescriptor.Stereo("out")],
            [new ParameterDescriptor("pan", -1, 1, 0, "", "-1 hard left, 0 centre, 1 hard right.")],
            static () => new PanNode(),
            costNsPerFrame: 1));

        var mixerInputs = new PortDescriptor[MixerNode.InputCount];
        var mixerGains = new ParameterDescriptor[MixerNode.InputCount];
        for (int k = 0; k < MixerNode.InputCount; k++)
        {
            mixerInputs[k] = PortDescriptor.PerNode($"in{k + 1}");
            mixerGains[k] = Level($"gain{k + 1}", $"Linear gain of in{k + 1}.");
        }

        registry.Register(new NodeTypeDescriptor(
            "mixer",
            "Sums in1..in8, each with its own glided linear gain (gain1..gain8).",
            mixerInputs,
            [PortDescriptor.PerNode("out")],
            mixerGains,
            static () => new MixerNode(),
            costNsPerFrame: 4,
            defaultChannels: 2));

        RegisterBiquad(registry, "lpf", BiquadType.LowPass, "RBJ low-pass biquad, 12 dB/octave; q sets the resonance.");
        RegisterBiquad(registry, "hpf", BiquadType.HighPass, "RBJ high-pass biquad, 12 dB/octave; q sets the resonance.");
        RegisterBiquad(registry, "bpf", BiquadType.BandPass, "RBJ band-pass biquad with a constant 0 dB peak; q sets the width.");
        RegisterBiquad(registry, "notch", BiquadType.Notch, "RBJ notch biquad; q sets the width.");
        RegisterBiquad(registry, "peak", BiquadType.Peak, "RBJ peaking EQ biquad: gainDb at cutoffHz, width q.");
        RegisterBiquad(registry, "lowshelf", BiquadType.LowShelf, "RBJ low shelf biquad: gainDb below cutoffHz.");
        RegisterBiquad(registry, "highshelf", BiquadType.HighShelf, "RBJ high shelf biquad: gainDb above cutoffHz.");

        registry.Register(new NodeTypeDescriptor(
            "rlpf",
            "Resonant low-pass (trapezoidal state-variable filter, 12 dB/octave), like SuperCollider's RLPF with rq = 1/q; gain q at the cutoff.",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("cutoffHz", 10, 20_000, 2_000, "Hz", "Cutoff; clamped below 0.49 × the sample rate."),
                new ParameterDescriptor("q", 0.5f, 40, 3.333f, "", "Resonance: the gain at the cutoff (0.7071 is flat)."),
            ],
            static () => new RlpfNode(),
            costNsPerFrame: 4));
        registry.Register(new NodeTypeDescriptor(
            "delay",
            "Delay line with feedback and a dry/wet mix; fractional delays by linear interpolation, up to 10 s.",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("delayMs", 0, DelayNode.MaxDelayMs, 250, "ms", "Delay time, glided (at least one frame)."),
                new ParameterDescriptor("feedback", 0, 0.99f, 0, "", "Share of the delayed signal fed back into the line."),
                new ParameterDescriptor("mix", 0, 1, 0.5f, "", "0 dry only, 1 delayed only."),
            ],
            static () => new DelayNode(),
            costNsPerFrame: 4));
        registry.Register(new NodeTypeDescriptor(
            "convolution",
            "Convolves with the impulse response named by the option 'ir' (a sample; 4 channels on a stereo node: true stereo), zero latency by default.",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("mix", 0, 1, 1, "", "0 dry only, 1 convolved only."),
                Level("level", "Linear gain of the convolved signal."),
            ],
            static () => new ConvolutionNode(),
            costNsPerFrame: ConvolutionNode.ReferenceCostNsPerFrame,
            flags: NodeTypeFlags.PrefersDeferred)
        {
            CostModel = ConvolutionNode.EstimateCostNsPerFrame,
        });
        RegisterSpectral(registry);
        registry.Register(new NodeTypeDescriptor(
            "reverb",
            "Stereo 16-line feedback delay network reverb with a Hadamard matrix and damping.",
            [PortDescriptor.Stereo("in")],
            [PortDescriptor.Stereo("out")],
            [
                new ParameterDescriptor("decaySec", 0.1f, 30, 2, "s", "RT60: time for the tail to fall by 60 dB (with damping 0)."),
                new ParameterDescriptor("damping", 0, 1, 0.3f, "", "High-frequency damping in the loop; 0 is none."),
                new ParameterDescriptor("mix", 0, 1, 0.3f, "", "0 dry only, 1 reverb only."),
                new ParameterDescriptor("size", 0.1f, ReverbNode.MaxSize, 1, "", "Scales the delay lengths (room size); a change may click."),
            ],
            static () => new ReverbNode(),
            costNsPerFrame: 5, // 1.2 µs per 128-frame stereo block, Vector512 (ReverbNodeBenchmarks)
            defaultChannels: 2));
        registry.Register(new NodeTypeDescriptor(
            "master",
            "Last stage before the output: level, NaN/infinity guard (counted), peak limiter to ceilingDb, denormal flush.",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("ceilingDb", -24, 0, -0.3f, "dB", "The limiter's ceiling: no output sample exceeds it."),
                new ParameterDescriptor("releaseMs", 1, 1_000, 50, "ms", "Time constant of the limiter's recovery."),
                Level("level", "Linear gain before the limiter."),
            ],
            static () => new MasterNode(),
            costNsPerFrame: 3,
            defaultChannels: 2));
    }

    private static ParameterDescriptor Level(string name, string description) => new(name, 0, 16, 1, "", description);

    private static void RegisterBiquad(NodeTypeRegistry registry, string name, BiquadType type, string description)
    {
        registry.Register(new NodeTypeDescriptor(
            name,
            description,
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("cutoffHz", 10, 20_000, 1_000, "Hz", "Corner or centre frequency; clamped below 0.49 × the sample rate."),
                new ParameterDescriptor("q", 0.1f, 30, 0.7071f, "", "Resonance or width (the cookbook's Q)."),
                new ParameterDescriptor("gainDb", -48, 48, 0, "dB", "Boost or cut of peak and the shelves; ignored by the others."),
            ],
            () => new BiquadNode(type),
            costNsPerFrame: 3));
    }
}
