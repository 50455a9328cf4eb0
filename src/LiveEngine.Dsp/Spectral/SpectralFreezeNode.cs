namespace LiveEngine.Dsp.Spectral;

/// <summary>
/// "freeze": while the freeze gate is open, repeats the spectrum captured when it opened: each bin keeps its magnitude
/// and advances its phase by the step it had between the last two frames (its measured frequency), so a frozen sine
/// goes on as the same sine. With the gate closed the input passes, delayed by one frame.
/// </summary>
public sealed class SpectralFreezeNode : SpectralNode
{
    private const int FreezeParameter = 0;

    private float[][] _magnitudes = [];
    private double[][] _phases = [];
    private double[][] _steps = [];
    private double[][] _previousPhases = [];
    private bool _frozen;

    public SpectralFreezeNode()
    {
    }

    /// <param name="offload">Where the frames run with the option <c>gpu = on</c> (the GPU placement), or null for the CPU alone.</param>
    public SpectralFreezeNode(ISpectralOffload? offload)
        : base(offload)
    {
    }

    /// <summary>Each channel's held magnitudes (the GPU placement's host copy of the state).</summary>
    internal float[][] Magnitudes => _magnitudes;

    internal double[][] Phases => _phases;

    internal double[][] Steps => _steps;

    internal double[][] PreviousPhases => _previousPhases;

    /// <summary>Whether the last frame was frozen (the next frozen one captures when it was not).</summary>
    internal bool Frozen
    {
        get => _frozen;
        set => _frozen = value;
    }

    public override void ProcessFrame(ShortTimeFourierTransform stft)
    {
        bool freeze = Parameters[FreezeParameter] > 0.5f;
        bool capture = freeze && !_frozen;
        for (int c = 0; c < stft.SynthesisRe.Length; c++)
        {
            float[] re = stft.AnalysisRe[c];
            float[] im = stft.AnalysisIm[c];
            float[] outRe = stft.SynthesisRe[c];
            float[] outIm = stft.SynthesisIm[c];
            float[] magnitudes = _magnitudes[c];
            double[] phases = _phases[c];
            double[] steps = _steps[c];
            double[] previous = _previousPhases[c];
            for (int k = 0; k < stft.Bins; k++)
            {
                double phase = Math.Atan2(im[k], re[k]);
                if (capture)
                {
                    magnitudes[k] = MathF.Sqrt((re[k] * re[k]) + (im[k] * im[k]));
                    steps[k] = phase - previous[k];
                    phases[k] = phase;
                }

                if (freeze)
                {
                    double next = phases[k] + steps[k];
                    next -= 2 * Math.PI * Math.Round(next / (2 * Math.PI));
                    phases[k] = next;
                    (double sin, double cos) = Math.SinCos(next);
                    outRe[k] = (float)(magnitudes[k] * cos);
                    outIm[k] = (float)(magnitudes[k] * sin);
                }
                else
                {
                    outRe[k] = re[k];
                    outIm[k] = im[k];
                }

                previous[k] = phase;
            }
        }

        _frozen = freeze;
    }

    protected override void PrepareFrames(ShortTimeFourierTransform stft, int channels)
    {
        _magnitudes = Arrays(channels, stft.Bins);
        _phases = [.. Enumerable.Range(0, channels).Select(_ => new double[stft.Bins])];
        _steps = [.. Enumerable.Range(0, channels).Select(_ => new double[stft.Bins])];
        _previousPhases = [.. Enumerable.Range(0, channels).Select(_ => new double[stft.Bins])];
        _frozen = false;
    }

    protected override void ResetFrames() => _frozen = false;

    protected internal override void ClearFrameState()
    {
        for (int c = 0; c < _magnitudes.Length; c++)
        {
            Array.Clear(_magnitudes[c]);
            Array.Clear(_phases[c]);
            Array.Clear(_steps[c]);
            Array.Clear(_previousPhases[c]);
        }

        _frozen = false;
    }
}
