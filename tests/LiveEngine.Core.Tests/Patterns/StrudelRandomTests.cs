using System.Globalization;
using LiveEngine.Patterns;
using LiveEngine.Time;

namespace LiveEngine.Tests.Patterns;

public sealed class StrudelRandomTests
{
    // Values printed by Strudel itself (@strudel/core 1.2.6, `rand.queryArc(t, ...)`), with all their digits.
    [Theory]
    [InlineData(0, 1, "0")]
    [InlineData(1, 3, "0.336072051897645")]
    [InlineData(1, 1, "0.5195421651005745")]
    [InlineData(7, 8, "0.3976310808211565")]
    [InlineData(12345, 7, "0.5267806779593229")]
    [InlineData(3, 10000, "0.25430540926754475")]
    [InlineData(299, 1, "0.4802212808281183")]
    [InlineData(301, 2, "0.7603547312319279")]
    public void At_GivesStrudelsValue_ToTheLastBit(long numerator, long denominator, string strudel)
    {
        double expected = double.Parse(strudel, CultureInfo.InvariantCulture);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(StrudelRandom.At(Fraction.Create(numerator, denominator))));
    }

    [Fact]
    public void SeedOffset_IsThreeTenThousandthsOfACyclePerSeed()
    {
        Assert.Equal(Fraction.Zero, StrudelRandom.SeedOffset(0));
        Assert.Equal(Fraction.Create(3, 10_000), StrudelRandom.SeedOffset(1));
        Assert.Equal(Fraction.Create(9, 10_000), StrudelRandom.SeedOffset(3));
    }
}
