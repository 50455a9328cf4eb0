using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

public static partial class KernelSelfTest
{
    /// <summary>Every accelerated tier of the voice bank kernels (0 = the scalar specification is always there).</summary>
    private static int[] BankTiers =>
        [.. new[] { 512, 256, 128 }.Where(bits => bits switch
        {
            512 => Vector512.IsHardwareAccelerated,
            256 => Vector256.IsHardwareAccelerated,
            _ => Vector128.IsHardwareAccelerated,
        })];

    private static void AddBankChecks(List<KernelCheck> checks)
    {
        // Lane-wise the same float operations in every tier and one fixed order for the lane sum: bit-exact.
        checks.Add(new KernelCheck("banks.svf-gain-pan-sum", 0, random =>
        {
            double max = 0;
            foreach (int width in new[] { 16, 32, 48, 64 })
            {
                foreach (int frames in new[] { 1, 7, 64, 65, 127, 300 })
                {
                    bool ramp = random.Next(2) == 0;
                    int stride = ramp ? width : 0;
                    int rows = ramp ? frames : 1;
                    float[] input = RandomSignal(random, frames * width);
                    var a1 = new float[rows * width];
                    var a2 = new float[rows * width];
                    var a3 = new float[rows * width];
                    for (int i = 0; i < a1.Length; i++)
                    {
                        SvfCoefficients c = SvfCoefficients.LowPass(20 + (random.NextDouble() * 20_000), 0.5 + (random.NextDouble() * 20), 48_000);
                        (a1[i], a2[i], a3[i]) = ((float)c.A1, (float)c.A2, (float)c.A3);
                    }

                    float[] level = RandomSignal(random, (ramp ? frames : 1) * width);
                    float[] left = RandomSignal(random, level.Length);
                    float[] right = RandomSignal(random, level.Length);
                    float[] ic1 = RandomSignal(random, width);
                    float[] ic2 = RandomSignal(random, width);
                    for (int lane = 0; lane < width; lane += 3)
                    {
                        // Tiny states, so that the flush on the 64-frame grid has something to do.
                        ic1[lane] *= 1e-31f;
                        ic2[lane] *= 1e-31f;
                    }

                    long sampleTime = random.Next(1000);
                    (float[] expectedLeft, float[] expectedRight, float[] expectedIc1, float[] expectedIc2) = Run(0);
                    foreach (int bits in BankTiers)
                    {
                        (float[] l, float[] r, float[] s1, float[] s2) = Run(bits);
                        max = Math.Max(max, MaxDifference(expectedLeft, l, bitExact: true));
                        max = Math.Max(max, MaxDifference(expectedRight, r, bitExact: true));
                        max = Math.Max(max, MaxDifference(expectedIc1, s1, bitExact: true));
                        max = Math.Max(max, MaxDifference(expectedIc2, s2, bitExact: true));
                    }

                    (float[], float[], float[], float[]) Run(int bits)
                    {
                        var outLeft = new float[frames];
                        var outRight = new float[frames];
                        float[] s1 = (float[])ic1.Clone();
                        float[] s2 = (float[])ic2.Clone();
                        var block = new VoiceBankBlock
                        {
                            Width = width,
                            Frames = frames,
                            SampleTime = sampleTime,
                            Input = input,
                            Ic1 = s1,
                            Ic2 = s2,
                            A1 = a1,
                            A2 = a2,
                            A3 = a3,
                            CoefficientStride = stride,
                            Level = level,
                            LevelStride = stride,
                            Left = left,
                            Right = right,
                            PanStride = stride,
                            OutLeft = outLeft,
                            OutRight = outRight,
                        };
                        if (bits == 0)
                        {
                            VoiceBankKernels.ProcessReference(ref block);
                        }
                        else
                        {
                            VoiceBankKernels.Process(ref block, bits);
                        }

                        return (outLeft, outRight, s1, s2);
                    }
                }
            }

            return max;
        }));

        // The saws from the bank-held ring, every tier (wraps added ahead of the tile) against the specification (wraps
        // added frame by frame), with and without history; and the fused saw + filter pass against the two in turn.
        checks.Add(new KernelCheck("banks.saw", 0, random =>
        {
            double max = 0;
            foreach (int width in new[] { 16, 32, 48, 64 })
            {
                foreach (int frames in new[] { 1, 7, 31, 64 })
                {
                    bool useHistory = random.Next(2) == 0;
                    bool unitLevels = random.Next(2) == 0;
                    int first = useHistory ? random.Next(0, 40) : 0;
                    var phases = new uint[width];
                    var increments = new uint[width];
                    var offsets = new uint[width];
                    var naiveFrom = new int[width];
                    var levels = new float[width];
                    for (int lane = 0; lane < width; lane++)
                    {
                        phases[lane] = (uint)random.NextInt64(0, 1L << 32);

                        // Up to a quarter period per frame (several wraps per tile), some lanes still (0).
                        increments[lane] = random.Next(5) == 0 ? 0u : (uint)random.NextInt64(1, 1L << 30);
                        offsets[lane] = increments[lane] * BlepTable.HalfTaps;
                        naiveFrom[lane] = random.Next(0, first + frames + 2);
                        levels[lane] = unitLevels || random.Next(3) == 0 ? 1f : (float)random.NextDouble();
                    }

                    // A ring whose live rows (the tile's first Taps) hold earlier taps; the rest is zero.
                    int ringRow = random.Next(VoiceBankSawKernels.RingRows);
                    var residual = new float[VoiceBankSawKernels.RingRows * width];
                    for (int r = 0; r < BlepTable.Taps; r++)
                    {
                        for (int lane = 0; lane < width; lane++)
                        {
                            residual[(lane * VoiceBankSawKernels.RingRows) + ((ringRow + r) % VoiceBankSawKernels.RingRows)] = (float)((random.NextDouble() * 2) - 1);
                        }
                    }

                    float[] history = RandomSignal(random, (first + frames) * width);
                    (float[] expected, uint[] expectedPhases, float[] expectedResidual) = Run(0);
                    foreach (int bits in BankTiers.Append(1))
                    {
                        // Bits 1: the kernel's scalar fallback.
                        (float[] output, uint[] endPhases, float[] endResidual) = Run(bits);
                        max = Math.Max(max, MaxDifference(expected, output, bitExact: true));
                        max = Math.Max(max, MaxDifference(expectedResidual, endResidual, bitExact: true));
                        if (!endPhases.AsSpan().SequenceEqual(expectedPhases))
                        {
                            return double.PositiveInfinity;
                        }
                    }

                    if (width == VoiceBankKernels.MaxWidth && !useHistory)
                    {
                        max = Math.Max(max, Fused());
                    }

                    (float[], uint[], float[]) Run(int bits)
                    {
                        var output = new float[frames * width];
                        uint[] state = (uint[])phases.Clone();
                        float[] ring = (float[])residual.Clone();
                        var tile = Ring(state, ring, (float[])history.Clone(), output);
                        if (bits == 0)
                        {
                            VoiceBankSawKernels.RenderRingReference(ref tile);
                        }
                        else
                        {
                            VoiceBankSawKernels.RenderRing(ref tile, bits);
                        }

                        return (output, state, ring);
                    }

                    VoiceBankSawRing Ring(uint[] state, float[] ring, float[] historyRows, float[] output) => new()
                    {
                        Width = width,
                        Frames = frames,
                        First = first,
                        Phases = state,
                        Increments = increments,
                        LagOffsets = offsets,
                        NaiveFrom = naiveFrom,
                        Levels = levels,
                        Residual = ring,
                        RingRow = ringRow,
                        UseHistory = useHistory,
                        History = historyRows,
                        Output = output,
                    };

                    double Fused()
                    {
                        bool ramp = random.Next(2) == 0;
                        int stride = ramp ? width : 0;
                        int rows = ramp ? frames : 1;
                        var a1 = new float[rows * width];
                        var a2 = new float[rows * width];
                        var a3 = new float[rows * width];
                        for (int i = 0; i < a1.Length; i++)
                        {
                            SvfCoefficients c = SvfCoefficients.LowPass(20 + (random.NextDouble() * 20_000), 0.5 + (random.NextDouble() * 20), 48_000);
                            (a1[i], a2[i], a3[i]) = ((float)c.A1, (float)c.A2, (float)c.A3);
                        }

                        float[] gain = RandomSignal(random, rows * width);
                        float[] left = RandomSignal(random, gain.Length);
                        float[] right = RandomSignal(random, gain.Length);
                        float[] ic1 = RandomSignal(random, width);
                        float[] ic2 = RandomSignal(random, width);
                        long sampleTime = random.Next(1000);
                        float[][] expectedResult = Filter(0);
                        double worst = 0;
                        foreach (int bits in BankTiers)
                        {
                            float[][] result = Filter(bits);
                            for (int k = 0; k < result.Length; k++)
                            {
                                worst = Math.Max(worst, MaxDifference(expectedResult[k], result[k], bitExact: true));
                            }
                        }

                        return worst;

                        float[][] Filter(int bits)
                        {
                            var output = new float[frames * width];
                            uint[] state = (uint[])phases.Clone();
                            float[] ring = (float[])residual.Clone();
                            float[] s1 = (float[])ic1.Clone();
                            float[] s2 = (float[])ic2.Clone();
                            var outLeft = new float[frames];
                            var outRight = new float[frames];
                            var tile = Ring(state, ring, (float[])history.Clone(), output);
                            var block = new VoiceBankBlock
                            {
                                Width = width,
                                Frames = frames,
                                SampleTime = sampleTime,
                                Ic1 = s1,
                                Ic2 = s2,
                                A1 = a1,
                                A2 = a2,
                                A3 = a3,
                                CoefficientStride = stride,
                                Level = gain,
                                LevelStride = stride,
                                Left = left,
                                Right = right,
                                PanStride = stride,
                                OutLeft = outLeft,
                                OutRight = outRight,
                            };
                            if (bits == 0)
                            {
                                VoiceBankSawKernels.RenderRingReference(ref tile);
                                block.Input = output;
                                VoiceBankKernels.ProcessReference(ref block);
                            }
                            else
                            {
                                VoiceBankKernels.ProcessSawRing(ref tile, ref block, bits);
                            }

                            return [outLeft, outRight, s1, s2, ring, [.. state.Select(BitConverter.UInt32BitsToSingle)]];
                        }
                    }
                }
            }

            return max;
        }));
    }
}
