using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>A sine oscillator (parameters freqHz, level). No latency: its first frame has phase 0 advanced by one step.</summary>
public sealed class SineNode : OscillatorNode
{
    public override void Process(in ProcessContext context)
    {
        AdvancePhases(context, out ReadOnlySpan<uint> phases, out _);
        Span<float> output = context.Output(0);
        OscillatorKernels.Shape<SineShaper>(phases, 0, output);
        ApplyLevel(output);
    }
}
