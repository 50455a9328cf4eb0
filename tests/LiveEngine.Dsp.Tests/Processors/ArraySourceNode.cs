using LiveEngine.Nodes;

namespace LiveEngine.Tests.Dsp.Processors;

/// <summary>Test-only source: plays fixed sample arrays (one per channel) from stream position 0, then silence.</summary>
internal sealed class ArraySourceNode : AudioNode
{
    private readonly float[][] _channels;

    public ArraySourceNode(float[][] channels)
    {
        _channels = channels;
    }

    public override void Process(in ProcessContext context)
    {
        for (int c = 0; c < context.OutputChannelCount; c++)
        {
            Span<float> output = context.Output(c);
            float[] data = _channels[c % _channels.Length];
            for (int i = 0; i < output.Length; i++)
            {
                long position = context.SampleTime + i;
                output[i] = position < data.Length ? data[position] : 0f;
            }
        }
    }
}
