namespace LiveEngine.Dsp.Kernels;

public static partial class KernelSelfTest
{
    private static void AddBiquadBankChecks(List<KernelCheck> checks)
    {
        // Lane-wise the same float operations in every tier, stages in the same order per sample: bit-exact.
        checks.Add(new KernelCheck("banks.biquad", 0, random =>
        {
            double max = 0;
            foreach (int width in new[] { 16, 32, 48, 64 })
            {
                foreach (int frames in new[] { 1, 7, 64, 65, 127, 300 })
                {
                    int stages = 1 + random.Next(BiquadBankKernels.MaxStages);
                    bool ramp = random.Next(2) == 0;
                    int stride = ramp ? width : 0;
                    int stageStride = (ramp ? frames : 1) * width;
                    var coefficients = new float[5][];
                    for (int k = 0; k < 5; k++)
                    {
                        coefficients[k] = new float[stages * stageStride];
                    }

                    for (int i = 0; i < stages * stageStride; i++)
                    {
                        var type = (BiquadType)random.Next(7);
                        BiquadCoefficients c = BiquadCoefficients.Design(type, 20 + (random.NextDouble() * 20_000), 0.3 + (random.NextDouble() * 10), (random.NextDouble() * 24) - 12, 48_000);
                        (coefficients[0][i], coefficients[1][i], coefficients[2][i], coefficients[3][i], coefficients[4][i]) = ((float)c.B0, (float)c.B1, (float)c.B2, (float)c.A1, (float)c.A2);
                    }

                    float[] signal = RandomSignal(random, frames * width);
                    float[] z1 = RandomSignal(random, stages * width);
                    float[] z2 = RandomSignal(random, stages * width);
                    for (int i = 0; i < z1.Length; i += 3)
                    {
                        // Tiny states, so that the flush on the 64-frame grid has something to do.
                        z1[i] *= 1e-31f;
                        z2[i] *= 1e-31f;
                    }

                    long sampleTime = random.Next(1000);
                    (float[] expected, float[] expectedZ1, float[] expectedZ2) = Run(0);
                    foreach (int bits in BankTiers)
                    {
                        (float[] output, float[] s1, float[] s2) = Run(bits);
                        max = Math.Max(max, MaxDifference(expected, output, bitExact: true));
                        max = Math.Max(max, MaxDifference(expectedZ1, s1, bitExact: true));
                        max = Math.Max(max, MaxDifference(expectedZ2, s2, bitExact: true));
                    }

                    (float[], float[], float[]) Run(int bits)
                    {
                        float[] output = (float[])signal.Clone();
                        float[] s1 = (float[])z1.Clone();
                        float[] s2 = (float[])z2.Clone();
                        var block = new BiquadBankBlock
                        {
                            Width = width,
                            Frames = frames,
                            SampleTime = sampleTime,
                            Stages = stages,
                            Signal = output,
                            Z1 = s1,
                            Z2 = s2,
                            B0 = coefficients[0],
                            B1 = coefficients[1],
                            B2 = coefficients[2],
                            A1 = coefficients[3],
                            A2 = coefficients[4],
                            CoefficientStride = stride,
                            StageStride = stageStride,
                        };
                        if (bits == 0)
                        {
                            BiquadBankKernels.ProcessReference(ref block);
                        }
                        else
                        {
                            BiquadBankKernels.Process(ref block, bits);
                        }

                        return (output, s1, s2);
                    }
                }
            }

            return max;
        }));

        checks.Add(new KernelCheck("banks.pan-sum", 0, random =>
        {
            double max = 0;
            foreach (int width in new[] { 16, 32, 48, 64 })
            {
                foreach (int frames in new[] { 1, 7, 64, 65, 300 })
                {
                    bool ramp = random.Next(2) == 0;
                    int stride = ramp ? width : 0;
                    float[] signal = RandomSignal(random, frames * width);
                    float[] left = RandomSignal(random, (ramp ? frames : 1) * width);
                    float[] right = RandomSignal(random, left.Length);
                    var expectedLeft = new float[frames];
                    var expectedRight = new float[frames];
                    BiquadBankKernels.PanSumReference(signal, left, right, stride, width, expectedLeft, expectedRight);
                    foreach (int bits in BankTiers)
                    {
                        var outLeft = new float[frames];
                        var outRight = new float[frames];
                        BiquadBankKernels.PanSum(signal, left, right, stride, width, outLeft, outRight, bits);
                        max = Math.Max(max, MaxDifference(expectedLeft, outLeft, bitExact: true));
                        max = Math.Max(max, MaxDifference(expectedRight, outRight, bitExact: true));
                    }
                }
            }

            return max;
        }));
    }
}
