using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Maps a 32-bit phase (one period = 2^32) to a waveform value, in a scalar form (the specification) and
/// vector forms that must give the same bits in every lane. The argument is a shape-specific
/// constant such as a pulse width threshold; shapes that need none ignore it.
/// </summary>
public interface IPhaseShaper
{
    static abstract float Invoke(uint phase, uint argument);

    static abstract Vector128<float> Invoke(Vector128<uint> phase, Vector128<uint> argument);

    static abstract Vector256<float> Invoke(Vector256<uint> phase, Vector256<uint> argument);

    static abstract Vector512<float> Invoke(Vector512<uint> phase, Vector512<uint> argument);
}
