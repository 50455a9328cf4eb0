namespace LiveEngine.Gpu;

/// <summary>The spectral node a <see cref="GpuSpectralFrames"/> computes.</summary>
public enum GpuSpectralKind
{
    /// <summary>"spectralgate": bins below the threshold silenced.</summary>
    Gate,

    /// <summary>"freeze": the spectrum caught when the gate opened, held with each bin's phase advancing by its measured step.</summary>
    Freeze,
}
