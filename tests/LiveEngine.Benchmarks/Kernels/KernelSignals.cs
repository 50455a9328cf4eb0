namespace LiveEngine.Benchmarks.Kernels;

/// <summary>Benchmark inputs, seeded so that every run measures the same data.</summary>
internal static class KernelSignals
{
    /// <summary>Uniform floats in [-<paramref name="peak"/>, <paramref name="peak"/>): finite, never denormal in practice.</summary>
    public static float[] Uniform(int length, int seed, float peak = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * peak;
        }

        return values;
    }
}
