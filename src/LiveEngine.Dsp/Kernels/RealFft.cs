using System.Numerics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// A real FFT of a fixed power-of-two size M (at least 16), allocation-free once constructed. The M real samples
/// are packed as M/2 complex ones (even samples real, odd imaginary), transformed by an iterative radix-2
/// decimation-in-time FFT on split arrays, and separated into the M/2 + 1 bins of the real spectrum
/// (Sorensen et al., "Real-valued fast Fourier transform algorithms", IEEE ASSP 1987). Each stage's twiddles are
/// contiguous, so a stage of half-size h ≥ 4 is h-wide vector butterflies (<see cref="SpectrumKernels.Butterflies"/>).
/// </summary>
/// <remarks>
/// Spectra are split: <c>re</c> and <c>im</c> of <see cref="Bins"/> floats each. <see cref="Inverse"/> is unscaled:
/// it returns M × the input of <see cref="Forward"/>, so callers fold 1/M into whatever they multiply the spectrum by.
/// Both directions are also offered as <see cref="StepCount"/> steps run in order (<see cref="ForwardStep"/>,
/// <see cref="InverseStep"/>): a convolution spreads a large transform over several audio blocks that way.
/// Thread-safety: the tables are read-only after construction; one instance may serve several threads.
/// </remarks>
public sealed class RealFft
{
    private readonly int _half;
    private readonly int _stages;
    private readonly int[] _bitReverse;

    // Stage with half-size h (1, 2, 4, ... _half/2) uses _twiddleRe/Im[h .. 2h): exp(-2πi j / 2h), j < h.
    private readonly float[] _twiddleRe;
    private readonly float[] _twiddleIm;

    // Separation twiddles exp(-2πi k / M), k ≤ M/2.
    private readonly float[] _splitRe;
    private readonly float[] _splitIm;

    public RealFft(int size)
    {
        if (size < 16 || !BitOperations.IsPow2(size))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The FFT size must be a power of two of at least 16.");
        }

        Size = size;
        _half = size / 2;
        _stages = BitOperations.Log2((uint)_half);
        _bitReverse = new int[_half];
        for (int i = 0; i < _half; i++)
        {
            _bitReverse[i] = (int)(ReverseBits((uint)i) >> (32 - _stages));
        }

        _twiddleRe = new float[_half];
        _twiddleIm = new float[_half];
        for (int h = 1; h < _half; h <<= 1)
        {
            for (int j = 0; j < h; j++)
            {
                double angle = -Math.PI * j / h;
                _twiddleRe[h + j] = (float)Math.Cos(angle);
                _twiddleIm[h + j] = (float)Math.Sin(angle);
            }
        }

