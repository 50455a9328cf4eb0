namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// "vocoder": a channel vocoder in the frequency domain. The carrier ("in", n channels) and the modulator ("mod", mono)
/// are measured in 32 bands spaced evenly in log frequency from 50 Hz to Nyquist; each carrier bin is scaled by
/// sqrt(modulator band energy / carrier band energy), so the output has the carrier's fine structure (its pitch, its
/// noise) under the modulator's spectral envelope (its formants).
/// </summary>
public sealed class VocoderNode : SpectralNode
{
    public const int BandCount = 32;
    private const float LowestHz = 50f;
    private const int LevelParameter = 0;

    private int[] _bandOfBin = [];
    private float[] _carrierEnergy = new float[BandCount];
    private float[] _modulatorEnergy = new float[BandCount];
    private float[] _gains = new float[BandCount];

    public VocoderNode()
    {
    }

    /// <param name="offload">Where the frames run with the option <c>gpu = on</c> (the GPU placement), or null for the CPU alone.</param>
    public VocoderNode(ISpectralOffload? offload)
        : base(offload)
    {
    }

    protected override int SideChannels => 1;

    public override void ProcessFrame(ShortTimeFourierTransform stft)
    {
        int channels = stft.SynthesisRe.Length;
        float[] modRe = stft.AnalysisRe[channels];
        float[] modIm = stft.AnalysisIm[channels];
        float level = Parameters[LevelParameter];
        Array.Clear(_modulatorEnergy);
        for (int k = 0; k < stft.Bins; k++)
        {
            _modulatorEnergy[_bandOfBin[k]] += (modRe[k] * modRe[k]) + (modIm[k] * modIm[k]);
        }

        for (int c = 0; c < channels; c++)
        {
            float[] re = stft.AnalysisRe[c];
            float[] im = stft.AnalysisIm[c];
            Array.Clear(_carrierEnergy);
            for (int k = 0; k < stft.Bins; k++)
            {
                _carrierEnergy[_bandOfBin[k]] += (re[k] * re[k]) + (im[k] * im[k]);
            }

            for (int b = 0; b < BandCount; b++)
            {
                _gains[b] = _carrierEnergy[b] > 1e-20f ? level * MathF.Sqrt(_modulatorEnergy[b] / _carrierEnergy[b]) : 0f;
            }

            float[] outRe = stft.SynthesisRe[c];
            float[] outIm = stft.SynthesisIm[c];
            for (int k = 0; k < stft.Bins; k++)
            {
                float gain = _gains[_bandOfBin[k]];
                outRe[k] = re[k] * gain;
                outIm[k] = im[k] * gain;
            }
        }
    }

    protected override void PrepareFrames(ShortTimeFourierTransform stft, int channels)
    {
        _bandOfBin = new int[stft.Bins];
        double nyquist = SampleRate / 2.0;
        double ratio = Math.Log(nyquist / LowestHz);
        for (int k = 0; k < stft.Bins; k++)
        {
            double hz = (double)k * SampleRate / stft.FrameFrames;
            int band = hz <= LowestHz ? 0 : (int)(BandCount * Math.Log(hz / LowestHz) / ratio);
            _bandOfBin[k] = Math.Clamp(band, 0, BandCount - 1);
        }

        _carrierEnergy = new float[BandCount];
        _modulatorEnergy = new float[BandCount];
        _gains = new float[BandCount];
    }
}
