using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

public static partial class BiquadBankKernels
{
    private static void Process512(ref BiquadBankBlock block)
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
        Vector512<float> threshold = Vector512.Create(FlushThreshold);

        // Lanes chunk by chunk; per frame the sample runs through every stage, so the stages' recursions (each a
        // multiply and a subtract through y) are in flight together. Each stage's state stays in registers for the
        // whole block; the spans were validated.
        for (int lane = 0; lane < width; lane += Vector512<float>.Count)
        {
            nuint l = (nuint)lane;
            Vector512<float> z10 = Vector512.LoadUnsafe(ref z1Ref, l);
            Vector512<float> z20 = Vector512.LoadUnsafe(ref z2Ref, l);
            Vector512<float> z11 = stages > 1 ? Vector512.LoadUnsafe(ref z1Ref, l + (nuint)width) : default;
            Vector512<float> z21 = stages > 1 ? Vector512.LoadUnsafe(ref z2Ref, l + (nuint)width) : default;
            Vector512<float> z12 = stages > 2 ? Vector512.LoadUnsafe(ref z1Ref, l + (nuint)(2 * width)) : default;
            Vector512<float> z22 = stages > 2 ? Vector512.LoadUnsafe(ref z2Ref, l + (nuint)(2 * width)) : default;
            Vector512<float> z13 = stages > 3 ? Vector512.LoadUnsafe(ref z1Ref, l + (nuint)(3 * width)) : default;
            Vector512<float> z23 = stages > 3 ? Vector512.LoadUnsafe(ref z2Ref, l + (nuint)(3 * width)) : default;
            for (int f = 0; f < frames; f++)
            {
                nuint at = (nuint)(f * width) + l;
                nuint k = (nuint)(f * stride) + l;
                Vector512<float> x = Vector512.LoadUnsafe(ref signalRef, at);
                x = Step512(x, ref z10, ref z20, ref c, k);
                if (stages > 1)
                {
                    x = Step512(x, ref z11, ref z21, ref c, k + (nuint)stageStride);
                    if (stages > 2)
                    {
                        x = Step512(x, ref z12, ref z22, ref c, k + (nuint)(2 * stageStride));
                        if (stages > 3)
                        {
                            x = Step512(x, ref z13, ref z23, ref c, k + (nuint)(3 * stageStride));
                        }
                    }
                }

                x.StoreUnsafe(ref signalRef, at);
                if (EndsGridStep(block.SampleTime, f))
                {
                    z10 = Flush512(z10, threshold);
                    z20 = Flush512(z20, threshold);
                    z11 = Flush512(z11, threshold);
                    z21 = Flush512(z21, threshold);
                    z12 = Flush512(z12, threshold);
                    z22 = Flush512(z22, threshold);
                    z13 = Flush512(z13, threshold);
                    z23 = Flush512(z23, threshold);
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
    private static Vector512<float> Step512(Vector512<float> x, ref Vector512<float> z1, ref Vector512<float> z2, ref CoefficientRefs c, nuint k)
    {
        Vector512<float> y = (Vector512.LoadUnsafe(ref c.B0, k) * x) + z1;
        z1 = ((Vector512.LoadUnsafe(ref c.B1, k) * x) + z2) - (Vector512.LoadUnsafe(ref c.A1, k) * y);
        z2 = (Vector512.LoadUnsafe(ref c.B2, k) * x) - (Vector512.LoadUnsafe(ref c.A2, k) * y);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Flush512(Vector512<float> z, Vector512<float> threshold) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(z), threshold), Vector512<float>.Zero, z);

    private static void PanSum512(ReadOnlySpan<float> signal, ReadOnlySpan<float> left, ReadOnlySpan<float> right, int panStride, int width, Span<float> outLeft, Span<float> outRight)
    {
        int groups = width / 16;
        ref float signalRef = ref MemoryMarshal.GetReference(signal);
        ref float leftRef = ref MemoryMarshal.GetReference(left);
        ref float rightRef = ref MemoryMarshal.GetReference(right);
        Span<Vector512<float>> l = stackalloc Vector512<float>[4];
        Span<Vector512<float>> r = stackalloc Vector512<float>[4];
        for (int f = 0; f < outLeft.Length; f++)
        {
            for (int g = 0; g < groups; g++)
            {
                nuint at = (nuint)((f * width) + (g * 16));
                nuint p = (nuint)((f * panStride) + (g * 16));
                Vector512<float> x = Vector512.LoadUnsafe(ref signalRef, at);
                l[g] = x * Vector512.LoadUnsafe(ref leftRef, p);
                r[g] = x * Vector512.LoadUnsafe(ref rightRef, p);
            }

            Vector512<float> sl = GroupTree(l, groups);
            Vector512<float> sr = GroupTree(r, groups);
            outLeft[f] = Fold(sl.GetLower() + sl.GetUpper());
            outRight[f] = Fold(sr.GetLower() + sr.GetUpper());
        }
    }

    /// <summary>The balanced tree over groups of <see cref="VoiceBankKernels.SumReference"/>, lane-wise (G = 3 is (g0 + g1) + g2).</summary>
    private static Vector512<float> GroupTree(ReadOnlySpan<Vector512<float>> g, int groups) => groups switch
    {
        1 => g[0],
        2 => g[0] + g[1],
        3 => (g[0] + g[1]) + g[2],
        _ => (g[0] + g[1]) + (g[2] + g[3]),
    };
}
