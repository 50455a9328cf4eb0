using LiveEngine.Languages;

namespace LiveEngine.Lua.Tests;

/// <summary>Every step of the tutorial in docs/lua.md evaluates, in order, in one workspace, and commits or plays.</summary>
public sealed class LuaTutorialTests
{
    public static TheoryData<string[]> Steps() => new()
    {
        new[]
        {
            "out(sine{220})",
            "out(saw{110, level = 0.3} >> lpf{cutoff = 800})",
            "out(saw \"bass\" {55, level = 0.3} >> lpf \"filter\" {cutoff = 600})",
            "set(\"filter\", \"cutoff\", 1200)",
            "out(synth(\"lead\", {wave = \"square\", cutoff = 1500}))",
            "play(\"lead\", \"e4\")",
            "out(synth(\"lead\", {wave = \"square\", cutoff = 1500}))\nlocal notes = scale(\"a3\", \"minpent\")\nevery(1/2, function(i) play(\"lead\", notes[i % #notes + 1]) end, \"melody\")",
            "stop(\"melody\")",
            "out { kick(\"kick\"), hat(\"hat\"), snare(\"snare\") }\ntrack(\"drums\", \"bd [~ bd] sn ~\", {bd = \"kick\", sn = \"snare\"})\ntrack(\"hats\", \"hh*8\", \"hat\")\ntrack(\"rim\", euclid(5, 8), \"snare\")",
            "local master = limiter()\nout(master)\n_ = synth(\"lead\") >> echo(\"echo\", {time = 375, fb = 0.4}) >> space(\"room\", {decay = 3}) >> master\n_ = { kick(\"kick\"), hat(\"hat\"), snare(\"snare\") } >> master",
            "tempo(160, {ramp = 16})",
            "hush()",
        },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task TutorialSteps_AllEvaluate_AndThePiecePlays(string[] steps)
    {
        var session = LuaPiece.CreateSession();
        using var workspace = new LuaWorkspace(session);
        var diagnostics = new List<string>();
        workspace.Diagnostics += diagnostics.Add;
        double energy = 0;
        foreach (string step in steps)
        {
            Evaluation result = await workspace.EvaluateAsync(step, "lesson.lua");
            Assert.True(result.Ok, $"{step}\n=> {result.Error}");
            for (int block = 0; block < 375; block++)
            {
                await workspace.PumpAsync(session.Renderer.Position);
                session.Renderer.Render(128);
                for (int c = 0; c < 2; c++)
                {
                    foreach (float x in session.Renderer.Output(c, 128))
                    {
                        Assert.True(float.IsFinite(x));
                        energy += x * x;
                    }
                }

                session.Maintain();
            }
        }

        Assert.Empty(diagnostics);
        Assert.True(energy > 1, $"energy {energy}");
    }
}
