using LiveEngine.Hosts.Engine;
using LiveEngine.Time;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>The standby engine: its takeover line, and that it goes away with its front.</summary>
public sealed class EngineSuccessorTests
{
    [Fact]
    public void TheTakeoverLine_CarriesTheResumePointExactly()
    {
        var origin = new TempoOrigin(96_123, Fraction.Create(1001, 8), Fraction.Create(1001, 32));
        string line = EngineSuccessor.FormatTakeover(origin, Fraction.Create(1001, 8), 7);
        (TempoOrigin parsed, Fraction bpm, int meter) = EngineSuccessor.ParseTakeover(line);
        Assert.Equal(origin, parsed);
        Assert.Equal(Fraction.Create(1001, 8), bpm);
        Assert.Equal(7, meter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1:2:3 120")]
    [InlineData("1:2 120 4")]
    [InlineData("-1:0:0 120 4")]
    [InlineData("0:0:0 0 4")]
    [InlineData("0:0:0 120 0")]
    public void AMalformedTakeoverLine_IsRefused(string line) =>
        Assert.Throws<FormatException>(() => EngineSuccessor.ParseTakeover(line));

    [Fact]
    public void AStandby_ExitsWhenItsFrontLetsItGo_WithoutEverListening()
    {
        string path = EngineProcess.NewSocketPath();
        var successor = new EngineSuccessor(path, () => EngineProcess.StartInfo(path, "--standby"));
        successor.Prepare();
        int pid = successor.StandbyProcessId ?? throw new InvalidOperationException("no standby started");
        Assert.True(successor.WaitUntilReady(TimeSpan.FromSeconds(60)), "the standby warmed up");
        Assert.False(File.Exists(path), "a standby does not listen before it takes over");
        using var standby = System.Diagnostics.Process.GetProcessById(pid);
        successor.Dispose();
        Assert.True(standby.WaitForExit(10_000), "the standby exits once its standard input closes");
        Assert.False(File.Exists(path));
    }
}
