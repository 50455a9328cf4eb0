namespace LiveEngine.Dsp.Kernels;

public static partial class KernelSelfTest
{
    static partial void AddSpectrumChecks(List<KernelCheck> checks)
    {
        // Butterflies and the complex multiply-accumulate do the scalar operations lane-wise: bit-exact. The dot product
        // sums in lanes, so it agrees with the running sum to float rounding of a sum of up to 64 products of magnitude ≤ 1.
        checks.Add(new KernelCheck("spectrum.butterflies", 0, random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                float[][] expected = [RandomSignal(random, length), RandomSignal(random, length), RandomSignal(random, length), RandomSignal(random, length)];
                float[][] actual = [.. expected.Select(a => (float[])a.Clone())];
                float[] wr = RandomSignal(random, length);
                float[] wi = RandomSignal(random, length);
                SpectrumKernels.ButterfliesReference(expected[0], expected[1], expected[2], expected[3], wr, wi);
                SpectrumKernels.Butterflies(actual[0], actual[1], actual[2], actual[3], wr, wi);
                for (int k = 0; k < 4; k++)
                {
                    max = Math.Max(max, MaxDifference(expected[k], actual[k], bitExact: true));
                }
            }

            return max;
        }));
        checks.Add(new KernelCheck("spectrum.multiply-accumulate", 0, random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                float[] expectedRe = RandomSignal(random, length);
                float[] expectedIm = RandomSignal(random, length);
                float[] actualRe = (float[])expectedRe.Clone();
                float[] actualIm = (float[])expectedIm.Clone();
                float[] xr = RandomSignal(random, length);
                float[] xi = RandomSignal(random, length);
                float[] hr = RandomSignal(random, length);
                float[] hi = RandomSignal(random, length);
                SpectrumKernels.MultiplyAccumulateReference(expectedRe, expectedIm, xr, xi, hr, hi);
                SpectrumKernels.MultiplyAccumulate(actualRe, actualIm, xr, xi, hr, hi);
                max = Math.Max(max, Math.Max(MaxDifference(expectedRe, actualRe, bitExact: true), MaxDifference(expectedIm, actualIm, bitExact: true)));
            }

            return max;
        }));
        checks.Add(new KernelCheck("spectrum.dot", 1e-5, random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                int taps = Math.Min(length, 64);
                float[] a = RandomSignal(random, taps);
                float[] b = RandomSignal(random, taps);
                max = Math.Max(max, Math.Abs((double)SpectrumKernels.DotReference(a, b) - SpectrumKernels.Dot(a, b)));
            }

            return max;
        }));
    }
}
