using LiveEngine.Osc;

namespace LiveEngine.Tests.Osc;

public sealed class OscAddressPatternTests
{
    [Theory]
    [InlineData("/fader/*", "/fader/1", true)]
    [InlineData("/fader/*", "/fader/1/x", false)]
    [InlineData("/fader/*", "/fader/", true)]
    [InlineData("/*/1", "/fader/1", true)]
    [InlineData("/fader/?", "/fader/12", false)]
    [InlineData("/fader/??", "/fader/12", true)]
    [InlineData("/fader/[0-9]", "/fader/7", true)]
    [InlineData("/fader/[!0-9]", "/fader/7", false)]
    [InlineData("/fader/[!0-9]", "/fader/x", true)]
    [InlineData("/fader/[abc]", "/fader/b", true)]
    [InlineData("/{fader,knob}/1", "/knob/1", true)]
    [InlineData("/{fader,knob}/1", "/slider/1", false)]
    [InlineData("/a*b*c", "/axxbyyc", true)]
    [InlineData("/a*b*c", "/axxbyy", false)]
    [InlineData("/exact", "/exact", true)]
    [InlineData("/exact", "/exactly", false)]
    [InlineData("/fader/[0-9", "/fader/1", false)]
    public void Patterns_MatchAsOsc10Says(string pattern, string address, bool expected) =>
        Assert.Equal(expected, OscAddressPattern.IsMatch(pattern, address));

    [Fact]
    public void AHostilePattern_StopsAtItsBudget_InsteadOfTakingExponentialTime()
    {
        string pattern = "/" + string.Concat(Enumerable.Repeat("*{a,aa,aaa}", 30)) + "b";
        string address = "/" + new string('a', 200);
        Assert.False(OscAddressPattern.IsMatch(pattern, address));
    }
}