        _splitRe = new float[_half + 1];
        _splitIm = new float[_half + 1];
        for (int k = 0; k <= _half; k++)
        {
            double angle = -2 * Math.PI * k / size;
            _splitRe[k] = (float)Math.Cos(angle);
            _splitIm[k] = (float)Math.Sin(angle);
        }
    }

    /// <summary>M, the number of real samples.</summary>
    public int Size { get; }

    /// <summary>M/2 + 1: the bins of the spectrum, DC to Nyquist.</summary>
    public int Bins => _half + 1;

    /// <summary>The steps of one direction: pack, log2(M/2) butterfly stages, separate.</summary>
    public int StepCount => _stages + 2;

    /// <summary>The spectrum of <paramref name="input"/> (M samples) into <paramref name="re"/>, <paramref name="im"/> (Bins each).</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> re, Span<float> im)
    {
        for (int step = 0; step < StepCount; step++)
        {
            ForwardStep(step, input, re, im);
        }
    }

    /// <summary>M × the signal whose spectrum is <paramref name="re"/>, <paramref name="im"/> (overwritten) into <paramref name="output"/>.</summary>
    public void Inverse(Span<float> re, Span<float> im, Span<float> output)
    {
        for (int step = 0; step < StepCount; step++)
        {
            InverseStep(step, re, im, output);
        }
    }

    /// <summary>Step <paramref name="step"/> of <see cref="Forward"/>; steps must run in order 0 .. StepCount − 1 on the same spans.</summary>
    public void ForwardStep(int step, ReadOnlySpan<float> input, Span<float> re, Span<float> im)
    {
        CheckSpectrum(re, im);
        if (step == 0)
        {
            if (input.Length < Size)
            {
                throw new ArgumentException("The input is shorter than the FFT size.", nameof(input));
            }

            int[] reverse = _bitReverse;
            for (int n = 0; n < _half; n++)
            {
                int to = reverse[n];
                re[to] = input[2 * n];
                im[to] = input[(2 * n) + 1];
            }
        }
        else if (step <= _stages)
        {
            Stage(1 << (step - 1), re, im);
        }
        else
        {
            Separate(re, im);
        }
    }

    /// <summary>Step <paramref name="step"/> of <see cref="Inverse"/>; steps must run in order 0 .. StepCount − 1 on the same spans.</summary>
    public void InverseStep(int step, Span<float> re, Span<float> im, Span<float> output)
    {
        CheckSpectrum(re, im);
        if (step == 0)
        {
            Combine(re, im);
            int[] reverse = _bitReverse;
            for (int n = 0; n < _half; n++)
            {
                int to = reverse[n];
                if (to > n)
                {
                    (re[n], re[to]) = (re[to], re[n]);
                    (im[n], im[to]) = (im[to], im[n]);
                }
            }
        }
        else if (step <= _stages)
        {
            // The inverse transform is the forward one with real and imaginary parts exchanged on the way in and out.
            Stage(1 << (step - 1), im, re);
        }
        else
        {
            if (output.Length < Size)
            {
                throw new ArgumentException("The output is shorter than the FFT size.", nameof(output));
            }

            for (int n = 0; n < _half; n++)
            {
                output[2 * n] = re[n];
                output[(2 * n) + 1] = im[n];
            }
        }
    }

    private void Stage(int h, Span<float> re, Span<float> im)
    {
        int n = _half;
        if (h == 1)
        {
            for (int s = 0; s < n; s += 2)
            {
                float ar = re[s];
                float ai = im[s];
                float br = re[s + 1];
                float bi = im[s + 1];
                re[s] = ar + br;
                im[s] = ai + bi;
                re[s + 1] = ar - br;
                im[s + 1] = ai - bi;
            }

            return;
        }

        ReadOnlySpan<float> wr = _twiddleRe.AsSpan(h, h);
        ReadOnlySpan<float> wi = _twiddleIm.AsSpan(h, h);
        for (int s = 0; s < n; s += 2 * h)
        {
            SpectrumKernels.Butterflies(re.Slice(s, h), im.Slice(s, h), re.Slice(s + h, h), im.Slice(s + h, h), wr, wi);
        }
    }

    /// <summary>Z (the packed complex FFT, M/2 points) → X (M/2 + 1 bins): X[k] = E[k] + W^k O[k].</summary>
    private void Separate(Span<float> re, Span<float> im)
    {
        int n = _half;
        float z0r = re[0];
        float z0i = im[0];
        re[0] = z0r + z0i;
        im[0] = 0f;
        re[n] = z0r - z0i;
        im[n] = 0f;
        for (int k = 1; k <= n / 2; k++)
        {
            int m = n - k;
            float ar = re[k];
            float ai = im[k];
            float br = re[m];
            float bi = im[m];

            // E[k] = (Z[k] + conj Z[m]) / 2, O[k] = (Z[k] − conj Z[m]) / 2i; E[m] = conj E[k], O[m] = conj O[k].
            float er = 0.5f * (ar + br);
            float ei = 0.5f * (ai - bi);
            float or = 0.5f * (ai + bi);
            float oi = -0.5f * (ar - br);
            float wr = _splitRe[k];
            float wi = _splitIm[k];
            float tr = (wr * or) - (wi * oi);
            float ti = (wr * oi) + (wi * or);
            re[k] = er + tr;
            im[k] = ei + ti;

            // W^m = −conj W^k.
            float ur = (wi * oi) - (wr * or);
            float ui = (wr * oi) + (wi * or);
            re[m] = er + ur;
            im[m] = -ei + ui;
        }
    }

    /// <summary>X (M/2 + 1 bins) → 2 × Z, the packed complex spectrum: E + iO with E = X[k] + conj X[m], O = (X[k] − conj X[m]) conj W^k.</summary>
    private void Combine(Span<float> re, Span<float> im)
    {
        int n = _half;
        float x0 = re[0];
        float xn = re[n];
        re[0] = x0 + xn;
        im[0] = x0 - xn;
        for (int k = 1; k <= n / 2; k++)
        {
            int m = n - k;
            float ar = re[k];
            float ai = im[k];
            float br = re[m];
            float bi = im[m];
            float er = ar + br;
            float ei = ai - bi;
            float dr = ar - br;
            float di = ai + bi;
            float wr = _splitRe[k];
            float wi = -_splitIm[k];
            float or = (dr * wr) - (di * wi);
            float oi = (dr * wi) + (di * wr);

            // Z[k] = E + iO; Z[m] = conj E + i conj O.
            re[k] = er - oi;
            im[k] = ei + or;
            re[m] = er + oi;
            im[m] = -ei + or;
        }
    }

    private void CheckSpectrum(Span<float> re, Span<float> im)
    {
        if (re.Length < Bins || im.Length < Bins)
        {
            throw new ArgumentException("The spectrum spans are shorter than Bins.");
        }
    }

    private static uint ReverseBits(uint value)
    {
        value = ((value >> 1) & 0x55555555u) | ((value & 0x55555555u) << 1);
        value = ((value >> 2) & 0x33333333u) | ((value & 0x33333333u) << 2);
        value = ((value >> 4) & 0x0F0F0F0Fu) | ((value & 0x0F0F0F0Fu) << 4);
        value = ((value >> 8) & 0x00FF00FFu) | ((value & 0x00FF00FFu) << 8);
        return (value >> 16) | (value << 16);
    }
}
