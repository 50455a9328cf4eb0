using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Biquad voice banks' inner loops: one transposed direct form II biquad stage across lanes (<c>Process</c>),
/// and equal-power pan plus the sum over lanes (<c>PanSum</c>). Scalar specifications
/// (<see cref="ProcessReference"/>, <see cref="PanSumReference"/>) and Vector512/256/128 tiers that match them bit
/// for bit.
/// </summary>
/// <remarks>
/// Design: as <see cref="VoiceBankKernels"/>, the vectors run across voices (the recursion forbids time), every lane
/// does the same float operations in every tier (no fused multiply-add), and the lane sum has the order
/// <see cref="VoiceBankKernels.SumReference"/> specifies. A bank runs its stages one after another over the whole
/// block, in place, so a chain of 16 biquads costs 16 passes over a block that stays in L1.
/// <para>
/// Float precision: the node runs in double because a low cutoff at a high sample rate puts the poles within 1e-4 of
/// z = 1 (see <see cref="BiquadCoefficients"/>); the banked stage rounds coefficients and state to float, which moves
/// such poles measurably. Tests bound banked against unbanked over the cutoffs the standard workloads use
/// (docs/performance.md); a performer who needs a 10 Hz biquad at 192 kHz exact opts the node out (<c>bank = off</c>).
/// </para>
/// </remarks>
public static partial class BiquadBankKernels
{
    /// <summary>Stages in series per call at most: 4 independent recursions in flight hide each one's latency.</summary>
    public const int MaxStages = 4;

    private const float FlushThreshold = VoiceBankKernels.FlushThreshold;

    /// <summary>Runs one stage with the widest accelerated tier.</summary>
    public static void Process(ref BiquadBankBlock block) => Process(ref block, VoiceBankKernels.BestVectorBits);

    /// <summary>Runs one stage with the tier of <paramref name="vectorBits"/> (512, 256, 128; anything else: the specification).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Process(ref BiquadBankBlock block, int vectorBits)
    {
        Validate(in block);
        switch (vectorBits)
        {
            case 512 when Vector512.IsHardwareAccelerated:
                ProcessLanes<Lanes512>(ref block);
                break;
            case 256 when Vector256.IsHardwareAccelerated:
                ProcessLanes<Lanes256>(ref block);
                break;
            case 128 when Vector128.IsHardwareAccelerated:
                ProcessLanes<Lanes128>(ref block);
                break;
            default:
                ProcessReference(ref block);
                break;
        }
    }

