using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The vector loops of the FFT and of frequency-domain convolution, on split complex data (one span of real parts,
/// one of imaginary parts). Each has a scalar specification (<c>*Reference</c>) and a Vector512 → Vector256 →
/// Vector128 ladder with a scalar tail; the ladders do the same IEEE operations per element in the same order (no
/// fused multiply-add), so they equal their specification bit for bit (self-test "spectrum.*").
/// </summary>
public static class SpectrumKernels
{
    /// <summary>
    /// Radix-2 butterflies of one FFT stage group: t = w·b; b = a − t; a = a + t, element by element.
    /// All spans have the length of <paramref name="wRe"/>.
    /// </summary>
    public static void Butterflies(Span<float> aRe, Span<float> aIm, Span<float> bRe, Span<float> bIm, ReadOnlySpan<float> wRe, ReadOnlySpan<float> wIm)
    {
        int n = wRe.Length;
        if (aRe.Length < n || aIm.Length < n || bRe.Length < n || bIm.Length < n || wIm.Length < n)
        {
            ThrowLength();
        }

        ref float ar = ref MemoryMarshal.GetReference(aRe);
        ref float ai = ref MemoryMarshal.GetReference(aIm);
        ref float br = ref MemoryMarshal.GetReference(bRe);
        ref float bi = ref MemoryMarshal.GetReference(bIm);
        ref float wr = ref MemoryMarshal.GetReference(wRe);
        ref float wi = ref MemoryMarshal.GetReference(wIm);
        nuint i = 0;
        nuint count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector512<float> xr = Vector512.LoadUnsafe(ref br, i);
                Vector512<float> xi = Vector512.LoadUnsafe(ref bi, i);
                Vector512<float> cr = Vector512.LoadUnsafe(ref wr, i);
                Vector512<float> ci = Vector512.LoadUnsafe(ref wi, i);
                Vector512<float> tr = (cr * xr) - (ci * xi);
                Vector512<float> ti = (cr * xi) + (ci * xr);
                Vector512<float> yr = Vector512.LoadUnsafe(ref ar, i);
                Vector512<float> yi = Vector512.LoadUnsafe(ref ai, i);
                (yr - tr).StoreUnsafe(ref br, i);
                (yi - ti).StoreUnsafe(ref bi, i);
                (yr + tr).StoreUnsafe(ref ar, i);
                (yi + ti).StoreUnsafe(ref ai, i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector256<float> xr = Vector256.LoadUnsafe(ref br, i);
                Vector256<float> xi = Vector256.LoadUnsafe(ref bi, i);
                Vector256<float> cr = Vector256.LoadUnsafe(ref wr, i);
                Vector256<float> ci = Vector256.LoadUnsafe(ref wi, i);
                Vector256<float> tr = (cr * xr) - (ci * xi);
                Vector256<float> ti = (cr * xi) + (ci * xr);
                Vector256<float> yr = Vector256.LoadUnsafe(ref ar, i);
                Vector256<float> yi = Vector256.LoadUnsafe(ref ai, i);
                (yr - tr).StoreUnsafe(ref br, i);
                (yi - ti).StoreUnsafe(ref bi, i);
                (yr + tr).StoreUnsafe(ref ar, i);
                (yi + ti).StoreUnsafe(ref ai, i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= count; i += 4)
            {
                Vector128<float> xr = Vector128.LoadUnsafe(ref br, i);
                Vector128<float> xi = Vector128.LoadUnsafe(ref bi, i);
                Vector128<float> cr = Vector128.LoadUnsafe(ref wr, i);
                Vector128<float> ci = Vector128.LoadUnsafe(ref wi, i);
                Vector128<float> tr = (cr * xr) - (ci * xi);
                Vector128<float> ti = (cr * xi) + (ci * xr);
                Vector128<float> yr = Vector128.LoadUnsafe(ref ar, i);
                Vector128<float> yi = Vector128.LoadUnsafe(ref ai, i);
                (yr - tr).StoreUnsafe(ref br, i);
                (yi - ti).StoreUnsafe(ref bi, i);
                (yr + tr).StoreUnsafe(ref ar, i);
                (yi + ti).StoreUnsafe(ref ai, i);
            }
        }

        for (; i < count; i++)
        {
            ButterflyScalar(ref Unsafe.Add(ref ar, i), ref Unsafe.Add(ref ai, i), ref Unsafe.Add(ref br, i), ref Unsafe.Add(ref bi, i), Unsafe.Add(ref wr, i), Unsafe.Add(ref wi, i));
        }
    }

    /// <summary>The specification of <see cref="Butterflies"/>.</summary>
    public static void ButterfliesReference(Span<float> aRe, Span<float> aIm, Span<float> bRe, Span<float> bIm, ReadOnlySpan<float> wRe, ReadOnlySpan<float> wIm)
    {
        for (int i = 0; i < wRe.Length; i++)
        {
            ButterflyScalar(ref aRe[i], ref aIm[i], ref bRe[i], ref bIm[i], wRe[i], wIm[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ButterflyScalar(ref float ar, ref float ai, ref float br, ref float bi, float wr, float wi)
    {
        float xr = br;
        float xi = bi;
        float tr = (wr * xr) - (wi * xi);
        float ti = (wr * xi) + (wi * xr);
        float yr = ar;
        float yi = ai;
        br = yr - tr;
        bi = yi - ti;
        ar = yr + tr;
        ai = yi + ti;
    }

    /// <summary>Complex multiply-accumulate, element by element: acc += x · h. All spans have the length of <paramref name="accRe"/>.</summary>
    public static void MultiplyAccumulate(Span<float> accRe, Span<float> accIm, ReadOnlySpan<float> xRe, ReadOnlySpan<float> xIm, ReadOnlySpan<float> hRe, ReadOnlySpan<float> hIm)
    {
        int n = accRe.Length;
        if (accIm.Length < n || xRe.Length < n || xIm.Length < n || hRe.Length < n || hIm.Length < n)
        {
            ThrowLength();
        }

        ref float or = ref MemoryMarshal.GetReference(accRe);
        ref float oi = ref MemoryMarshal.GetReference(accIm);
        ref float ar = ref MemoryMarshal.GetReference(xRe);
        ref float ai = ref MemoryMarshal.GetReference(xIm);
        ref float cr = ref MemoryMarshal.GetReference(hRe);
        ref float ci = ref MemoryMarshal.GetReference(hIm);
        nuint i = 0;
        nuint count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector512<float> xr = Vector512.LoadUnsafe(ref ar, i);
                Vector512<float> xi = Vector512.LoadUnsafe(ref ai, i);
                Vector512<float> hr = Vector512.LoadUnsafe(ref cr, i);
                Vector512<float> hi = Vector512.LoadUnsafe(ref ci, i);
                (Vector512.LoadUnsafe(ref or, i) + ((xr * hr) - (xi * hi))).StoreUnsafe(ref or, i);
                (Vector512.LoadUnsafe(ref oi, i) + ((xr * hi) + (xi * hr))).StoreUnsafe(ref oi, i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector256<float> xr = Vector256.LoadUnsafe(ref ar, i);
                Vector256<float> xi = Vector256.LoadUnsafe(ref ai, i);
                Vector256<float> hr = Vector256.LoadUnsafe(ref cr, i);
                Vector256<float> hi = Vector256.LoadUnsafe(ref ci, i);
                (Vector256.LoadUnsafe(ref or, i) + ((xr * hr) - (xi * hi))).StoreUnsafe(ref or, i);
                (Vector256.LoadUnsafe(ref oi, i) + ((xr * hi) + (xi * hr))).StoreUnsafe(ref oi, i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= count; i += 4)
            {
                Vector128<float> xr = Vector128.LoadUnsafe(ref ar, i);
                Vector128<float> xi = Vector128.LoadUnsafe(ref ai, i);
                Vector128<float> hr = Vector128.LoadUnsafe(ref cr, i);
                Vector128<float> hi = Vector128.LoadUnsafe(ref ci, i);
                (Vector128.LoadUnsafe(ref or, i) + ((xr * hr) - (xi * hi))).StoreUnsafe(ref or, i);
                (Vector128.LoadUnsafe(ref oi, i) + ((xr * hi) + (xi * hr))).StoreUnsafe(ref oi, i);
            }
        }

        for (; i < count; i++)
        {
            float xr = Unsafe.Add(ref ar, i);
            float xi = Unsafe.Add(ref ai, i);
            float hr = Unsafe.Add(ref cr, i);
            float hi = Unsafe.Add(ref ci, i);
            Unsafe.Add(ref or, i) += (xr * hr) - (xi * hi);
            Unsafe.Add(ref oi, i) += (xr * hi) + (xi * hr);
        }
    }

    /// <summary>The specification of <see cref="MultiplyAccumulate"/>.</summary>
    public static void MultiplyAccumulateReference(Span<float> accRe, Span<float> accIm, ReadOnlySpan<float> xRe, ReadOnlySpan<float> xIm, ReadOnlySpan<float> hRe, ReadOnlySpan<float> hIm)
    {
        for (int i = 0; i < accRe.Length; i++)
        {
            accRe[i] += (xRe[i] * hRe[i]) - (xIm[i] * hIm[i]);
            accIm[i] += (xRe[i] * hIm[i]) + (xIm[i] * hRe[i]);
        }
    }

    /// <summary>
    /// Dot product Σ a[i]·b[i], accumulated in lanes of the widest vector and summed at the end (so it differs
    /// from <see cref="DotReference"/> in summation order: equal to float rounding, not bit for bit).
    /// </summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        if (b.Length < n)
        {
            ThrowLength();
        }

        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        nuint i = 0;
        nuint count = (nuint)n;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && count >= 16)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i + 16 <= count; i += 16)
            {
                acc += Vector512.LoadUnsafe(ref x, i) * Vector512.LoadUnsafe(ref y, i);
            }

            sum += Vector512.Sum(acc);
        }

        if (Vector256.IsHardwareAccelerated && count - i >= 8)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i + 8 <= count; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref x, i) * Vector256.LoadUnsafe(ref y, i);
            }

            sum += Vector256.Sum(acc);
        }

        if (Vector128.IsHardwareAccelerated && count - i >= 4)
        {
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i + 4 <= count; i += 4)
            {
                acc += Vector128.LoadUnsafe(ref x, i) * Vector128.LoadUnsafe(ref y, i);
            }

            sum += Vector128.Sum(acc);
        }

        for (; i < count; i++)
        {
            sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        }

        return sum;
    }

    /// <summary>The specification of <see cref="Dot"/>: one running sum in index order.</summary>
    public static float DotReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static void ThrowLength() => throw new ArgumentException("The spans are shorter than the kernel's length.");
}
