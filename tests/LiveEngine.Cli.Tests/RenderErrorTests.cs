namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>liveengine render</c> refuses what can only be a mistake with a message in the user's terms (file, line, node,
/// parameter) and a non-zero exit, and writes nothing.
/// </summary>
public sealed class RenderErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("liveengine-render-errors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("empty.lua", "")]
    [InlineData("comment.lua", "-- a piece to come\ntempo(100)\n")]
    [InlineData("nowhere.lua", "_ = saw{55} >> lpf{cutoff = 800}\n")]
    [InlineData("empty.csx", "")]
    public void APieceThatSendsNothingToOut_FailsWithNothingReachesOut_AndWritesNothing(string name, string code)
    {
        LiveEngineProcess.Result result = Render(name, code);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{name}: nothing reaches 'out'", result.Error);
        Assert.False(File.Exists(Path.Combine(_directory, "x.wav")));
    }

    [Fact]
    public void AGraphFileWithNoEdgeIntoOut_FailsWithNothingReachesOut()
    {
        LiveEngineProcess.Result result = Render("g.json", """{ "nodes": [ { "id": "osc", "type": "sine" }, { "id": "out", "type": "out" } ], "edges": [] }""");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("g.json: nothing reaches 'out'", result.Error);
    }

    [Fact]
    public void AGraphFileWithAnUnknownKey_NamesTheKeyItsPlaceAndTheAllowedKeys()
    {
        LiveEngineProcess.Result result = Render("g.json", """{ "nodes": [ { "id": "osc", "type": "sine" }, { "id": "out", "type": "out" } ], "edges": [ { "from": "osc", "too": "out" } ] }""");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown key 'too' at edges[0]: an edge has the keys from, fromPort, to, toPort.", result.Error);
    }

    [Theory]
    [InlineData("out(sine \"osc\" {0/0})", 2, "Parameter 'osc.freqHz' = NaN (not a number, e.g. 0/0): it takes a number in 0..20000 Hz.")]
    [InlineData("local osc = sine \"osc\" {220}\nosc.level = 1/0\nout(osc)", 3, "Parameter 'osc.level' = infinity (e.g. a division by zero): it takes a number in 0..16 linear.")]
    public void ANaNOrInfiniteParameterInLua_NamesNodeParameterAndLine(string code, int line, string message)
    {
        LiveEngineProcess.Result result = Render("nan.lua", "tempo(120)\n" + code);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"nan.lua:{line}: {message}", result.Error);
        Assert.DoesNotContain("(Parameter", result.Error);
    }

    [Fact]
    public void PlayingANodeBuiltInTheSameEvaluation_SaysWhyAndWhatToDo()
    {
        LiveEngineProcess.Result result = Render("lead.lua", "out(synth(\"lead\", {wave = \"square\"}))\nplay(\"lead\", \"e4\")\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("lead.lua:2: node 'lead.", result.Error);
        Assert.Contains("is built by this evaluation and plays only from its commit, when the evaluation ends: play it from a callback (after(0, function() ... end)) or in the next evaluation", result.Error);
    }

    [Fact]
    public void ANaNVariableInLua_IsRefusedInTheUsersTerms()
    {
        LiveEngineProcess.Result result = Render("var.lua", "out(sine{220})\nsetvar(\"drive\", 0/0)\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("var.lua:2: Variable 'drive' = NaN (not a number, e.g. 0/0): a variable holds a finite number.", result.Error);
        Assert.DoesNotContain("(Parameter", result.Error);
        Assert.DoesNotContain("Actual value", result.Error);
    }

    [Fact]
    public void ACycleInLua_NamesItsNodesAndTheLineThatClosedIt()
    {
        LiveEngineProcess.Result result = Render("cycle.lua", "local a = lpf \"a\" {}\nlocal b = hpf \"b\" {}\nout(saw{55} >> a)\n_ = a >> b\n_ = b >> a\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cycle.lua:5: Cycle: ", result.Error);
        Assert.Matches("Cycle: (a -> b -> a|b -> a -> b)\\.", result.Error);
    }

    [Fact]
    public void ACycleInCSharp_NamesItsNodesAndTheLine()
    {
        LiveEngineProcess.Result result = Render("cycle.csx", "Tempo(120);\nGraph().Add(\"s\", \"saw\").Add(\"a\", \"lpf\").Add(\"b\", \"hpf\")\n    .Chain(\"s\", \"a\", \"out\").Connect(\"a\", \"b\").Connect(\"b\", \"a\").Commit(Now);\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cycle.csx", result.Error);
        Assert.Matches("\\(2,\\d+\\)|:2[:,]", result.Error);
        Assert.Matches("Cycle: (a -> b -> a|b -> a -> b)\\.", result.Error);
    }

    private LiveEngineProcess.Result Render(string name, string code)
    {
        string file = Path.Combine(_directory, name);
        File.WriteAllText(file, code);
        return LiveEngineProcess.Run(null, "render", file, "--seconds", "1", "--out", Path.Combine(_directory, "x.wav"));
    }
}
