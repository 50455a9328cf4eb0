using LiveEngine.Languages;
using LiveEngine.Live;

namespace LiveEngine.Lua.Tests;

/// <summary>The REPL's persistent workspace.</summary>
public sealed class LuaWorkspaceTests
{
    [Fact]
    public async Task Evaluate_ReturnsTheValueAndThePrintedOutput_AndGlobalsPersist()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation first = await workspace.EvaluateAsync("x = 20\nprint('hello', x)\nreturn x + 1");
        Assert.Equal(Evaluation.Success("hello\t20\n", "21"), first);
        Evaluation second = await workspace.EvaluateAsync("return x * 2");
        Assert.Equal("40", second.Value);
        Assert.Equal("", second.Output);
    }

    [Fact]
    public async Task Completions_ListDslStdlibAndUserNames()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        IReadOnlyList<string> names = workspace.Completions("s");
        Assert.All(names, n => Assert.StartsWith("s", n, StringComparison.Ordinal));
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Superset(new HashSet<string> { "saw", "scale", "seq", "set", "sine", "snare", "space", "stop", "synth" }, names.ToHashSet());
        Assert.Empty(workspace.Completions("myf"));
        await workspace.EvaluateAsync("function myfunction() end");
        Assert.Equal(["myfunction"], workspace.Completions("myf"));
    }

    [Fact]
    public async Task Pump_RunsCallbacksOnTheWorkspaceThread_AndTheirErrorsAreReported()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        var diagnostics = new List<string>();
        var printed = new List<string>();
        workspace.Diagnostics += diagnostics.Add;
        workspace.Output += printed.Add;
        await workspace.EvaluateAsync("every(1, function(i) print('tick', i) if i == 1 then error('no') end end, 'ticker')", "cb");

        await workspace.PumpAsync(48_000);

        Assert.Equal(["tick\t0", "tick\t1"], printed);
        Assert.Equal(["cb:1: no (callback 'ticker' at beat 1 was disabled; the others go on)"], diagnostics);
    }
}
