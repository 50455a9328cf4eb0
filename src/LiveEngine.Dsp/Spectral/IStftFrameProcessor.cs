namespace LiveEngine.Dsp.Spectral;

/// <summary>What a spectral node does with one STFT frame: reads the analysed spectra, writes the ones to synthesise.</summary>
public interface IStftFrameProcessor
{
    /// <summary>
    /// Called once per hop on the audio path (allocation-free): <see cref="ShortTimeFourierTransform.AnalysisRe"/> and
    /// <see cref="ShortTimeFourierTransform.AnalysisIm"/> hold each analysed channel's spectrum (full-scale sine of bin k
    /// → magnitude <see cref="ShortTimeFourierTransform.FullScale"/>); fill <see cref="ShortTimeFourierTransform.SynthesisRe"/>
    /// and <see cref="ShortTimeFourierTransform.SynthesisIm"/> for each output channel.
    /// </summary>
    void ProcessFrame(ShortTimeFourierTransform stft);
}
