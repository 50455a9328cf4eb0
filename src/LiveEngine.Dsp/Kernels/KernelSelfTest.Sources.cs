namespace LiveEngine.Dsp.Kernels;

public static partial class KernelSelfTest
{
    // Every source kernel is exact per lane (integer phase arithmetic, int-to-float conversion, unfused float
    // multiplies and adds in one order), so every check asks for bit-exactness.
    static partial void AddSourceChecks(List<KernelCheck> checks)
    {
        checks.Add(new KernelCheck("osc.phase", 0, static random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                uint start = (uint)random.NextInt64(0, 1L << 32);
                uint increment = (uint)random.NextInt64(0, 1L << 31);
                var expected = new uint[length];
                var actual = new uint[length];
                uint expectedPhase = start;
                uint actualPhase = start;
                OscillatorKernels.AdvancePhaseReference(ref expectedPhase, increment, expected);
                OscillatorKernels.AdvancePhase(ref actualPhase, increment, actual);
                if (expectedPhase != actualPhase || !expected.AsSpan().SequenceEqual(actual))
                {
                    return double.PositiveInfinity;
                }
            }

            return max;
        }));
        checks.Add(ShapeCheck<SineShaper>("osc.sine"));
        checks.Add(ShapeCheck<SawShaper>("osc.saw"));
        checks.Add(ShapeCheck<SquareShaper>("osc.square"));
        checks.Add(ShapeCheck<TriangleShaper>("osc.triangle"));
        checks.Add(new KernelCheck("osc.blep.row", 0, static random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                float[] a = RandomSignal(random, length);
                float[] b = RandomSignal(random, length);
                float[] expected = RandomSignal(random, length);
                float[] actual = (float[])expected.Clone();
                float t = (float)random.NextDouble();
                float scale = (float)((random.NextDouble() * 4) - 2);
                BlepKernels.AddInterpolatedRowReference(a, b, t, scale, expected);
                BlepKernels.AddInterpolatedRow(a, b, t, scale, actual);
                max = Math.Max(max, MaxDifference(expected, actual, bitExact: true));
            }

            return max;
        }));
        checks.Add(new KernelCheck("noise.white", 0, static random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                ulong seed = (ulong)random.NextInt64();
                uint counter = (uint)random.NextInt64(0, 1L << 32);
                uint expectedCounter = counter;
                var expected = new float[length];
                var actual = new float[length];
                NoiseKernels.FillWhiteReference(ref expectedCounter, seed, expected);
                NoiseKernels.FillWhite(ref counter, seed, actual);
                max = Math.Max(max, expectedCounter == counter ? MaxDifference(expected, actual, bitExact: true) : double.PositiveInfinity);
            }

            return max;
        }));
    }

    private static KernelCheck ShapeCheck<TShaper>(string name)
        where TShaper : struct, IPhaseShaper =>
        new(name, 0, static random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                var phases = new uint[length];
                for (int i = 0; i < phases.Length; i++)
                {
                    // Random phases, with the folding and wrapping edges (0, 2^30, 2^31, 3·2^30, 2^32 - 1) mixed in.
                    phases[i] = (i % 5) switch
                    {
                        0 => (uint)random.NextInt64(0, 1L << 32),
                        1 => (uint)((random.Next(4) << 30) + random.Next(-2, 3)),
                        _ => (uint)random.NextInt64(0, 1L << 32),
                    };
                }

                uint argument = (uint)random.NextInt64(0, 1L << 32);
                var expected = new float[length];
                var actual = new float[length];
                OscillatorKernels.ShapeReference<TShaper>(phases, argument, expected);
                OscillatorKernels.Shape<TShaper>(phases, argument, actual);
                max = Math.Max(max, MaxDifference(expected, actual, bitExact: true));
            }

            return max;
        });
}
