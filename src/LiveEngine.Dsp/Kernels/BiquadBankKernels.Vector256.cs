using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

public static partial class BiquadBankKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GroupTree(ReadOnlySpan<Vector256<float>> v, int groups, int part) => groups switch
    {
        1 => v[part],
        2 => v[part] + v[2 + part],
        3 => (v[part] + v[2 + part]) + v[4 + part],
        _ => (v[part] + v[2 + part]) + (v[4 + part] + v[6 + part]),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector256<float> eight)
    {
        Vector128<float> four = eight.GetLower() + eight.GetUpper();
        return (four[0] + four[2]) + (four[1] + four[3]);
    }
}
