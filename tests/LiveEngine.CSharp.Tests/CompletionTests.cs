namespace LiveEngine.CSharp.Tests;

public sealed class CompletionTests
{
    [Fact]
    public async Task MemberCompletion_ListsTheGlobalsAndTheirMembers()
    {
        using var f = new SessionFixture();
        IReadOnlyList<CompletionSuggestion> vars = await f.Workspace.CompletionsAsync("Vars.", 5);
        Assert.Contains(vars, c => c.Text == "Set" && c.Kind == "Method");
        Assert.Contains(vars, c => c.Text == "Get" && c.Kind == "Method");
        Assert.DoesNotContain(vars, c => c.Text == "Graph");

        IReadOnlyList<CompletionSuggestion> typed = await f.Workspace.CompletionsAsync("var b = Gra", 11);
        CompletionSuggestion graph = Assert.Single(typed, c => c.Text == "Graph");
        Assert.Equal(8, graph.ReplaceStart);
        Assert.Equal(3, graph.ReplaceLength);
        Assert.All(typed, c => Assert.StartsWith("Gra", c.Text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Completion_KnowsVariablesAndFunctionsFromEarlierSubmissions()
    {
        using var f = new SessionFixture();
        f.EvalOk("var rootHz = 110.0; double Rooted(int n) => rootHz * n;");
        IReadOnlyList<CompletionSuggestion> found = await f.Workspace.CompletionsAsync("Print(Root", 10);
        Assert.Contains(found, c => c.Text == "rootHz");
        Assert.Contains(found, c => c.Text == "Rooted");
    }

    [Fact]
    public async Task SignatureHelp_NamesTheOverloadAndTheArgumentBeingTyped()
    {
        using var f = new SessionFixture();
        string code = "Set(\"osc\", \"freqHz\", ";
        SignatureHelp? help = await f.Workspace.SignatureHelpAsync(code, code.Length);
        Assert.NotNull(help);
        Assert.Equal(2, help.ActiveParameter);
        Assert.Equal("LiveGlobals.Set(string, string, double, Quantization?)", help.Signatures[help.ActiveSignature]);
        Assert.Null(await f.Workspace.SignatureHelpAsync("var x = 1;", 5));
    }
}
