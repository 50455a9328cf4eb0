namespace LiveEngine.Dsp.Kernels;

/// <summary>Where an <see cref="AdsrEnvelope"/> is.</summary>
public enum AdsrStage
{
    /// <summary>Silent: released to 0, or never opened.</summary>
    Idle,

    /// <summary>Rising linearly to 1.</summary>
    Attack,

    /// <summary>Falling exponentially from 1 to the sustain level.</summary>
    Decay,

    /// <summary>Holding the sustain level while the gate is open.</summary>
    Sustain,

    /// <summary>Falling exponentially to 0 after the gate closed.</summary>
    Release,
}
