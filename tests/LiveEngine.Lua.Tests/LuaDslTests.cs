using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Live;

namespace LiveEngine.Lua.Tests;

/// <summary>The graph DSL: what a line of Lua commits.</summary>
public sealed class LuaDslTests
{
    [Fact]
    public async Task Chain_CommitsNamedAndPlacedNodes_WithAnAutomaticPanIntoStereo()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        Evaluation result = await workspace.EvaluateAsync("out(saw 'bass' {55, level = 0.2} >> lpf{cutoff = 800})");
        Assert.True(result.Ok, result.Error);

        GraphDescription graph = session.Graph;
        Assert.Equal(["out", "bass", "lpf1", "lpf1.pan"], graph.Nodes.Select(n => n.Id));
        Assert.Equal(["bass.out -> lpf1.in", "lpf1.out -> lpf1.pan.in", "lpf1.pan.out -> out.in"], graph.Edges.Select(e => e.ToString()));
        NodeSpec bass = graph.Nodes.Single(n => n.Id == "bass");
        Assert.Equal("saw", bass.Type);
        Assert.Equal(55, bass.Parameters["freqHz"]);
        Assert.Equal(0.2, bass.Parameters["level"]);
        Assert.Equal(800, graph.Nodes.Single(n => n.Id == "lpf1").Parameters["cutoffHz"]);
    }

    [Fact]
    public async Task Commit_ReadsTheDraftTablesIntoTheSessionsGraph_AsTheirJsonDescribesIt()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        Evaluation result = await workspace.EvaluateAsync("out { saw 'a' {55.25, level = 0.125} >> lpf 'f' {cutoff = 900}, sine 'b' {220} }\nreturn graph_json()");
        Assert.True(result.Ok, result.Error);

        // The commit carried the tables straight into a GraphDescription; the display JSON of the same draft agrees.
        Assert.Equal(GraphDescription.FromJson((string)result.Value!).ToJson(), session.Graph.ToJson());
        Assert.Equal(2, session.Graph.Nodes.Single(n => n.Id == "out").Channels);

        Evaluation patched = await workspace.EvaluateAsync("local c = sine 'c' {330} >> out\npatch('now')");
        Assert.True(patched.Ok, patched.Error);
        Assert.Equal(["out", "a", "f", "b", "f.pan", "b.pan", "c", "c.pan"], session.Graph.Nodes.Select(n => n.Id));
        Assert.Equal(330, session.Graph.Nodes.Single(n => n.Id == "c").Parameters["freqHz"]);
    }

    [Fact]
    public async Task NameAndParametersAsTwoArguments_SetTheParameters_AndAStrayArgumentIsAnError()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        Evaluation result = await workspace.EvaluateAsync("out(saw(\"bass\", { freq = 55 }) >> lpf(\"lp\", { cutoff = 600 }))");
        Assert.True(result.Ok, result.Error);
        Assert.Equal(55, session.Graph.Nodes.Single(n => n.Id == "bass").Parameters["freqHz"]);
        Assert.Equal(600, session.Graph.Nodes.Single(n => n.Id == "lp").Parameters["cutoffHz"]);

        Evaluation stray = await workspace.EvaluateAsync("out(saw({ freq = 55 }, 3))", "stray");
        Assert.False(stray.Ok);
        Assert.StartsWith("stray:1: saw: give a name and parameters as saw \"name\" {...} or saw(\"name\", {...})", stray.Error);
    }

    [Fact]
    public async Task ReEvaluatingTheSameCode_KeepsEveryNodeId_SoTheNodesKeepTheirState()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        const string Code = "out { saw{110} >> lpf{900}, sine{220} }";
        await workspace.EvaluateAsync(Code);
        string first = session.Graph.ToJson();
        await workspace.EvaluateAsync(Code);
        Assert.Equal(first, session.Graph.ToJson());
        Assert.Equal(2, session.UndoDepth);
    }

    [Fact]
    public async Task UnknownParameter_NamesTheRealOneAndSuggests()
    {
        using var workspace = new LuaWorkspace(LuaPiece.CreateSession());
        Evaluation result = await workspace.EvaluateAsync("\nout(saw{frq = 3})", "typo.lua");
        Assert.Equal("typo.lua:2: 'saw' has no parameter 'frq'. Did you mean 'freqHz'? (its parameters: freqHz, level, phase)", result.Error);
    }

    [Fact]
    public async Task ShortNames_MapToTheParametersWithUnits()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        await workspace.EvaluateAsync("out(space('r', {decay = 5}) >> delay 'd' {time = 120, fb = 0.5, wet = 0.2})");
        GraphDescription graph = session.Graph;
        Assert.Equal(5, graph.Nodes.Single(n => n.Id == "r").Parameters["decaySec"]);
        Assert.Equal(new Dictionary<string, double> { ["delayMs"] = 120, ["feedback"] = 0.5, ["mix"] = 0.2 }, graph.Nodes.Single(n => n.Id == "d").Parameters);
        Assert.Equal(2, graph.Nodes.Single(n => n.Id == "d").Channels);
    }

    [Fact]
    public async Task Ports_ConnectAnEnvelopeToAVcaControlInput()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        Evaluation result = await workspace.EvaluateAsync("local amp = vca 'amp'\n_ = adsr 'env' {} >> amp.cv\nout(sine 'osc' {} >> amp)");
        Assert.True(result.Ok, result.Error);
        Assert.Contains("env.out -> amp.cv", session.Graph.Edges.Select(e => e.ToString()));
        Assert.Contains("osc.out -> amp.in", session.Graph.Edges.Select(e => e.ToString()));
    }

    [Fact]
    public async Task SettingAFieldOfAPlayingNode_SetsTheParameterNow()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        await workspace.EvaluateAsync("lead = sine 'lead' {440}\nout(lead)");
        Evaluation result = await workspace.EvaluateAsync("lead.freq = 330\nreturn lead.freq");
        Assert.Equal("330", result.Value);
        Assert.Equal(330, session.Graph.Nodes.Single(n => n.Id == "lead").Parameters["freqHz"]);
    }

    [Fact]
    public async Task Patch_AddsToThePlayingGraph_CommitReplacesIt()
    {
        LiveSession session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        await workspace.EvaluateAsync("out(sine 'a' {})");
        await workspace.EvaluateAsync("out(sine 'b' {})\npatch('now')");
        Assert.Equal(["out", "a", "a.pan", "b", "b.pan"], session.Graph.Nodes.Select(n => n.Id));
        await workspace.EvaluateAsync("out(sine 'c' {})\ncommit('now')");
        Assert.Equal(["out", "c", "c.pan"], session.Graph.Nodes.Select(n => n.Id));
    }

    [Fact]
    public async Task Commit_ReturnsTheSampleOfTheNextBar()
    {
        LiveSession session = LuaPiece.CreateSession();
        session.Renderer.Render(128);
        using var workspace = new LuaWorkspace(session);
        Evaluation result = await workspace.EvaluateAsync("out(sine{})\nreturn commit('bar'), commit(2)");
        Assert.Equal("96000\t192000", result.Value);
    }

    [Fact]
    public async Task Variables_AreReadAndWrittenByName()
    {
        LiveSession session = LuaPiece.CreateSession();
        session.Variables.Set("cutoff", 1200);
        using var workspace = new LuaWorkspace(session);
        Evaluation result = await workspace.EvaluateAsync("setvar('depth', 0.25)\nreturn var('cutoff'), var('missing', 7)");
        Assert.Equal("1200.0\t7.0", result.Value);
        Assert.Equal(0.25, session.Variables.Get("depth"));
    }
}
