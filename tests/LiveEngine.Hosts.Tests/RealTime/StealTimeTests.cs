using LiveEngine.Hosts.RealTime;

namespace LiveEngine.Tests.Hosts.RealTime;

public sealed class StealTimeTests
{
    [Fact]
    public void Parse_ReadsTheStealColumn_InHundredthsOfASecond() =>
        Assert.Equal(TimeSpan.FromSeconds(271.09), StealTime.Parse("cpu  8850626 12971 964161 2580081 3611 0 3543 27109 0 0"));

    [Fact]
    public void Parse_OfALineWithoutASteal_IsNothing() => Assert.Null(StealTime.Parse("cpu  8850626 12971 964161 2580081 3611 0 3543"));

    [Fact]
    public void ThisMachinesTotal_NeverGoesBackwards()
    {
        TimeSpan? first = StealTime.ReadTotal();
        Assert.True(first is not null, "/proc/stat has no steal column on this Linux machine");
        Thread.Sleep(50);
        Assert.True(StealTime.ReadTotal() >= first);
    }

    [Fact]
    public void Describe_SaysHowMuchOfTheCpusTheHostTook()
    {
        int cpus = File.ReadLines("/proc/stat").Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3]));
        string text = StealTime.Describe(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10 + cpus), TimeSpan.FromSeconds(10));

        // One second of every CPU's ten: a tenth.
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the host took {cpus:0.00} s of the {cpus} CPUs' {10 * cpus:0.0} s ({0.1:P1}) (steal time)"), text);
        Assert.Equal("", StealTime.Describe(null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)));
    }
}
