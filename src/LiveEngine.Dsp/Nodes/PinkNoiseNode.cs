using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>Pink noise, -3 dB per octave (parameter level): the seeded white noise through <see cref="PinkFilter"/>.</summary>
public sealed class PinkNoiseNode : NoiseNode
{
    private PinkFilter _filter;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        base.Prepare(context, previous);
        _filter = previous is PinkNoiseNode old ? old._filter : default;
    }

    public override void Reset()
    {
        base.Reset();
        _filter = default;
    }

    protected override void Colour(Span<float> samples) => _filter.Process(samples);
}
