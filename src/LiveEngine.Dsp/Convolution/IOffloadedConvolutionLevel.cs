namespace LiveEngine.Dsp.Convolution;

/// <summary>
/// One convolution level placed on an <see cref="IConvolutionOffload"/>. The level submits each period's new input
/// spectra at the period's start and collects the sums at its end; when the offload has not computed them (no launch
/// ran in between, the accelerator failed or was late, the level was released) the level computes them itself.
/// </summary>
public interface IOffloadedConvolutionLevel
{
    /// <summary>
    /// Render thread, at a period's start: whether to submit this period. False when the offload failed, the level was
    /// released, or no launch opportunity (a deferred block) came since the last period's start (live-domain blocks):
    /// the level then spreads its own work over the period as unplaced, instead of doing it all at the period's end.
    /// </summary>
    bool Accepting { get; }

    /// <summary>Render thread: slot <paramref name="slot"/> of the level's delay lines holds this period's input spectra.</summary>
    void Submit(int slot);

    /// <summary>
    /// Render thread: adds the sums of the last submitted period, path by path, into <paramref name="sumRe"/>/<paramref name="sumIm"/>
    /// (per output) and returns true; or returns false and changes nothing when the offload did not compute them.
    /// </summary>
    bool TryCollect(float[][] sumRe, float[][] sumIm);

    /// <summary>The level's delay lines changed other than by a submission (a reset, a state taken over): the offload's copy must be refreshed whole.</summary>
    void DelayLinesChanged();

    /// <summary>Control thread: the level no longer uses the offload (its node was replaced); collects return false from now on.</summary>
    void Release();
}
