using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Tests.Kernels;

public sealed class RealFftTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(128)]
    [InlineData(4_096)]
    public void Forward_EqualsTheDoublePrecisionDft(int size)
    {
        float[] input = Noise(size, seed: size);
        var fft = new RealFft(size);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        fft.Forward(input, re, im);

        double error = 0;
        double energy = 0;
        for (int k = 0; k < fft.Bins; k++)
        {
            double sumRe = 0;
            double sumIm = 0;
            for (int n = 0; n < size; n++)
            {
                double angle = -2 * Math.PI * ((long)k * n % size) / size;
                sumRe += input[n] * Math.Cos(angle);
                sumIm += input[n] * Math.Sin(angle);
            }

            error += Square(re[k] - sumRe) + Square(im[k] - sumIm);
            energy += Square(sumRe) + Square(sumIm);
        }

        Assert.True(Math.Sqrt(error / energy) < 1e-6, $"relative RMS error {Math.Sqrt(error / energy):E2}");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(1_024)]
    [InlineData(32_768)]
    public void Inverse_OfForward_ReturnsSizeTimesTheInput(int size)
    {
        float[] input = Noise(size, seed: 7);
        var fft = new RealFft(size);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        var output = new float[size];
        fft.Forward(input, re, im);
        fft.Inverse(re, im, output);
        for (int n = 0; n < size; n++)
        {
            Assert.True(Math.Abs((output[n] / size) - input[n]) < 1e-5, $"sample {n}: {output[n] / size} vs {input[n]}");
        }
    }

    [Fact]
    public void Steps_RunInOrder_EqualTheWholeTransform()
    {
        const int Size = 256;
        float[] input = Noise(Size, seed: 3);
        var fft = new RealFft(Size);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        var stepRe = new float[fft.Bins];
        var stepIm = new float[fft.Bins];
        fft.Forward(input, re, im);
        for (int step = 0; step < fft.StepCount; step++)
        {
            fft.ForwardStep(step, input, stepRe, stepIm);
        }

        Assert.Equal(re, stepRe);
        Assert.Equal(im, stepIm);
    }

    [Fact]
    public void Forward_AllocatesNothing()
    {
        var fft = new RealFft(1_024);
        float[] input = Noise(1_024, seed: 1);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        var output = new float[1_024];
        fft.Forward(input, re, im);
        fft.Inverse(re, im, output);
        SteadyAllocation.AssertNone("100 forward and inverse transforms", () =>
        {
            for (int i = 0; i < 100; i++)
            {
                fft.Forward(input, re, im);
                fft.Inverse(re, im, output);
            }
        });
    }

    private static double Square(double x) => x * x;

    private static float[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        var noise = new float[length];
        for (int i = 0; i < length; i++)
        {
            noise[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return noise;
    }
}
