using LiveEngine.Patterns;
using LiveEngine.Time;

namespace LiveEngine.Tests.Patterns;

/// <summary>The reader's own contract; MiniNotationStrudelTests (Cli.Tests) compares the events with Strudel's.</summary>
public sealed class MiniNotationTests
{
    private static string Events(string pattern, int cycles = 1) => string.Join(
        " ",
        MiniNotation.Events(MiniNotation.Parse(pattern), Fraction.Zero, cycles).Select(h => $"{h.Value}@{h.Whole!.Value.Begin}-{h.Whole.Value.End}"));

    [Fact]
    public void Sequence_SubdivisionAndAlternation_AreExactFractions()
    {
        Assert.Equal("bd@0-1/3 sn@1/3-1/2 cp@1/2-2/3 hh@2/3-1 bd@1-4/3 sn@4/3-3/2 cp@3/2-5/3 oh@5/3-2", Events("bd [sn cp] <hh oh>", 2));
    }

    [Fact]
    public void AnEventLongerThanACycle_IsListedOnceAtItsOnset()
    {
        Assert.Equal("a@0-2 b@2-4", Events("<a b>/2", 4));
    }

    [Fact]
    public void Numbers_AreNumbers_AndWordsAreWords()
    {
        List<Hap<MiniValue>> haps = MiniNotation.Events(MiniNotation.Parse("60 c4 0.5"), Fraction.Zero, 1);
        Assert.Equal([60.0, null, 0.5], haps.Select(h => h.Value.Number));
        Assert.Equal(["60", "\"c4\"", "0.5"], haps.Select(h => h.Value.ToJson()));
    }

    [Theory]
    [InlineData("bd [sn", "column 7: expected ']' before the end of the pattern: \"bd [sn\"")]
    [InlineData("bd ] sn", "column 4: unexpected ']': \"bd ] sn\"")]
    [InlineData("", "column 1: expected a step, '[', '{' or '<', not the end of the pattern: \"\"")]
    [InlineData("0 .. 3", "column 3: ranges ('..') are not part of LiveEngine's mini-notation subset: \"0 .. 3\"")]
    [InlineData("bd(3 8)", "column 6: expected ',', not '8': \"bd(3 8)\"")]
    public void AMistake_IsRefusedNamingItsColumn(string pattern, string message)
    {
        MiniNotationException e = Assert.Throws<MiniNotationException>(() => MiniNotation.Parse(pattern));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ASpeedThatIsNotANumber_IsRefused()
    {
        MiniNotationException e = Assert.Throws<MiniNotationException>(() => MiniNotation.Events(MiniNotation.Parse("bd*x"), Fraction.Zero, 1));
        Assert.Equal("column 3: '*' must be a number, not 'x'.", e.Message);
    }

    [Fact]
    public void APatternOfBillionsOfEvents_IsRefusedQuickly_NotBuilt()
    {
        MiniNotationException e = Assert.Throws<MiniNotationException>(() => MiniNotation.Events(MiniNotation.Parse("[a*100000]*100000"), Fraction.Zero, 1));
        Assert.StartsWith("the pattern makes too many events to list", e.Message);
        Assert.Equal(4, MiniNotation.Events(MiniNotation.Parse("a*4"), Fraction.Zero, 1).Count);
    }
}
