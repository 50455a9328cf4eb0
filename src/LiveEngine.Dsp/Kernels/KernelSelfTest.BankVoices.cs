namespace LiveEngine.Dsp.Kernels;

public static partial class KernelSelfTest
{
    private static void AddBankVoiceChecks(List<KernelCheck> checks)
    {
        // The same double operations lane-wise in every tier, narrowed with round-to-nearest: bit-exact, and the
        // advanced positions and curves too.
        checks.Add(new KernelCheck("banks.adsr", 0, random =>
        {
            double max = 0;
            foreach (int width in new[] { 16, 32, 48, 64 })
            {
                foreach (int run in new[] { 1, 7, 64, 65, 300 })
                {
                    var lanes = new AdsrBankLanes(width);
                    for (int lane = 0; lane < width; lane++)
                    {
                        switch (random.Next(4))
                        {
                            case 0:
                                lanes.Hold(lane, random.Next(2) == 0 ? 0.0 : random.NextSingle());
                                break;
                            case 1:
                                int length = 1 + random.Next(50_000);
                                lanes.SetAttack(lane, random.NextDouble(), random.Next(length), length);
                                break;
                            default:
                                double start = random.NextDouble();
                                int frames = 1 + random.Next(50_000);
                                lanes.SetCurve(lane, start, start - (random.NextDouble() * start), Math.Exp(-5.0 * random.Next(frames) / frames), Math.Exp(-5.0 / frames));
                                break;
                        }
                    }

                    (float[] expected, double[] expectedPositions, double[] expectedCurves) = Run(0);
                    foreach (int bits in BankTiers)
                    {
                        (float[] output, double[] positions, double[] curves) = Run(bits);
                        max = Math.Max(max, MaxDifference(expected, output, bitExact: true));
                        if (!positions.AsSpan().SequenceEqual(expectedPositions) || !curves.AsSpan().SequenceEqual(expectedCurves))
                        {
                            return double.PositiveInfinity;
                        }
                    }

                    (float[], double[], double[]) Run(int bits)
                    {
                        var copy = new AdsrBankLanes(width);
                        for (int lane = 0; lane < width; lane++)
                        {
                            copy.Start[lane] = lanes.Start[lane];
                            copy.Span[lane] = lanes.Span[lane];
                            copy.Position[lane] = lanes.Position[lane];
                            copy.Length[lane] = lanes.Length[lane];
                            copy.Curve[lane] = lanes.Curve[lane];
                            copy.Ratio[lane] = lanes.Ratio[lane];
                            copy.AttackMask[lane] = lanes.AttackMask[lane];
                        }

                        var output = new float[run * width];
                        if (bits == 0)
                        {
                            AdsrBankKernels.RenderReference(copy, run, output);
                        }
                        else
                        {
                            AdsrBankKernels.Render(copy, run, output, bits);
                        }

                        return (output, copy.Position, copy.Curve);
                    }
                }
            }

            return max;
        }));

        // Integer phases and exact shapers lane-wise: bit-exact in every tier, for each shaper and for mixed lanes;
        // and the crossings found by arithmetic are the frames a frame-by-frame scan finds.
        checks.Add(new KernelCheck("banks.oscillators", 0, random =>
        {
            double max = 0;
            foreach (int width in new[] { 16, 32, 48, 64 })
            {
                foreach (int frames in new[] { 1, 7, 64, 65, 300 })
                {
                    var phases = new uint[width];
                    var increments = new uint[width];
                    var arguments = new uint[width];
                    for (int lane = 0; lane < width; lane++)
                    {
                        phases[lane] = (uint)random.NextInt64(0, 1L << 32);
                        increments[lane] = random.Next(8) == 0 ? 0u : (uint)random.NextInt64(0, (1L << 31) + 1);
                        int shape = random.Next(4);
                        arguments[lane] = shape < 3 ? (uint)(shape + 1) : (uint)random.NextInt64(42_949_673, 4_252_017_623);
                    }

                    max = Math.Max(max, Compare<LaneShaper>());
                    max = Math.Max(max, Compare<SawShaper>());
                    max = Math.Max(max, Compare<SquareShaper>());
                    max = Math.Max(max, Compare<TriangleShaper>());
                    max = Math.Max(max, Compare<SineShaper>());
                    for (int lane = 0; lane < width; lane++)
                    {
                        uint threshold = arguments[lane];
                        uint phase = phases[lane];
                        int crossing = 1;
                        int next = BankOscillatorKernels.CrossingFrame(phases[lane], threshold, increments[lane], crossing);
                        for (int f = 0; f < frames; f++)
                        {
                            phase += increments[lane];
                            bool crossed = phase - threshold < increments[lane];
                            if (crossed != (next == f))
                            {
                                return double.PositiveInfinity;
                            }

                            if (crossed)
                            {
                                next = BankOscillatorKernels.CrossingFrame(phases[lane], threshold, increments[lane], ++crossing);
                            }
                        }
                    }

                    double Compare<TShaper>()
                        where TShaper : struct, IPhaseShaper
                    {
                        double difference = 0;
                        (float[] expected, uint[] expectedPhases) = Run<TShaper>(0);
                        foreach (int bits in BankTiers.Append(1))
                        {
                            // Bits 1: the kernel's scalar fallback.
                            (float[] naive, uint[] endPhases) = Run<TShaper>(bits);
                            difference = Math.Max(difference, MaxDifference(expected, naive, bitExact: true));
                            if (!endPhases.AsSpan().SequenceEqual(expectedPhases))
                            {
                                return double.PositiveInfinity;
                            }
                        }

                        return difference;
                    }

                    (float[], uint[]) Run<TShaper>(int bits)
                        where TShaper : struct, IPhaseShaper
                    {
                        var naive = new float[frames * width];
                        uint[] state = (uint[])phases.Clone();
                        if (bits == 0)
                        {
                            BankOscillatorKernels.AdvanceReference<TShaper>(state, increments, arguments, naive, frames, width);
                        }
                        else
                        {
                            BankOscillatorKernels.Advance<TShaper>(state, increments, arguments, naive, frames, width, bits);
                        }

                        return (naive, state);
                    }
                }
            }

            return max;
        }));
    }
}
