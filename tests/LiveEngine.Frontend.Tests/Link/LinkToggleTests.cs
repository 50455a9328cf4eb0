using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Hosts.Link;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Frontend.Link;

/// <summary>
/// <c>link()</c> and <c>:link</c> where Link cannot run: a folder without the shim, probed for real as
/// <see cref="LinkAvailability"/> probes the assemblies' folder. The reason reaches Lua as its error, the status says
/// off with the reason, and a word other than on or off is refused with the fix.
/// </summary>
public sealed class LinkToggleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-link-toggle-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Performance WithoutShim()
    {
        var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
        });
        LiveSession local = performance.Local!;
        performance.LocalLink = new LinkSwitch(local, local.Clock, local.Renderer, unavailableReason: () => LinkAvailability.Probe(_dir));
        foreach (var language in FrontendLanguages.Create(performance.Registry))
        {
            performance.AddLanguage(language);
        }

        return performance;
    }

    [Fact]
    public void LinkTrue_WithoutTheShim_IsALuaErrorWithTheReason()
    {
        using Performance performance = WithoutShim();
        Evaluation on = performance.Evaluate("lua", "\nlink(true)", "l.lua", Quantization.Now);
        Assert.False(on.Ok);
        Assert.StartsWith("l.lua:2:", on.Error);
        Assert.Contains("Ableton Link is off:", on.Error);
        Assert.Contains(LinkAvailability.LibraryName, on.Error);
    }

    [Fact]
    public void LinkStatus_WithoutTheShim_IsOffWithTheReason()
    {
        using Performance performance = WithoutShim();
        Evaluation status = performance.Evaluate("lua", "local s = link(); return tostring(s.enabled) .. ' ' .. tostring(s.tempo) .. ' ' .. s.quantum .. ' ' .. s.reason", "l.lua", Quantization.Now);
        Assert.True(status.Ok, status.Error);
        Assert.StartsWith("false nil 4 Ableton Link is off:", status.Output);
        Evaluation off = performance.Evaluate("lua", "return link(false).enabled", "l.lua", Quantization.Now);
        Assert.True(off.Ok, off.Error);
        Assert.Equal("false", off.Output);
        Assert.StartsWith("Ableton Link is off:", performance.LinkCommand(""));
        Assert.StartsWith("Ableton Link is off:", Assert.Throws<InvalidOperationException>(() => performance.LinkCommand("on")).Message);
    }

    [Theory]
    [InlineData("link(1)", "link: expected true, false or nothing")]
    [InlineData("link('on')", "link: expected true, false or nothing")]
    public void LinkWithAnotherArgument_IsRefusedWithTheFix(string code, string message)
    {
        using Performance performance = WithoutShim();
        Evaluation bad = performance.Evaluate("lua", code, "l.lua", Quantization.Now);
        Assert.False(bad.Ok);
        Assert.Contains(message, bad.Error);
        Assert.Contains("':link maybe': say ':link on' or ':link off'", Assert.Throws<ArgumentException>(() => performance.LinkCommand("maybe")).Message);
    }
}
