namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// "spectralgate": silences every bin whose magnitude is below thresholdDb (0 dB: a full-scale sine in that bin) and
/// passes the others unchanged: a denoiser for steady hiss under louder tones, or a thinning effect.
/// </summary>
public sealed class SpectralGateNode : SpectralNode
{
    private const int ThresholdParameter = 0;

    public SpectralGateNode()
    {
    }

    /// <param name="offload">Where the frames run with the option <c>gpu = on</c> (the GPU placement), or null for the CPU alone.</param>
    public SpectralGateNode(ISpectralOffload? offload)
        : base(offload)
    {
    }

    public override void ProcessFrame(ShortTimeFourierTransform stft)
    {
        float threshold = stft.FullScale * MathF.Pow(10f, Parameters[ThresholdParameter] / 20f);
        float thresholdSquared = threshold * threshold;
        for (int c = 0; c < stft.SynthesisRe.Length; c++)
        {
            float[] re = stft.AnalysisRe[c];
            float[] im = stft.AnalysisIm[c];
            float[] outRe = stft.SynthesisRe[c];
            float[] outIm = stft.SynthesisIm[c];
            for (int k = 0; k < stft.Bins; k++)
            {
                bool open = (re[k] * re[k]) + (im[k] * im[k]) >= thresholdSquared;
                outRe[k] = open ? re[k] : 0f;
                outIm[k] = open ? im[k] : 0f;
            }
        }
    }

    protected override void PrepareFrames(ShortTimeFourierTransform stft, int channels)
    {
    }
}
