namespace LiveEngine.Tests.Shared;

/// <summary>
/// The user's version of "rlpf" (Simper's trapezoidal state-variable low-pass): the same filter and arithmetic,
/// written as a snippet would. One source for the benchmark that compares it with the built-in
/// (tests/LiveEngine.Benchmarks/UserNodeBenchmarks.cs) and the test that checks it computes the same samples
/// (tests/LiveEngine.CSharp.Tests/EquivalenceTests.cs); linked into both projects.
/// </summary>
internal static class UserLowPassSource
{
    public const string Code = """
        [Node("userlpf")]
        [Param("cutoffHz", 10, 20000, 2000, Unit = "Hz")]
        [Param("q", 0.5f, 40, 3.333f)]
        class UserLowPass : UserNode
        {
            private double _ic1;
            private double _ic2;
            private float _cutoffHz = -1;
            private float _q = -1;
            private double _a1;
            private double _a2;
            private double _a3;

            protected override void Render(in ProcessContext context)
            {
                float cutoffHz = context.Parameters[0];
                float q = context.Parameters[1];
                if (cutoffHz != _cutoffHz || q != _q)
                {
                    _cutoffHz = cutoffHz;
                    _q = q;
                    double g = Math.Tan(Math.PI * Math.Clamp(cutoffHz, 10.0, 0.49 * SampleRate) / SampleRate);
                    double k = 1.0 / Math.Max(q, 0.01);
                    _a1 = 1.0 / (1.0 + (g * (g + k)));
                    _a2 = g * _a1;
                    _a3 = g * _a2;
                }

                double a1 = _a1, a2 = _a2, a3 = _a3;
                double ic1 = _ic1, ic2 = _ic2;
                ReadOnlySpan<float> input = context.Input(0);
                Span<float> output = context.Output(0);
                for (int i = 0; i < input.Length; i++)
                {
                    double v3 = input[i] - ic2;
                    double v1 = (a1 * ic1) + (a2 * v3);
                    double v2 = ic2 + (a2 * ic1) + (a3 * v3);
                    ic1 = (2.0 * v1) - ic1;
                    ic2 = (2.0 * v2) - ic2;
                    output[i] = (float)v2;
                }

                // Flush denormals once per block, as the built-in does on its grid.
                _ic1 = Math.Abs(ic1) < 1e-30 ? 0 : ic1;
                _ic2 = Math.Abs(ic2) < 1e-30 ? 0 : ic2;
            }
        }
        """;
}
