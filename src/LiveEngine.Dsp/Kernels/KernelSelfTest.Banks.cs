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

        checks.Add(new KernelCheck("banks.saw", 0, random =>
        {
            double max = 0;
            foreach (int width in new[] { 16, 32, 48, 64 })
            {
                foreach (int frames in new[] { 1, 7, 64, 65, 127, 300 })
                {
                    var phases = new uint[width];
                    var increments = new uint[width];
                    for (int lane = 0; lane < width; lane++)
                    {
                        phases[lane] = (uint)random.NextInt64(0, 1L << 32);
                        increments[lane] = (uint)random.NextInt64(0, 1L << 30);
                    }

                    (float[] expected, ulong[] expectedWraps, uint[] expectedPhases) = Run(0);
                    foreach (int bits in BankTiers.Append(1))
                    {
                        // Bits 1: the kernel's scalar fallback.
                        (float[] naive, ulong[] wraps, uint[] endPhases) = Run(bits);
                        max = Math.Max(max, MaxDifference(expected, naive, bitExact: true));
                        if (!wraps.AsSpan().SequenceEqual(expectedWraps) || !endPhases.AsSpan().SequenceEqual(expectedPhases))
                        {
                            return double.PositiveInfinity;
                        }
                    }

                    (float[], ulong[], uint[]) Run(int bits)
                    {
                        var naive = new float[frames * width];
                        var wraps = new ulong[frames];
                        uint[] state = (uint[])phases.Clone();
                        if (bits == 0)
                        {
                            VoiceBankSawKernels.AdvanceSawReference(state, increments, naive, wraps, frames, width);
                        }
                        else
                        {
                            VoiceBankSawKernels.AdvanceSaw(state, increments, naive, frames, width, bits);
                            for (int lane = 0; lane < width; lane++)
                            {
                                for (int wrap = 1; VoiceBankSawKernels.WrapFrame(phases[lane], increments[lane], wrap) is int f && f < frames; wrap++)
                                {
                                    wraps[f] |= 1UL << lane;
                                }
                            }
                        }

                        return (naive, wraps, state);
                    }
                }
            }

            return max;
        }));
    }
}
