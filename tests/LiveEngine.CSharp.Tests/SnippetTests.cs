using LiveEngine.Languages;

namespace LiveEngine.CSharp.Tests;

public sealed class SnippetTests
{
    [Fact]
    public void VariablesFunctionsAndUsings_PersistAcrossSubmissions()
    {
        using var f = new SessionFixture();
        f.EvalOk("using System.Text;");
        f.EvalOk("var root = 110.0;");
        f.EvalOk("double Octave(double hz, int n) => hz * Math.Pow(2, n);");
        Evaluation result = f.EvalOk("new StringBuilder().Append(Octave(root, 2)).ToString()");
        Assert.Equal("440", result.Value);
    }

    [Fact]
    public void TrailingExpression_IsTheValue_AndPrintIsCaptured()
    {
        using var f = new SessionFixture();
        Evaluation result = f.EvalOk("Print(\"hello\"); Print(6 * 7); 1 + 2");
        Assert.Equal(3, result.Value);
        Assert.Equal("hello\n42\n", result.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void CompileError_IsReportedWithLineAndColumn_AndTheGraphIsUnchanged()
    {
        using var f = new SessionFixture();
        f.EvalOk("""Graph().Add("tone", "sine", ("freqHz", 440), ("level", 0.5)).Chain("tone", "out").Commit(Now);""");
        string before = f.Session.Graph.ToJson();
        Evaluation result = f.Eval("""
            Edit().Remove("tone").Commit(Now);
            var x = 1;
              Print(undefinedThing);
            """);
        Assert.False(result.Ok);
        EvaluationDiagnostic error = Assert.Single(result.Errors);
        Assert.Equal("CS0103", error.Id);
        Assert.Equal(3, error.Line);
        Assert.Equal(9, error.Column);
        Assert.Equal("(3,9): error CS0103: The name 'undefinedThing' does not exist in the current context", error.ToString());
        Assert.Equal(before, f.Session.Graph.ToJson());
    }

    [Fact]
    public void CompileErrorInANodeClass_IsPositionedInTheSnippet()
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval("""
            var level = 0.5;
            [Node("broken", Inputs = new string[0])]
            class Broken : UserNode
            {
                protected override void Render(in ProcessContext context)
                {
                    context.Output(0).Fill(missing);
                }
            }
            """);
        EvaluationDiagnostic error = Assert.Single(result.Errors);
        Assert.Equal("(7,32): error CS0103: The name 'missing' does not exist in the current context", error.ToString());
        Assert.False(f.Registry.TryGet("broken", out _));
    }

    [Fact]
    public void RuntimeException_IsReportedWithItsLine()
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval("""
            var a = 1;
            Set("nosuchnode", "level", 1);
            """);
        EvaluationDiagnostic error = Assert.Single(result.Errors);
        Assert.Equal("RUN", error.Id);
        Assert.Equal(2, error.Line);
        Assert.StartsWith("ArgumentException: No node 'nosuchnode'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidGraph_IsRejectedWithTheValidatorsMessage_AndTheGraphIsUnchanged()
    {
        using var f = new SessionFixture();
        string before = f.Session.Graph.ToJson();
        Evaluation result = f.Eval("""Graph().Add("a", "sawtooth").Chain("a", "out").Commit(Now);""");
        EvaluationDiagnostic error = Assert.Single(result.Errors);
        Assert.StartsWith("GraphValidationException: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("sawtooth", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, f.Session.Graph.ToJson());
    }

    [Fact]
    public void VarsAndParameters_ReachTheSession()
    {
        using var f = new SessionFixture();
        f.EvalOk("""
            Graph().Add("g", "sine", ("freqHz", 440), ("level", 0.5)).Chain("g", "out").Commit(Now);
            Vars.Set("depth", 0.25);
            Set("g", "level", Vars.Get("depth"));
            """);
        Assert.Equal(0.25, f.Session.Variables.Get("depth"));
        Assert.Equal(0.25, f.Session.Graph.Nodes.Single(n => n.Id == "g").Parameters["level"]);
    }
}
