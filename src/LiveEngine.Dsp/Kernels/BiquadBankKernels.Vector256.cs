using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

public static partial class BiquadBankKernels
{
    private static void Process256(ref BiquadBankBlock block)
    {
        int width = block.Width;
        int frames = block.Frames;
        int stages = block.Stages;
        int stride = block.CoefficientStride;
        int stageStride = block.StageStride;
        ref float signalRef = ref MemoryMarshal.GetReference(block.Signal);
        ref float z1Ref = ref MemoryMarshal.GetReference(block.Z1);
        ref float z2Ref = ref MemoryMarshal.GetReference(block.Z2);
        var c = new CoefficientRefs(in block);
        Vector256<float> threshold = Vector256.Create(FlushThreshold);

        // Lanes chunk by chunk; per frame the sample runs through every stage, so the stages' recursions (each a
        // multiply and a subtract through y) are in flight together. Each stage's state stays in registers for the
        // whole block; the spans were validated.
        for (int lane = 0; lane < width; lane += Vector256<float>.Count)
        {
            nuint l = (nuint)lane;
            Vector256<float> z10 = Vector256.LoadUnsafe(ref z1Ref, l);
            Vector256<float> z20 = Vector256.LoadUnsafe(ref z2Ref, l);
            Vector256<float> z11 = stages > 1 ? Vector256.LoadUnsafe(ref z1Ref, l + (nuint)width) : default;
            Vector256<float> z21 = stages > 1 ? Vector256.LoadUnsafe(ref z2Ref, l + (nuint)width) : default;
            Vector256<float> z12 = stages > 2 ? Vector256.LoadUnsafe(ref z1Ref, l + (nuint)(2 * width)) : default;
            Vector256<float> z22 = stages > 2 ? Vector256.LoadUnsafe(ref z2Ref, l + (nuint)(2 * width)) : default;
            Vector256<float> z13 = stages > 3 ? Vector256.LoadUnsafe(ref z1Ref, l + (nuint)(3 * width)) : default;
            Vector256<float> z23 = stages > 3 ? Vector256.LoadUnsafe(ref z2Ref, l + (nuint)(3 * width)) : default;
            for (int f = 0; f < frames; f++)
            {
                nuint at = (nuint)(f * width) + l;
                nuint k = (nuint)(f * stride) + l;
                Vector256<float> x = Vector256.LoadUnsafe(ref signalRef, at);
                x = Step256(x, ref z10, ref z20, ref c, k);
                if (stages > 1)
                {
                    x = Step256(x, ref z11, ref z21, ref c, k + (nuint)stageStride);
                    if (stages > 2)
                    {
                        x = Step256(x, ref z12, ref z22, ref c, k + (nuint)(2 * stageStride));
                        if (stages > 3)
                        {
                            x = Step256(x, ref z13, ref z23, ref c, k + (nuint)(3 * stageStride));
                        }
                    }
                }

                x.StoreUnsafe(ref signalRef, at);
                if (EndsGridStep(block.SampleTime, f))
                {
                    z10 = Flush256(z10, threshold);
                    z20 = Flush256(z20, threshold);
                    z11 = Flush256(z11, threshold);
                    z21 = Flush256(z21, threshold);
                    z12 = Flush256(z12, threshold);
                    z22 = Flush256(z22, threshold);
                    z13 = Flush256(z13, threshold);
                    z23 = Flush256(z23, threshold);
                }
            }

            z10.StoreUnsafe(ref z1Ref, l);
            z20.StoreUnsafe(ref z2Ref, l);
            if (stages > 1)
            {
                z11.StoreUnsafe(ref z1Ref, l + (nuint)width);
                z21.StoreUnsafe(ref z2Ref, l + (nuint)width);
            }

            if (stages > 2)
            {
                z12.StoreUnsafe(ref z1Ref, l + (nuint)(2 * width));
                z22.StoreUnsafe(ref z2Ref, l + (nuint)(2 * width));
            }

            if (stages > 3)
            {
                z13.StoreUnsafe(ref z1Ref, l + (nuint)(3 * width));
                z23.StoreUnsafe(ref z2Ref, l + (nuint)(3 * width));
            }
        }
    }

    /// <summary>One stage, one frame, as <see cref="ProcessReference"/>: the same float operations lane-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Step256(Vector256<float> x, ref Vector256<float> z1, ref Vector256<float> z2, ref CoefficientRefs c, nuint k)
    {
        Vector256<float> y = (Vector256.LoadUnsafe(ref c.B0, k) * x) + z1;
        z1 = ((Vector256.LoadUnsafe(ref c.B1, k) * x) + z2) - (Vector256.LoadUnsafe(ref c.A1, k) * y);
        z2 = (Vector256.LoadUnsafe(ref c.B2, k) * x) - (Vector256.LoadUnsafe(ref c.A2, k) * y);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Flush256(Vector256<float> z, Vector256<float> threshold) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(z), threshold), Vector256<float>.Zero, z);

    private static void PanSum256(ReadOnlySpan<float> signal, ReadOnlySpan<float> left, ReadOnlySpan<float> right, int panStride, int width, Span<float> outLeft, Span<float> outRight)
    {
        int groups = width / 16;
        ref float signalRef = ref MemoryMarshal.GetReference(signal);
        ref float leftRef = ref MemoryMarshal.GetReference(left);
        ref float rightRef = ref MemoryMarshal.GetReference(right);
        Span<Vector256<float>> l = stackalloc Vector256<float>[8];
        Span<Vector256<float>> r = stackalloc Vector256<float>[8];
        for (int f = 0; f < outLeft.Length; f++)
        {
            for (int g = 0; g < groups; g++)
            {
                nuint at = (nuint)((f * width) + (g * 16));
                nuint p = (nuint)((f * panStride) + (g * 16));
                Vector256<float> x0 = Vector256.LoadUnsafe(ref signalRef, at);
                Vector256<float> x1 = Vector256.LoadUnsafe(ref signalRef, at + 8);
                l[2 * g] = x0 * Vector256.LoadUnsafe(ref leftRef, p);
                l[(2 * g) + 1] = x1 * Vector256.LoadUnsafe(ref leftRef, p + 8);
                r[2 * g] = x0 * Vector256.LoadUnsafe(ref rightRef, p);
                r[(2 * g) + 1] = x1 * Vector256.LoadUnsafe(ref rightRef, p + 8);
            }

            outLeft[f] = Fold(GroupTree(l, groups, 0) + GroupTree(l, groups, 1));
            outRight[f] = Fold(GroupTree(r, groups, 0) + GroupTree(r, groups, 1));
        }
    }

    /// <summary>The balanced tree over groups of <see cref="VoiceBankKernels.SumReference"/>, lane-wise, of part <paramref name="part"/> of each group.</summary>
    private static Vector256<float> GroupTree(ReadOnlySpan<Vector256<float>> v, int groups, int part) => groups switch
    {
        1 => v[part],
        2 => v[part] + v[2 + part],
        3 => (v[part] + v[2 + part]) + v[4 + part],
        _ => (v[part] + v[2 + part]) + (v[4 + part] + v[6 + part]),
    };

    private static float Fold(Vector256<float> eight)
    {
        Vector128<float> four = eight.GetLower() + eight.GetUpper();
        return (four[0] + four[2]) + (four[1] + four[3]);
    }
}
