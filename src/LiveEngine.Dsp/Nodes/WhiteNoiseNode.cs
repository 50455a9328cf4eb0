namespace LiveEngine.Dsp.Nodes;

/// <summary>Uniform white noise in [-level, level) (parameter level): flat spectrum, RMS level / √3.</summary>
public sealed class WhiteNoiseNode : NoiseNode
{
    protected override void Colour(Span<float> samples)
    {
    }
}
