namespace LiveEngine.Tests.Cli;

public sealed class PatternCommandTests
{
    [Fact]
    public void Pattern_PrintsOneJsonLinePerEvent_WithExactFractions()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "pattern", "bd [sn cp] <hh oh>", "--cycles", "2");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """
            {"begin":"0","end":"1/3","value":"bd"}
            {"begin":"1/3","end":"1/2","value":"sn"}
            {"begin":"1/2","end":"2/3","value":"cp"}
            {"begin":"2/3","end":"1","value":"hh"}
            {"begin":"1","end":"4/3","value":"bd"}
            {"begin":"4/3","end":"3/2","value":"sn"}
            {"begin":"3/2","end":"5/3","value":"cp"}
            {"begin":"5/3","end":"2","value":"oh"}

            """.ReplaceLineEndings("\n"),
            result.Output);
    }

    [Fact]
    public void Pattern_WithAMistake_NamesTheColumnAndExits2()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "pattern", "bd [sn");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("column 7: expected ']' before the end of the pattern", result.Error);
        Assert.Equal(string.Empty, result.Output);
    }
}
