namespace LiveEngine.Dsp.Tests.Convolution;

/// <summary>
/// The exactness reference: direct convolution in double precision, y[n] = Σ h[k]·x[n − k], which is what
/// numpy.convolve computes (and scipy.signal.fftconvolve to rounding), evaluated at chosen output frames only so
/// that responses of 480,000 taps stay affordable. Also the test signals: uniform noise and exponentially decaying noise.
/// </summary>
internal static class ConvolutionReference
{
    public static double At(float[] input, float[] response, long n)
    {
        double sum = 0;
        long last = Math.Min(response.Length - 1, n);
        for (long k = Math.Max(0, n - (input.Length - 1)); k <= last; k++)
        {
            sum += (double)response[k] * input[n - k];
        }

        return sum;
    }

    /// <summary>Relative RMS error of <paramref name="actual"/> (delayed by <paramref name="latency"/>) against the reference at <paramref name="frames"/>.</summary>
    public static double RelativeRmsError(float[] input, float[] response, float[] actual, int latency, IEnumerable<int> frames)
    {
        double error = 0;
        double energy = 0;
        foreach (int n in frames)
        {
            double expected = At(input, response, n);
            double difference = actual[n + latency] - expected;
            error += difference * difference;
            energy += expected * expected;
        }

        return Math.Sqrt(error / energy);
    }

    public static float[] Noise(int length, int seed, double decayFrames = double.PositiveInfinity)
    {
        var random = new Random(seed);
        var noise = new float[length];
        for (int i = 0; i < length; i++)
        {
            noise[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-i / decayFrames));
        }

        return noise;
    }
}
