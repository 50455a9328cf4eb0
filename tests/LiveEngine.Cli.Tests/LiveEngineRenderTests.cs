namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>liveengine-render</c> (src/LiveEngine.Render), the program that is published ahead of time: run as a process
/// from the normal build, it must write the very bytes <c>liveengine render</c> writes for the same options, and turn
/// a mistake in its command line into one clear line and exit code 2.
/// </summary>
public sealed class LiveEngineRenderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("le-aot-render-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("voices-1024", "1", "64", "32")]
    [InlineData("voices-1024", "2", "64", "32")]
    [InlineData("chains-16x16", "2", "128", "24")]
    [InlineData("voices-64", "1", "96", "16")]
    public void Render_WritesTheSameBytesAsLiveEngineRender(string workload, string threads, string block, string bits)
    {
        string expected = Path.Combine(_directory, "liveengine.wav");
        string actual = Path.Combine(_directory, "liveengine-render.wav");
        string[] options = ["--workload", workload, "--seconds", "1.5", "--sample-rate", "48000", "--block", block, "--bits", bits, "--threads", threads];

        LiveEngineProcess.Result reference = LiveEngineProcess.Run(null, ["render", .. options, "--out", expected]);
        LiveEngineProcess.Result result = LiveEngineProcess.RunProgram("liveengine-render", null, ["render", .. options, "--out", actual]);

        Assert.True(reference.ExitCode == 0, reference.Output + reference.Error);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(actual));
        Assert.StartsWith($"Wrote {actual}: 1.5 s, 2 ch, 48000 Hz, {bits}-bit in ", result.Output);
        Assert.Contains($"Rendering {workload}: 1.5 s at 48000 Hz, {block}-frame blocks, ", result.Error);
        Assert.Contains($"{threads} thread(s) → {actual}", result.Error);
        if (threads == "2")
        {
            Assert.Contains("blocks ran on 2 threads, the rest on one (the measured choice).", result.Error);
        }
    }

    [Fact]
    public void RenderWithTiming_SaysWhereTheTimeWentFromMain_AndWritesTheSameBits()
    {
        string plain = Path.Combine(_directory, "plain.wav");
        string timed = Path.Combine(_directory, "timed.wav");

        LiveEngineProcess.Result first = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "--workload", "voices-256", "--seconds", "0.5", "--out", plain);
        LiveEngineProcess.Result second = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "--workload", "voices-256", "--seconds", "0.5", "--out", timed, "--timing");

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        Assert.DoesNotContain("Timing", first.Error);
        Assert.Matches(@"Timing \(wall\): the graph [0-9.]+ ms, its compile [0-9.]+ ms, the first block [0-9.]+ ms, the render [0-9.]+ ms \(WAV writes [0-9.]+ ms\); Main → now [0-9.]+ ms", second.Error);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(timed));
    }

    [Theory]
    [InlineData("--speed", "2", "unknown option '--speed'")]
    [InlineData("--seconds", "ten", "--seconds takes a number, not 'ten'")]
    [InlineData("--threads", "0", "--threads must be 1 to 256, not 0")]
    [InlineData("--bits", "20", "--bits must be 16, 24 or 32, not 20")]
    [InlineData("--policy", "fastest", "--policy must be critical-path, steal or wavefront, not 'fastest'")]
    [InlineData("--block", "5000", "--block must be 1 to 4096 frames, not 5000")]
    public void Render_WithABadOption_ExitsWith2AndSaysWhatIsWrong(string option, string value, string message)
    {
        string wav = Path.Combine(_directory, "bad.wav");

        LiveEngineProcess.Result result = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "--workload", "voices-64", "--seconds", "1", option, value, "--out", wav);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: " + message, result.Error);
        Assert.False(File.Exists(wav), "nothing is written after a bad option");
    }

    [Fact]
    public void Render_WithAnUnknownWorkloadOrAGraphFileOrNoOutput_ExitsWith2AndSaysWhatToDo()
    {
        LiveEngineProcess.Result unknown = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "--workload", "voices-lots", "--out", Path.Combine(_directory, "x.wav"));
        LiveEngineProcess.Result file = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "graph.json", "--out", Path.Combine(_directory, "x.wav"));
        LiveEngineProcess.Result noOutput = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "--workload", "voices-64");
        LiveEngineProcess.Result noValue = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "--workload", "voices-64", "--out");

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("voices-lots", unknown.Error);
        Assert.Equal(2, file.ExitCode);
        Assert.Contains("render the file 'graph.json' with `liveengine render`", file.Error);
        Assert.Equal(2, noOutput.ExitCode);
        Assert.Equal("error: --out FILE.wav is required.", noOutput.Error.Trim());
        Assert.Equal(2, noValue.ExitCode);
        Assert.Equal("error: --out needs a value.", noValue.Error.Trim());
    }

    [Fact]
    public void Render_IntoAFolderThatDoesNotExist_ExitsWith1AndNamesThePath()
    {
        string wav = Path.Combine(_directory, "no-such-folder", "x.wav");

        LiveEngineProcess.Result result = LiveEngineProcess.RunProgram("liveengine-render", null, "render", "--workload", "voices-64", "--seconds", "0.1", "--out", wav);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: Could not find a part of the path '{wav}'", result.Error);
    }

    [Fact]
    public void Selftest_MatchesEveryKernelToItsScalarReference()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.RunProgram("liveengine-render", null, "selftest");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("all kernels match their scalar reference", result.Output);
    }
}
