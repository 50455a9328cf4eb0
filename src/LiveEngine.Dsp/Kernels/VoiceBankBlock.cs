namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// One block of a saw → rlpf → gain → pan voice bank in structure-of-arrays form, for <see cref="VoiceBankKernels"/>.
/// Lanes are voices, <see cref="Width"/> of them (a multiple of <see cref="VoiceBankKernels.GroupLanes"/>; padding
/// lanes have zero input, coefficients and level). A per-lane quantity q of frame f is
/// <c>q[f * stride + lane]</c>, with stride 0 for a value fixed over the block and <see cref="Width"/> for a ramp.
/// </summary>
public ref struct VoiceBankBlock
{
    /// <summary>Lanes, a multiple of 16.</summary>
    public int Width;

    /// <summary>Frames in the block.</summary>
    public int Frames;

    /// <summary>Stream position of the first frame: the state is flushed of tiny values after every frame that ends a 64-frame grid step.</summary>
    public long SampleTime;

    /// <summary>The oscillators' output, frame-major: Input[f * Width + lane].</summary>
    public ReadOnlySpan<float> Input;

    /// <summary>SVF integrator states per lane (Simper's ic1eq and ic2eq), float; read and updated.</summary>
    public Span<float> Ic1;

    public Span<float> Ic2;

    /// <summary>SVF coefficients (see <see cref="SvfCoefficients"/>), rounded to float, with <see cref="CoefficientStride"/>.</summary>
    public ReadOnlySpan<float> A1;

    public ReadOnlySpan<float> A2;

    public ReadOnlySpan<float> A3;

    public int CoefficientStride;

    /// <summary>Gain per lane, with <see cref="LevelStride"/>.</summary>
    public ReadOnlySpan<float> Level;

    public int LevelStride;

    /// <summary>Equal-power pan gains per lane, with <see cref="PanStride"/>.</summary>
    public ReadOnlySpan<float> Left;

    public ReadOnlySpan<float> Right;

    public int PanStride;

    /// <summary>The sums over lanes, one sample per frame.</summary>
    public Span<float> OutLeft;

    public Span<float> OutRight;
}
