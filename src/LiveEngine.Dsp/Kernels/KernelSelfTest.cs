using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>One SIMD-versus-scalar comparison: <see cref="Run"/> feeds both forms the same random input
/// (several lengths, odd ones included) and returns the largest absolute difference seen.</summary>
/// <param name="Name">Kernel name, e.g. "gain.ramp".</param>
/// <param name="Tolerance">Largest difference allowed; 0 means bit-exact (compare bits, so -0 vs +0 and NaN payloads count).</param>
/// <param name="Run">Runs the comparison with the given random source.</param>
public sealed record KernelCheck(string Name, double Tolerance, Func<Random, double> Run);

/// <summary>The outcome of one <see cref="KernelCheck"/>.</summary>
public sealed record KernelCheckResult(string Name, double Tolerance, double MaxDifference)
{
    public bool Passed => MaxDifference <= Tolerance;
}

/// <summary>
/// Checks every SIMD kernel against its scalar specification on this machine's instruction sets. Run by the
/// tests in-process and in a child process with <c>DOTNET_EnableHWIntrinsic=0</c>, and by users through
/// <c>liveengine selftest</c>. Each kernel family adds its checks in its own partial file.
/// </summary>
public static partial class KernelSelfTest
{
    /// <summary>Which vector widths the JIT accelerates here, for the report.</summary>
    public static string InstructionSets =>
        $"Vector128={Vector128.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector512={Vector512.IsHardwareAccelerated}";

    public static IReadOnlyList<KernelCheck> Checks
    {
        get
        {
            var checks = new List<KernelCheck>();
            AddCoreChecks(checks);
            AddSourceChecks(checks);
            AddProcessorChecks(checks);
            AddBankChecks(checks);
            AddBiquadBankChecks(checks);
            AddBankVoiceChecks(checks);
            AddSpectrumChecks(checks);
            return checks;
        }
    }

    public static IReadOnlyList<KernelCheckResult> RunAll(int seed = 1234)
    {
        var results = new List<KernelCheckResult>();
        foreach (KernelCheck check in Checks)
        {
            results.Add(new KernelCheckResult(check.Name, check.Tolerance, check.Run(new Random(seed))));
        }

        return results;
    }

    /// <summary>
    /// Runs every check and writes the report that <c>liveengine selftest</c> and <c>liveengine-render selftest</c> print:
    /// the instruction sets, one line per kernel, and the verdict. Returns how many kernels differ from their reference.
    /// </summary>
    public static int WriteReport(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(InstructionSets);
        int failed = 0;
        foreach (KernelCheckResult result in RunAll())
        {
            failed += result.Passed ? 0 : 1;
            output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(result.Passed ? "ok  " : "FAIL")} {result.Name,-32} max difference {result.MaxDifference:G3} (allowed {result.Tolerance:G3})"));
        }

        output.WriteLine(failed == 0 ? "all kernels match their scalar reference" : $"{failed} kernel(s) differ from their scalar reference");
        return failed;
    }

    /// <summary>Difference of two spans for a check: bit-level mismatch counts as infinity when exactness is asked.</summary>
    public static double MaxDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, bool bitExact)
    {
        if (expected.Length != actual.Length)
        {
            return double.PositiveInfinity;
        }

        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (bitExact)
            {
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                {
                    return double.PositiveInfinity;
                }
            }
            else
            {
                max = Math.Max(max, Math.Abs((double)expected[i] - actual[i]));
            }
        }

        return max;
    }

    /// <summary>Lengths every check should cover: tails of each vector width, and block-sized runs.</summary>
    public static ReadOnlySpan<int> Lengths => [1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 500, 4096];

    /// <summary>Random floats in [-1, 1).</summary>
    public static float[] RandomSignal(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    static partial void AddSourceChecks(List<KernelCheck> checks);

    static partial void AddProcessorChecks(List<KernelCheck> checks);

    static partial void AddSpectrumChecks(List<KernelCheck> checks);

    private static void AddCoreChecks(List<KernelCheck> checks)
    {
        checks.Add(new KernelCheck("core.add", 0, random =>
        {
            double max = 0;
            foreach (int length in Lengths)
            {
                float[] x = RandomSignal(random, length);
                float[] y = RandomSignal(random, length);
                var expected = new float[length];
                var actual = new float[length];
                LiveEngine.Kernels.VectorKernels.BinaryReference<LiveEngine.Kernels.AddOperator>(x, y, expected);
                LiveEngine.Kernels.VectorKernels.Binary<LiveEngine.Kernels.AddOperator>(x, y, actual);
                max = Math.Max(max, MaxDifference(expected, actual, bitExact: true));
            }

            return max;
        }));
    }
}
