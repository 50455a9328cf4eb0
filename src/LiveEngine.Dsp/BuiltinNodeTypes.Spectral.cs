using LiveEngine.Dsp.Spectral;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp;

/// <summary>The spectral nodes: one STFT framework (2048-frame Hann frames, hop 512, overlap-add), latency 2048 frames.</summary>
public static partial class BuiltinNodeTypes
{
    private static void RegisterSpectral(NodeTypeRegistry registry)
    {
        registry.Register(new NodeTypeDescriptor(
            "freeze",
            "Spectral freeze: while freeze is open, holds the spectrum it caught (each bin's magnitude and frequency). Latency 2048 frames; with the option gpu = on, 3072 (so that the GPU placement may compute its frames).",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [new ParameterDescriptor("freeze", 0, 1, 0, "gate", "Above 0.5 holds the spectrum of the moment it rose; below, the input passes.")],
            static () => new SpectralFreezeNode(),
            costNsPerFrame: 30));
        registry.Register(new NodeTypeDescriptor(
            "blur",
            "Spectral blur: each bin's magnitude is smeared over time with the input's phase. Latency 2048 frames; with the option gpu = on, 3072 (so that the GPU placement may compute its frames).",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [new ParameterDescriptor("timeMs", 0, 60_000, 500, "ms", "Time constant of the smear; 0 passes the input.")],
            static () => new SpectralBlurNode(),
            costNsPerFrame: 20));
        registry.Register(new NodeTypeDescriptor(
            "spectralgate",
            "Spectral gate: silences the bins below thresholdDb (0 dB: a full-scale sine). Latency 2048 frames; with the option gpu = on, 3072 (so that the GPU placement may compute its frames).",
            [PortDescriptor.PerNode("in")],
            [PortDescriptor.PerNode("out")],
            [new ParameterDescriptor("thresholdDb", -120, 0, -60, "dB", "Bins quieter than this are removed.")],
            static () => new SpectralGateNode(),
            costNsPerFrame: 15));
        registry.Register(new NodeTypeDescriptor(
            "vocoder",
            "Channel vocoder: the carrier on 'in' under the spectral envelope (32 bands) of the mono 'mod'. Latency 2048 frames; with the option gpu = on, 3072 (so that the GPU placement may compute its frames).",
            [PortDescriptor.PerNode("in"), PortDescriptor.Mono("mod")],
            [PortDescriptor.PerNode("out")],
            [new ParameterDescriptor("level", 0, 16, 1, "", "Linear output gain.")],
            static () => new VocoderNode(),
            costNsPerFrame: 20));
    }
}