    /// <summary>
    /// The scalar specification: each stage in turn over the block, y = b0 x + z1; z1 = (b1 x + z2) - a1 y;
    /// z2 = b2 x - a2 y (ordered so that the recursion through y is one multiply and one subtract), every state
    /// flushed of tiny values after each frame that ends a 64-frame grid step.
    /// </summary>
    public static void ProcessReference(ref BiquadBankBlock block)
    {
        Validate(in block);
        int width = block.Width;
        for (int s = 0; s < block.Stages; s++)
        {
            for (int f = 0; f < block.Frames; f++)
            {
                int c = (s * block.StageStride) + (f * block.CoefficientStride);
                for (int lane = 0; lane < width; lane++)
                {
                    int z = (s * width) + lane;
                    float x = block.Signal[(f * width) + lane];
                    float y = (block.B0[c + lane] * x) + block.Z1[z];
                    block.Z1[z] = ((block.B1[c + lane] * x) + block.Z2[z]) - (block.A1[c + lane] * y);
                    block.Z2[z] = (block.B2[c + lane] * x) - (block.A2[c + lane] * y);
                    block.Signal[(f * width) + lane] = y;
                }

                if (EndsGridStep(block.SampleTime, f))
                {
                    for (int lane = 0; lane < width; lane++)
                    {
                        int z = (s * width) + lane;
                        block.Z1[z] = Math.Abs(block.Z1[z]) < FlushThreshold ? 0f : block.Z1[z];
                        block.Z2[z] = Math.Abs(block.Z2[z]) < FlushThreshold ? 0f : block.Z2[z];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Equal-power pan and sum over lanes with the widest accelerated tier: outLeft[f] = Σ signal[f, lane] × left[lane]
    /// (likewise right), in <see cref="VoiceBankKernels.SumReference"/>'s order; gains with <paramref name="panStride"/>.
    /// </summary>
    public static void PanSum(ReadOnlySpan<float> signal, ReadOnlySpan<float> left, ReadOnlySpan<float> right, int panStride, int width, Span<float> outLeft, Span<float> outRight) =>
        PanSum(signal, left, right, panStride, width, outLeft, outRight, VoiceBankKernels.BestVectorBits);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PanSum(ReadOnlySpan<float> signal, ReadOnlySpan<float> left, ReadOnlySpan<float> right, int panStride, int width, Span<float> outLeft, Span<float> outRight, int vectorBits)
    {
        ValidatePanSum(signal, left, right, panStride, width, outLeft, outRight);
        switch (vectorBits)
        {
            case 512 when Vector512.IsHardwareAccelerated:
                PanSum512(signal, left, right, panStride, width, outLeft, outRight);
                break;
            case 256 when Vector256.IsHardwareAccelerated:
                PanSum256(signal, left, right, panStride, width, outLeft, outRight);
                break;
            case 128 when Vector128.IsHardwareAccelerated:
                PanSum128(signal, left, right, panStride, width, outLeft, outRight);
                break;
            default:
                PanSumReference(signal, left, right, panStride, width, outLeft, outRight);
                break;
        }
    }

    /// <summary>The scalar specification of <see cref="PanSum(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>.</summary>
    public static void PanSumReference(ReadOnlySpan<float> signal, ReadOnlySpan<float> left, ReadOnlySpan<float> right, int panStride, int width, Span<float> outLeft, Span<float> outRight)
    {
        ValidatePanSum(signal, left, right, panStride, width, outLeft, outRight);
        Span<float> l = stackalloc float[VoiceBankKernels.MaxWidth];
        Span<float> r = stackalloc float[VoiceBankKernels.MaxWidth];
        Span<float> fold = stackalloc float[VoiceBankKernels.GroupLanes];
        for (int f = 0; f < outLeft.Length; f++)
        {
            int p = f * panStride;
            for (int lane = 0; lane < width; lane++)
            {
                float x = signal[(f * width) + lane];
                l[lane] = x * left[p + lane];
                r[lane] = x * right[p + lane];
            }

            outLeft[f] = VoiceBankKernels.SumReference(l[..width], fold);
            outRight[f] = VoiceBankKernels.SumReference(r[..width], fold);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool EndsGridStep(long sampleTime, int frame) => ((sampleTime + frame + 1) & (DenormalGrid.Frames - 1)) == 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Validate(in BiquadBankBlock block)
    {
        int width = block.Width;
        if (width < VoiceBankKernels.GroupLanes || width > VoiceBankKernels.MaxWidth || width % VoiceBankKernels.GroupLanes != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(block), width, "A bank's width is 16, 32, 48 or 64 lanes.");
        }

        if (block.CoefficientStride != 0 && block.CoefficientStride != width)
        {
            throw new ArgumentOutOfRangeException(nameof(block), block.CoefficientStride, "The coefficient stride is 0 or the width.");
        }

        int rows = block.CoefficientStride == 0 ? 1 : block.Frames;
        int stages = block.Stages;
        int coefficients = ((stages - 1) * block.StageStride) + (rows * width);
        if (stages < 1 || stages > MaxStages)
        {
            throw new ArgumentOutOfRangeException(nameof(block), stages, $"A biquad bank block has 1 to {MaxStages} stages.");
        }

        if (block.Frames < 1
            || block.StageStride < rows * width
            || block.Signal.Length < block.Frames * width
            || block.Z1.Length < stages * width
            || block.Z2.Length < stages * width
            || block.B0.Length < coefficients
            || block.B1.Length < coefficients
            || block.B2.Length < coefficients
            || block.A1.Length < coefficients
            || block.A2.Length < coefficients)
        {
            throw new ArgumentException("A biquad bank block's spans are shorter than its width and frames require.", nameof(block));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ValidatePanSum(ReadOnlySpan<float> signal, ReadOnlySpan<float> left, ReadOnlySpan<float> right, int panStride, int width, Span<float> outLeft, Span<float> outRight)
    {
        if (width < VoiceBankKernels.GroupLanes || width > VoiceBankKernels.MaxWidth || width % VoiceBankKernels.GroupLanes != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "A bank's width is 16, 32, 48 or 64 lanes.");
        }

        if (panStride != 0 && panStride != width)
        {
            throw new ArgumentOutOfRangeException(nameof(panStride), panStride, "The pan stride is 0 or the width.");
        }

        int frames = outLeft.Length;
        int rows = panStride == 0 ? 1 : frames;
        if (outRight.Length != frames || signal.Length < frames * width || left.Length < rows * width || right.Length < rows * width)
        {
            throw new ArgumentException("The pan-sum spans are shorter than the width and frames require.");
        }
    }

    /// <summary>The coefficient spans' first elements, so that the tiers' per-frame step takes one argument for them.</summary>
    private ref struct CoefficientRefs
    {
        public ref float B0;
        public ref float B1;
        public ref float B2;
        public ref float A1;
        public ref float A2;

        public CoefficientRefs(in BiquadBankBlock block)
        {
            B0 = ref MemoryMarshal.GetReference(block.B0);
            B1 = ref MemoryMarshal.GetReference(block.B1);
            B2 = ref MemoryMarshal.GetReference(block.B2);
            A1 = ref MemoryMarshal.GetReference(block.A1);
            A2 = ref MemoryMarshal.GetReference(block.A2);
        }
    }
}
