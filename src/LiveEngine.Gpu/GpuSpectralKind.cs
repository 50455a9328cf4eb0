namespace LiveEngine.Gpu;

/// <summary>The spectral node a <see cref="GpuSpectralFrames"/> computes.</summary>
public enum GpuSpectralKind
{
    /// <summary>"spectralgate": bins below the threshold silenced.</summary>
    Gate,

    /// <summary>"freeze": the spectrum caught when the gate opened, held with each bin's phase advancing by its measured step.</summary>
    Freeze,

    /// <summary>"blur": each bin's magnitude through a one-pole average, the phase kept turning while the bin is silent.</summary>
    Blur,

    /// <summary>"vocoder": each carrier bin scaled by its band's sqrt(modulator energy / carrier energy), 32 log-spaced bands.</summary>
    Vocoder,
}
