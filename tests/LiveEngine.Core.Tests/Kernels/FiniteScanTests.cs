using LiveEngine.Kernels;

namespace LiveEngine.Tests.Kernels;

public sealed class FiniteScanTests
{
    public static TheoryData<string, bool, bool, bool> Tiers => new()
    {
        { "scalar", false, false, false },
        { "Vector128", false, false, true },
        { "Vector256", false, true, false },
        { "Vector512", true, false, false },
        { "the full ladder", true, true, true },
    };

    private static readonly float[] s_poisons = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001))];

    [Theory]
    [MemberData(nameof(Tiers))]
    public void EveryTier_FindsTheFirstNonFiniteSample_AsTheScalarSpecificationDoes(string tier, bool vector512, bool vector256, bool vector128)
    {
        var random = new Random(tier.Length);
        foreach (int length in new[] { 0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129 })
        {
            float[] clean = [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * 2e38))];
            Assert.Equal(-1, FiniteScan.IndexOfNonFiniteReference(clean));
            Assert.Equal(-1, FiniteScan.IndexOfNonFinite(clean, vector512, vector256, vector128));
            for (int at = 0; at < length; at++)
            {
                float[] poisoned = (float[])clean.Clone();
                poisoned[at] = s_poisons[at % s_poisons.Length];

                // A second bad sample later on: the first one's index is the answer.
                if (at + 5 < length)
                {
                    poisoned[at + 5] = float.NaN;
                }

                Assert.Equal(at, FiniteScan.IndexOfNonFiniteReference(poisoned));
                Assert.True(at == FiniteScan.IndexOfNonFinite(poisoned, vector512, vector256, vector128), $"{tier}: length {length}, bad sample at {at}");
            }
        }
    }

    [Fact]
    public void LargestFiniteValuesAndSubnormals_AreFinite()
    {
        float[] edges = [float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, 0f, -0f, 1e-40f, -3.4e38f];
        float[] block = [.. Enumerable.Repeat(edges, 8).SelectMany(e => e)];
        Assert.Equal(-1, FiniteScan.IndexOfNonFiniteReference(block));
        Assert.Equal(-1, FiniteScan.IndexOfNonFinite(block));
    }

    [Fact]
    public void Scan_AllocatesNothing()
    {
        float[] block = new float[128];
        block[100] = float.NaN;
        FiniteScan.IndexOfNonFinite(block);
        int found = 0;
        SteadyAllocation.AssertNone("1,000 scans", () =>
        {
            found = 0;
            for (int i = 0; i < 1000; i++)
            {
                found += FiniteScan.IndexOfNonFinite(block);
            }
        });
        Assert.Equal(100_000, found);
    }
}
