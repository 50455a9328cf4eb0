using LiveEngine.Patterns;

namespace LiveEngine.Tests.Patterns;

public sealed class BjorklundTests
{
    [Theory]
    [InlineData(3, 8, "x..x..x.")]
    [InlineData(5, 8, "x.xx.xx.")]
    [InlineData(2, 5, "x.x..")]
    [InlineData(7, 16, "x..x.x.x..x.x.x.")]
    [InlineData(0, 4, "....")]
    [InlineData(4, 4, "xxxx")]
    [InlineData(-3, 8, ".xx.xx.x")]
    public void Rhythm_SpreadsTheOnsetsAsStrudelDoes(int pulses, int steps, string expected) =>
        Assert.Equal(expected, new string(Bjorklund.Rhythm(pulses, steps).Select(on => on ? 'x' : '.').ToArray()));

    [Theory]
    [InlineData(2, "x.x..x..")] // rotate(b, -2): the last two steps move to the front (Strudel: bd(3,8,2) at 0, 1/4, 5/8)
    [InlineData(-1, "..x..x.x")]
    public void EuclidRhythm_RotatesAsStrudelsEuclidRot(int rotation, string expected)
    {
        bool[] rhythm = LiveEngine.Patterns.Patterns.EuclidRhythm(3, 8, rotation);
        Assert.Equal(expected, new string(rhythm.Select(on => on ? 'x' : '.').ToArray()));
    }

    [Fact]
    public void MorePulsesThanSteps_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveEngine.Patterns.Patterns.EuclidRhythm(9, 8, 0));
}
