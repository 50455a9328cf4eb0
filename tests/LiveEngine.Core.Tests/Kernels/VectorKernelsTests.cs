using LiveEngine.Kernels;

namespace LiveEngine.Tests.Kernels;

public sealed class VectorKernelsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(17)]
    [InlineData(64)]
    [InlineData(1027)]
    public void Add_EqualsScalarBitForBit(int length)
    {
        var random = new Random(length);
        float[] x = [.. Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] y = [.. Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f)];
        var expected = new float[length];
        var actual = new float[length];
        VectorKernels.BinaryReference<AddOperator>(x, y, expected);
        VectorKernels.Binary<AddOperator>(x, y, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void SineMinusItself_IsExactSilence()
    {
        float[] sine = [.. Enumerable.Range(0, 1000).Select(i => MathF.Sin(i * 0.01f))];
        float[] inverted = new float[sine.Length];
        VectorKernels.BinaryScalarOperand<MultiplyOperator>(sine, -1f, inverted);
        float[] sum = new float[sine.Length];
        VectorKernels.Binary<AddOperator>(sine, inverted, sum);
        Assert.All(sum, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void MismatchedLengths_Throw()
    {
        Assert.Throws<ArgumentException>(() => VectorKernels.Binary<AddOperator>(new float[3], new float[4], new float[4]));
    }
}
