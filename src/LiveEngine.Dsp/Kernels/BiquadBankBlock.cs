namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// 1 to <see cref="BiquadBankKernels.MaxStages"/> biquad stages in series of a voice bank over one block, in
/// structure-of-arrays form, for <see cref="BiquadBankKernels"/>. Lanes are voices, <see cref="Width"/> of them (a
/// multiple of <see cref="VoiceBankKernels.GroupLanes"/>; padding lanes have zero signal, state and coefficients).
/// Stage s's state of a lane is <c>Z1[s * Width + lane]</c>; its coefficient of frame f is
/// <c>B0[s * StageStride + f * CoefficientStride + lane]</c>, with coefficient stride 0 for a value fixed over the
/// block and <see cref="Width"/> for a ramp.
/// </summary>
public ref struct BiquadBankBlock
{
    /// <summary>Lanes, a multiple of 16, at most <see cref="VoiceBankKernels.MaxWidth"/>.</summary>
    public int Width;

    /// <summary>Frames in the block.</summary>
    public int Frames;

    /// <summary>Stream position of the first frame: the state is flushed of tiny values after every frame that ends a 64-frame grid step.</summary>
    public long SampleTime;

    /// <summary>Stages in series, 1 to <see cref="BiquadBankKernels.MaxStages"/>.</summary>
    public int Stages;

    /// <summary>The first stage's input, frame-major (Signal[f * Width + lane]), replaced by the last stage's output.</summary>
    public Span<float> Signal;

    /// <summary>Transposed direct form II states per lane, float; read and updated.</summary>
    public Span<float> Z1;

    public Span<float> Z2;

    /// <summary>Normalised coefficients (a0 = 1, see <see cref="BiquadCoefficients"/>) rounded to float, with <see cref="CoefficientStride"/>.</summary>
    public ReadOnlySpan<float> B0;

    public ReadOnlySpan<float> B1;

    public ReadOnlySpan<float> B2;

    public ReadOnlySpan<float> A1;

    public ReadOnlySpan<float> A2;

    public int CoefficientStride;

    /// <summary>Floats between one stage's coefficients and the next's: at least Width, or Frames × Width for a ramp.</summary>
    public int StageStride;
}
