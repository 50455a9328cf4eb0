using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

public static partial class BiquadBankKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> GroupTree(ReadOnlySpan<Vector512<float>> g, int groups) => groups switch
    {
        1 => g[0],
        2 => g[0] + g[1],
        3 => (g[0] + g[1]) + g[2],
        _ => (g[0] + g[1]) + (g[2] + g[3]),
    };
}
