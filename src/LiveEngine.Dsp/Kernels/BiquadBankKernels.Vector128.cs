using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

public static partial class BiquadBankKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PanSum128(ReadOnlySpan<float> signal, ReadOnlySpan<float> left, ReadOnlySpan<float> right, int panStride, int width, Span<float> outLeft, Span<float> outRight)
    {
        int groups = width / 16;
        ref float signalRef = ref MemoryMarshal.GetReference(signal);
        ref float leftRef = ref MemoryMarshal.GetReference(left);
        ref float rightRef = ref MemoryMarshal.GetReference(right);
        Span<Vector128<float>> l = stackalloc Vector128<float>[16];
        Span<Vector128<float>> r = stackalloc Vector128<float>[16];
        for (int f = 0; f < outLeft.Length; f++)
        {
            for (int g = 0; g < groups; g++)
            {
                for (int q = 0; q < 4; q++)
                {
                    nuint at = (nuint)((f * width) + (g * 16) + (q * 4));
                    nuint p = (nuint)((f * panStride) + (g * 16) + (q * 4));
                    Vector128<float> x = Vector128.LoadUnsafe(ref signalRef, at);
                    l[(4 * g) + q] = x * Vector128.LoadUnsafe(ref leftRef, p);
                    r[(4 * g) + q] = x * Vector128.LoadUnsafe(ref rightRef, p);
                }
            }

            outLeft[f] = Fold((GroupTree(l, groups, 0) + GroupTree(l, groups, 2)) + (GroupTree(l, groups, 1) + GroupTree(l, groups, 3)));
            outRight[f] = Fold((GroupTree(r, groups, 0) + GroupTree(r, groups, 2)) + (GroupTree(r, groups, 1) + GroupTree(r, groups, 3)));
        }
    }

    /// <summary>The balanced tree over groups of <see cref="VoiceBankKernels.SumReference"/>, lane-wise, of part <paramref name="part"/> of each group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> GroupTree(ReadOnlySpan<Vector128<float>> v, int groups, int part) => groups switch
    {
        1 => v[part],
        2 => v[part] + v[4 + part],
        3 => (v[part] + v[4 + part]) + v[8 + part],
        _ => (v[part] + v[4 + part]) + (v[8 + part] + v[12 + part]),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector128<float> four) => (four[0] + four[2]) + (four[1] + four[3]);
}
