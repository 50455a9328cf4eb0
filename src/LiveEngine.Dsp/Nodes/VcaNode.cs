using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>"vca": out = in × cv, the control voltage (an envelope, an LFO) shared by every channel.</summary>
public sealed class VcaNode : AudioNode
{
    public override void Process(in ProcessContext context)
    {
        int channels = context.OutputChannelCount;

        // Inputs are flattened in port order: "in" has channels 0..channels-1, "cv" comes last.
        ReadOnlySpan<float> cv = context.Input(channels);
        for (int c = 0; c < channels; c++)
        {
            VectorKernels.Binary<MultiplyOperator>(context.Input(c), cv, context.Output(c));
        }
    }
}
