using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp;

public static partial class BuiltinNodeTypes
{
    static partial void RegisterSources(NodeTypeRegistry registry)
    {
        ParameterDescriptor frequency = new("freqHz", 0, 20_000, 440, "Hz", "Frequency; glides with a 5 ms time constant.");
        ParameterDescriptor level = new("level", 0, 16, 1, "linear", "Output gain; glides with a 5 ms time constant.");
        PortDescriptor[] monoOut = [PortDescriptor.Mono("out")];

        registry.Register(new NodeTypeDescriptor(
            "sine",
            "Sine oscillator; no latency.",
            [],
            monoOut,
            [frequency, level],
            static () => new SineNode(),
            costNsPerFrame: 1.5));
        registry.Register(new NodeTypeDescriptor(
            "saw",
            $"Band-limited rising saw (table BLEP); latency {BandLimitedOscillatorNode.LatencyFrames} frames.",
            [],
            monoOut,
            [frequency, level, new ParameterDescriptor("phase", 0, 1, 0, "periods", "Where a fresh saw starts, in periods after its rising zero crossing; read when the node is created.")],
            static () => new SawNode(),
            costNsPerFrame: 4));
        registry.Register(new NodeTypeDescriptor(
            "square",
            $"Band-limited pulse with variable width (table BLEP); latency {BandLimitedOscillatorNode.LatencyFrames} frames.",
            [],
            monoOut,
            [frequency, level, new ParameterDescriptor("pulseWidth", 0.01f, 0.99f, 0.5f, "fraction", "Fraction of each period spent at +1; read once per block.")],
            static () => new SquareNode(),
            costNsPerFrame: 6));
        registry.Register(new NodeTypeDescriptor(
            "triangle",
            $"Band-limited triangle (table BLAMP); latency {BandLimitedOscillatorNode.LatencyFrames} frames.",
            [],
            monoOut,
            [frequency, level],
            static () => new TriangleNode(),
            costNsPerFrame: 6));
        registry.Register(new NodeTypeDescriptor(
            "whitenoise",
            "Uniform white noise, seeded by the session seed and the node's id.",
            [],
            monoOut,
            [level],
            static () => new WhiteNoiseNode(),
            costNsPerFrame: 1));
        registry.Register(new NodeTypeDescriptor(
            "pinknoise",
            "Pink noise (-3 dB per octave, Kellet's filter), seeded by the session seed and the node's id.",
            [],
            monoOut,
            [level],
            static () => new PinkNoiseNode(),
            costNsPerFrame: 4));
        registry.Register(new NodeTypeDescriptor(
            "adsr",
            "Attack-decay-sustain-release envelope as a signal, 0..level, exact to the frame.",
            [],
            monoOut,
            [
                new ParameterDescriptor("attackMs", 0, 60_000, 10, "ms", "Linear rise from the current value to 1."),
                new ParameterDescriptor("decayMs", 0, 60_000, 100, "ms", "Exponential fall from 1 to sustain, ending exactly on it."),
                new ParameterDescriptor("sustain", 0, 1, 0.7f, "linear", "Level held while the gate is open."),
                new ParameterDescriptor("releaseMs", 0, 60_000, 200, "ms", "Exponential fall to 0 after the gate closes, ending exactly on it."),
                new ParameterDescriptor("gate", 0, 1, 1, "gate", "Rising above 0.5 starts the attack; falling back starts the release."),
                level,
            ],
            static () => new AdsrNode(),
            costNsPerFrame: 3));
        registry.Register(new NodeTypeDescriptor(
            "lag",
            "One-pole smoother for control signals: covers 63 % of a step in timeMs.",
            [PortDescriptor.Mono("in")],
            monoOut,
            [new ParameterDescriptor("timeMs", 0, 10_000, 10, "ms", "Time constant; 0 passes the input through.")],
            static () => new LagNode(),
            costNsPerFrame: 2));
        registry.Register(new NodeTypeDescriptor(
            "sampler",
            "Plays the sample named by the option 'sample' from the shared sample library, cubic-interpolated.",
            [],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("rate", 0.01f, 8, 1, "ratio", "Playback speed; 2 is an octave up. Glides with a 5 ms time constant."),
                new ParameterDescriptor("gate", 0, 1, 1, "gate", "Rising above 0.5 restarts from the first frame."),
                new ParameterDescriptor("loop", 0, 1, 0, "switch", "Above 0.5 wraps to the start at the end instead of stopping."),
                level,
            ],
            static () => new SamplerNode(),
            costNsPerFrame: 8));
        registry.Register(new NodeTypeDescriptor(
            "dirt",
            "SuperDirt-style polyphonic sample player: each change of trig starts a voice of the sound (the sample added as '#N') with the current speed, begin, end, gain, pan, cutoff, resonance and length.",
            [],
            [PortDescriptor.PerNode("out")],
            [
                new ParameterDescriptor("sound", 0, SampleLibrary.MaxIndex, 0, "index", "N of the sample '#N' the next voice plays."),
                new ParameterDescriptor("speed", -64, 64, 1, "ratio", "Playback speed of the next voice; negative plays backwards."),
                new ParameterDescriptor("begin", 0, 1, 0, "fraction", "Where in the sample the next voice starts."),
                new ParameterDescriptor("end", 0, 1, 1, "fraction", "Where in the sample the next voice stops."),
                new ParameterDescriptor("gain", 0, 16, 1, "linear", "Amplitude of the next voice."),
                new ParameterDescriptor("pan", 0, 1, 0.5f, "", "0 left, 1 right (equal power)."),
                new ParameterDescriptor("cutoff", 0, 96_000, 0, "Hz", "Low-pass cutoff of the next voice; 0 is none."),
                new ParameterDescriptor("resonance", 0, 1, 0, "", "Low-pass resonance of the next voice."),
                new ParameterDescriptor("lengthSec", 0, 3_600, 0, "s", "How long the next voice plays (then a 64-frame fade); 0 to the end of the sample."),
                new ParameterDescriptor("trig", -16_777_216, 16_777_216, 0, "counter", "Any change starts a voice."),
            ],
            static () => new DirtNode(),
            costNsPerFrame: 20,
            defaultChannels: 2));
    }
}
