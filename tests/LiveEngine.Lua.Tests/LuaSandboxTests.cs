using System.Diagnostics;
using LiveEngine.Languages;
using LiveEngine.Live;

namespace LiveEngine.Lua.Tests;

/// <summary>Nothing typed can hurt the performance: the sandbox, the limits and transactional evaluation.</summary>
public sealed class LuaSandboxTests
{
    [Fact]
    public async Task RunawayLoop_IsStoppedWithin100ms_NamingTheLine_AndTheStateStaysUsable()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        await workspace.EvaluateAsync("x = 41", "setup");

        // The fastest of three tries: on a loaded 2-core machine (the other test assemblies run beside this one)
        // the evaluating thread can be descheduled for longer than the stop takes.
        var tries = new List<long>();
        for (int attempt = 0; attempt < 3 && (tries.Count == 0 || tries.Min() > 100); attempt++)
        {
            var watch = Stopwatch.StartNew();
            Evaluation result = await workspace.EvaluateAsync("local n = 0\n\nwhile true do n = n + 1 end", "loop.lua");
            watch.Stop();
            tries.Add(watch.ElapsedMilliseconds);
            Assert.False(result.Ok);
            Assert.StartsWith("loop.lua:3: stopped: ran for more than 80 ms", result.Error);
        }

        Assert.True(tries.Min() <= 100, $"stopped after {string.Join(", ", tries)} ms");

