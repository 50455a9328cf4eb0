namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// "blur": smears the spectrum over time: each bin's magnitude follows the input's through a one-pole average of time
/// constant timeMs (frame by frame). The phase is the input's while the bin sounds; when the input falls silent the
/// bin's phase keeps advancing by its last measured step (its frequency), so a smeared note lingers as that note.
/// 0 passes the input (delayed by one frame); long times turn a note into a wash that swells in and lingers.
/// </summary>
public sealed class SpectralBlurNode : SpectralNode
{
    private const int TimeParameter = 0;
    private const float Silent = 1e-20f;

    private float[][] _magnitudes = [];
    private double[][] _phases = [];
    private double[][] _steps = [];

    public SpectralBlurNode()
    {
    }

    /// <param name="offload">Where the frames run with the option <c>gpu = on</c> (the GPU placement), or null for the CPU alone.</param>
    public SpectralBlurNode(ISpectralOffload? offload)
        : base(offload)
    {
    }

    /// <summary>Each channel's smeared magnitudes (the GPU placement's host copy of the state).</summary>
    internal float[][] Magnitudes => _magnitudes;

    internal double[][] Phases => _phases;

    internal double[][] Steps => _steps;

    public override void ProcessFrame(ShortTimeFourierTransform stft)
    {
        float timeMs = Math.Clamp(Parameters[TimeParameter], 0f, 60_000f);
        float keep = timeMs <= 0f ? 0f : MathF.Exp(-stft.HopFrames / (timeMs * 0.001f * SampleRate));
        for (int c = 0; c < stft.SynthesisRe.Length; c++)
        {
            float[] re = stft.AnalysisRe[c];
            float[] im = stft.AnalysisIm[c];
            float[] outRe = stft.SynthesisRe[c];
            float[] outIm = stft.SynthesisIm[c];
            float[] magnitudes = _magnitudes[c];
            double[] phases = _phases[c];
            double[] steps = _steps[c];
            for (int k = 0; k < stft.Bins; k++)
            {
                float magnitude = MathF.Sqrt((re[k] * re[k]) + (im[k] * im[k]));
                float smeared = (keep * magnitudes[k]) + ((1f - keep) * magnitude);
                magnitudes[k] = smeared < Silent ? 0f : smeared;
                double phase;
                if (magnitude > Silent)
                {
                    phase = Math.Atan2(im[k], re[k]);
                    steps[k] = phase - phases[k];
                }
                else
                {
                    phase = phases[k] + steps[k];
                    phase -= 2 * Math.PI * Math.Round(phase / (2 * Math.PI));
                }

                phases[k] = phase;
                (double sin, double cos) = Math.SinCos(phase);
                outRe[k] = (float)(magnitudes[k] * cos);
                outIm[k] = (float)(magnitudes[k] * sin);
            }
        }
    }

    protected override void PrepareFrames(ShortTimeFourierTransform stft, int channels)
    {
        _magnitudes = Arrays(channels, stft.Bins);
        _phases = [.. Enumerable.Range(0, channels).Select(_ => new double[stft.Bins])];
        _steps = [.. Enumerable.Range(0, channels).Select(_ => new double[stft.Bins])];
    }

    protected override void ResetFrames()
    {
        foreach (float[] magnitudes in _magnitudes)
        {
            Array.Clear(magnitudes);
        }
    }

    protected internal override void ClearFrameState()
    {
        for (int c = 0; c < _magnitudes.Length; c++)
        {
            Array.Clear(_magnitudes[c]);
            Array.Clear(_phases[c]);
            Array.Clear(_steps[c]);
        }
    }
}
