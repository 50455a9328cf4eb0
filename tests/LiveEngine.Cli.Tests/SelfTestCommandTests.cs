namespace LiveEngine.Tests.Cli;

public sealed class SelfTestCommandTests
{
    [Fact]
    public void Selftest_PassesWithHardwareIntrinsics()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "selftest");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("all kernels match their scalar reference", result.Output);
    }

    [Fact]
    public void Selftest_PassesInAChildWithHardwareIntrinsicsDisabled()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(new Dictionary<string, string> { ["DOTNET_EnableHWIntrinsic"] = "0" }, "selftest");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Vector128=False Vector256=False Vector512=False", result.Output);
        Assert.Contains("all kernels match their scalar reference", result.Output);
    }
}
