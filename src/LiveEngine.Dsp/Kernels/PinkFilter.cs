namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Turns white noise into pink (-3 dB per octave): Paul Kellet's "refined" filter, a sum of six one-pole
/// low-passes and a one-sample delayed tap, accurate to ±0.05 dB above 9.2 Hz at 44.1 kHz (the poles are
/// per sample, so at other rates the corner frequencies scale with the rate; the slope holds from about
/// 10 Hz × rate / 44.1 kHz up). Sequential state: scalar only, one filter per node.
/// </summary>
/// <remarks>
/// Design: Paul Kellet, "Filter to make pink noise from white" (music-dsp mailing list archive, 1999),
/// "refined" version, with his output scale 0.11 so uniform white in [-1, 1) gives pink with peaks near ±1.
/// </remarks>
public struct PinkFilter
{
    private const float OutputScale = 0.11f;

    private float _b0;
    private float _b1;
    private float _b2;
    private float _b3;
    private float _b4;
    private float _b5;
    private float _b6;

    /// <summary>Filters <paramref name="samples"/> in place.</summary>
    public void Process(Span<float> samples)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            float white = samples[i];
            _b0 = (0.99886f * _b0) + (white * 0.0555179f);
            _b1 = (0.99332f * _b1) + (white * 0.0750759f);
            _b2 = (0.96900f * _b2) + (white * 0.1538520f);
            _b3 = (0.86650f * _b3) + (white * 0.3104856f);
            _b4 = (0.55000f * _b4) + (white * 0.5329522f);
            _b5 = (-0.7616f * _b5) - (white * 0.0168980f);
            float pink = _b0 + _b1 + _b2 + _b3 + _b4 + _b5 + _b6 + (white * 0.5362f);
            _b6 = white * 0.115926f;
            samples[i] = pink * OutputScale;
        }
    }
}
