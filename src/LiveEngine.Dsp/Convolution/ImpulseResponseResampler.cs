namespace LiveEngine.Dsp.Convolution;

/// <summary>
/// Brings an impulse response recorded at one rate to the session's: band-limited (windowed-sinc) interpolation in
/// double precision, 32 zero crossings a side under a Blackman window, the cut-off at the lower of the two Nyquist
/// frequencies; and scaled by from/to so that the response keeps its gain (a response of N taps at rate from becomes
/// N·to/from taps, each standing for 1/to of a second instead of 1/from). Like an offline resampler, it starts at the
/// response's first frame: a response whose first frame is already loud loses the interpolation kernel's ringing
/// before it (recorded responses begin with a few frames of silence). Control thread only.
/// </summary>
public static class ImpulseResponseResampler
{
    private const int ZeroCrossings = 32;

    public static float[] Resample(ReadOnlySpan<float> response, int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toRate);
        if (fromRate == toRate)
        {
            return response.ToArray();
        }

        double step = (double)fromRate / toRate;
        double cutoff = Math.Min(1.0, (double)toRate / fromRate);
        double reach = ZeroCrossings / cutoff;
        int length = Math.Max(1, (int)Math.Ceiling(response.Length / step));
        var result = new float[length];
        double gain = cutoff * step;
        for (int n = 0; n < length; n++)
        {
            double t = n * step;
            int first = Math.Max(0, (int)Math.Ceiling(t - reach));
            int last = Math.Min(response.Length - 1, (int)Math.Floor(t + reach));
            double sum = 0;
            for (int m = first; m <= last; m++)
            {
                double x = t - m;
                double window = 0.42 + (0.5 * Math.Cos(Math.PI * x / reach)) + (0.08 * Math.Cos(2 * Math.PI * x / reach));
                sum += response[m] * Sinc(cutoff * x) * window;
            }

            result[n] = (float)(sum * gain);
        }

        return result;
    }

    private static double Sinc(double x) => x == 0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
}
