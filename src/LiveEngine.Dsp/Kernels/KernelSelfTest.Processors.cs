using LiveEngine.Kernels;

namespace LiveEngine.Dsp.Kernels;

public static partial class KernelSelfTest
{
    static partial void AddProcessorChecks(List<KernelCheck> checks)
    {
        // Every processor kernel is exact per lane (no fused multiply-add, IEEE min/max), so all are bit-exact.
        checks.Add(new KernelCheck("processors.multiply-add", 0, random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                float[] x = RandomSignal(random, length);
                float[] y = RandomSignal(random, length);
                float[] z = RandomSignal(random, length);
                var expected = new float[length];
                var actual = new float[length];
                TernaryKernels.TernaryReference<MultiplyAddOperator>(x, y, z, expected);
                TernaryKernels.Ternary<MultiplyAddOperator>(x, y, z, actual);
                max = Math.Max(max, MaxDifference(expected, actual, bitExact: true));
            }

            return max;
        }));
        checks.Add(new KernelCheck("processors.max-magnitude", 0, random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                float[] x = RandomSignal(random, length);
                float[] y = RandomSignal(random, length);
                var expected = new float[length];
                var actual = new float[length];
                VectorKernels.BinaryReference<MaxMagnitudeOperator>(x, y, expected);
                VectorKernels.Binary<MaxMagnitudeOperator>(x, y, actual);
                max = Math.Max(max, MaxDifference(expected, actual, bitExact: true));
            }

            return max;
        }));
        checks.Add(new KernelCheck("processors.clamp-flush", 0, random =>
        {
            const float Ceiling = 0.9f;
            double max = 0;
            foreach (int length in Lengths)
            {
                float[] x = RandomSignal(random, length);
                for (int i = 0; i < length; i++)
                {
                    // Overs, tiny values to flush, and values just above the flush threshold.
                    x[i] *= (i % 3) switch { 0 => 2f, 1 => 1e-30f, _ => 4e-30f };
                }

                var expected = new float[length];
                var actual = new float[length];
                for (int i = 0; i < length; i++)
                {
                    expected[i] = ClampFlushOperator.Invoke(x[i], Ceiling);
                }

                VectorKernels.BinaryScalarOperand<ClampFlushOperator>(x, Ceiling, actual);
                max = Math.Max(max, MaxDifference(expected, actual, bitExact: true));
            }

            return max;
        }));
        checks.Add(new KernelCheck("processors.index-of-non-finite", 0, random =>
        {
            ReadOnlySpan<float> poisons = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];
            foreach (int length in Lengths)
            {
                for (int trial = 0; trial < 4; trial++)
                {
                    float[] x = RandomSignal(random, length);
                    if (trial > 0)
                    {
                        x[random.Next(length)] = poisons[trial - 1];
                    }

                    if (SanitizeKernels.IndexOfNonFinite(x) != SanitizeKernels.IndexOfNonFiniteReference(x))
                    {
                        return double.PositiveInfinity;
                    }
                }
            }

            return 0;
        }));
    }
}