        Evaluation after = await workspace.EvaluateAsync("return x + 1", "after");
        Assert.True(after.Ok, after.Error);
        Assert.Equal("42", after.Value);
    }

    [Fact]
    public async Task EmptyRunawayLoop_IsStoppedByTheInstructionLimit_WhenTheTimeoutIsLong()
    {
        var limits = new LuaLimits { EvaluationTimeout = TimeSpan.FromMinutes(1), EvaluationInstructions = 5_000_000 };
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession(), new LuaPieceOptions { Limits = limits });
        Evaluation result = await workspace.EvaluateAsync("while true do end", "spin");
        Assert.False(result.Ok);
        Assert.Equal("spin:1: stopped: executed more than 5,000,000 instructions (an endless loop?)", result.Error);
    }

    [Fact]
    public async Task MemoryBomb_IsStopped_WithAClearError_AndTheStateStaysUsable()
    {
        var limits = new LuaLimits { MemoryBytes = 16 << 20, EvaluationTimeout = TimeSpan.FromSeconds(20) };
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession(), new LuaPieceOptions { Limits = limits });

        Evaluation growing = await workspace.EvaluateAsync("local t = {}\nfor i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end", "bomb.lua");
        Assert.False(growing.Ok);
        Assert.Contains("memory limit reached: the Lua state may hold at most 16 MB", growing.Error);
        Assert.StartsWith("bomb.lua:2:", growing.Error);

        Evaluation huge = await workspace.EvaluateAsync("return ('x'):rep(1e9)", "rep");
        Assert.False(huge.Ok);
        Assert.Contains("memory limit reached", huge.Error);

        Evaluation after = await workspace.EvaluateAsync("return ('ok'):rep(2)", "after");
        Assert.Equal("okok", after.Value);
    }

    [Fact]
    public async Task FailedEvaluation_RollsBackTheGlobalsItCreatedChangedOrRemoved()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Assert.True((await workspace.EvaluateAsync("x = 1; keep = 'k'", "setup")).Ok);

        Evaluation failed = await workspace.EvaluateAsync("x = 2; y = 3; keep = nil; _G.z = 4; error('boom')", "bad.lua");
        Assert.False(failed.Ok);
        Assert.Equal("bad.lua:1: boom", failed.Error);

        Evaluation after = await workspace.EvaluateAsync("return tostring(x) .. ' ' .. tostring(y) .. ' ' .. tostring(keep) .. ' ' .. tostring(z)", "after");
        Assert.Equal("1 nil k nil", after.Value);
        Assert.DoesNotContain("y", workspace.Completions("y"));

        // A successful evaluation keeps what it wrote.
        Assert.True((await workspace.EvaluateAsync("x = 5", "ok")).Ok);
        Assert.Equal("5", (await workspace.EvaluateAsync("return x", "read")).Value);
    }

    [Fact]
    public async Task FailedEvaluation_StoppedByALimit_RollsBackToo_AndTheDslStillWorks()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation stopped = await workspace.EvaluateAsync("sine = 0; counter = 0\nwhile true do counter = counter + 1 end", "loop.lua");
        Assert.False(stopped.Ok);
        Evaluation after = await workspace.EvaluateAsync("out(sine{220})\nreturn tostring(counter)", "after");
        Assert.True(after.Ok, after.Error);
        Assert.Equal("nil", after.Value);
    }

    [Fact]
    public async Task MemoryBombInAGlobal_IsRolledBack_MemoryComesBackUnderTheCap_AndLaterCodeRuns()
    {
        const long Cap = 16 << 20;
        var limits = new LuaLimits { MemoryBytes = Cap, EvaluationTimeout = TimeSpan.FromSeconds(20) };
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession(), new LuaPieceOptions { Limits = limits });
        long before = await workspace.MeasureMemoryAsync();

        Evaluation bomb = await workspace.EvaluateAsync("t = {}\nfor i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end", "bomb.lua");
        Assert.False(bomb.Ok);
        Assert.Contains("memory limit reached", bomb.Error);

        long afterBomb = await workspace.MeasureMemoryAsync();
        Assert.True(afterBomb < before + (1 << 20), $"the state holds {afterBomb} bytes after the bomb, {before} before (cap {Cap})");

        // Code that needs more than half the cap runs: the bomb's table is gone.
        Evaluation big = await workspace.EvaluateAsync("local u = {}\nfor i = 1, 40000 do u[i] = ('y'):rep(200) .. i end\nreturn #u .. ' ' .. tostring(t)", "big.lua");
        Assert.True(big.Ok, big.Error);
        Assert.Equal("40000 nil", big.Value);
    }

    [Theory]
    [InlineData("os.execute('ls')", "global 'os'")]
    [InlineData("io.open('/etc/passwd')", "global 'io'")]
    [InlineData("require('socket')", "global 'require'")]
    [InlineData("debug.sethook()", "global 'debug'")]
    [InlineData("package.loadlib('x', 'y')", "global 'package'")]
    [InlineData("dofile('/etc/passwd')", "global 'dofile'")]
    [InlineData("string.dump(print)", "field 'dump'")]
    public async Task UnsafeLibraries_AreAbsent(string code, string named)
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation result = await workspace.EvaluateAsync(code, "bad");
        Assert.False(result.Ok);
        Assert.StartsWith("bad:1: attempt to call a nil value", result.Error!.Replace("attempt to index a nil value", "attempt to call a nil value", StringComparison.Ordinal));
        Assert.Contains(named, result.Error);
    }

    [Fact]
    public async Task Bytecode_CannotBeLoaded()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation result = await workspace.EvaluateAsync("return load('\\27Lua')", "bc");
        Assert.True(result.Ok, result.Error);
        Assert.StartsWith("nil\t", (string?)result.Value);
        Assert.Contains("attempt to load a binary chunk", (string?)result.Value);
    }

    [Fact]
    public async Task SyntaxError_LeavesTheRunningGraphUnchanged()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        Evaluation first = await workspace.EvaluateAsync("out(sine 'tone' {220})", "one");
        Assert.True(first.Ok, first.Error);
        string before = session.Graph.ToJson();
        int depth = session.UndoDepth;

        Evaluation broken = await workspace.EvaluateAsync("out(saw 'other' {110})\nthis is not lua", "two");

        Assert.False(broken.Ok);
        Assert.StartsWith("two:2: syntax error near 'is'", broken.Error);
        Assert.Equal(before, session.Graph.ToJson());
        Assert.Equal(depth, session.UndoDepth);
    }

    [Fact]
    public async Task RuntimeError_AfterBuildingNodes_CommitsNothing()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        await workspace.EvaluateAsync("out(sine 'tone' {220})", "one");
        string before = session.Graph.ToJson();

        Evaluation failed = await workspace.EvaluateAsync("out(saw 'other' {110})\nevery(1, function() end, 'never')\nerror('boom')", "two");

        Assert.Equal("two:3: boom", failed.Error);
        Assert.Equal(before, session.Graph.ToJson());
        Evaluation next = await workspace.EvaluateAsync("return graph_json()", "three");
        Assert.Equal("""{"nodes":[{"id":"out","type":"out","channels":2,"parameters":{}}],"edges":[]}""", next.Value);
    }

    [Fact]
    public async Task InvalidGraph_IsRefusedWithTheValidatorsMessage_AndNothingChanges()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        string before = session.Graph.ToJson();
        Evaluation result = await workspace.EvaluateAsync("out(sine 's' {freq = 30000})", "range");
        Assert.False(result.Ok);
        Assert.Equal("Parameter 's.freqHz' = 30000 is outside its range 0..20000 Hz.", result.Error);
        Assert.Equal(before, session.Graph.ToJson());
    }

    [Fact]
    public async Task RunawaySortComparator_IsStopped_AndSortStillSorts()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation runaway = await workspace.EvaluateAsync("table.sort({3, 1, 2}, function(a, b) while true do end end)", "sort");
        Assert.StartsWith("sort:1: stopped: ", runaway.Error);

        Evaluation sorted = await workspace.EvaluateAsync("local t = {5, 3, 9, 1, 3, 7, 2} table.sort(t) local u = {'b', 'c', 'a'} table.sort(u, function(x, y) return x > y end) return table.concat(t, ' ') .. ' ' .. table.concat(u)", "ok");
        Assert.Equal("1 2 3 3 5 7 9 cba", sorted.Value);
    }

    [Fact]
    public async Task GcFinalizers_AreRefused()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation result = await workspace.EvaluateAsync("setmetatable({}, {__gc = function() while true do end end})", "gc");
        Assert.Equal("gc:1: setmetatable: __gc finalizers are not available in the sandbox", result.Error);
    }
}
