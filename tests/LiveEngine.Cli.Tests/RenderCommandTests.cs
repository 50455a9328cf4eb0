using LiveEngine.Hosts.Wav;

namespace LiveEngine.Tests.Cli;

public sealed class RenderCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("liveengine-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void RenderVoices256_Writes10SecondsOfFiniteNonSilentStereoBelowFullScale()
    {
        string wav = Path.Combine(_directory, "x.wav");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", "--workload", "voices-256", "--seconds", "10", "--out", wav);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("real-time factor", result.Output);

        WavFile file = WavFile.Read(wav);
        Assert.Equal(48_000, file.SampleRate);
        Assert.Equal(2, file.ChannelCount);
        Assert.Equal(480_000, file.Frames);
        foreach (float[] channel in file.Channels)
        {
            Assert.All(channel, x => Assert.True(float.IsFinite(x)));
            double rms = Math.Sqrt(channel.Average(x => (double)x * x));
            Assert.True(rms > 0.01, $"RMS {rms}: the render is (nearly) silent");

            // The score's level (tools/peers/scores.scd) peaks near 0.6; at twice it, the render clipped at 0.6 s
            // (a 24-bit file holds a clipped sample as 1 - 2^-23, so the bound leaves headroom).
            float peak = channel.Max(Math.Abs);
            Assert.True(peak < 0.9f, $"peak {peak}: the render clips or grazes full scale");
        }
    }

    [Fact]
    public void RenderVoices1024_OneAndTwoThreads_WriteByteIdenticalFiles()
    {
        string one = Path.Combine(_directory, "one.wav");
        string two = Path.Combine(_directory, "two.wav");
        LiveEngineProcess.Result first = LiveEngineProcess.Run(null, "render", "--workload", "voices-1024", "--seconds", "2", "--threads", "1", "--bits", "32", "--out", one);
        LiveEngineProcess.Result second = LiveEngineProcess.Run(null, "render", "--workload", "voices-1024", "--seconds", "2", "--threads", "2", "--bits", "32", "--out", two);
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(two));
    }

    [Fact]
    public void RenderWithTiming_OnTwoThreads_SaysWhereTheWallTimeWent_AndWritesTheSameBits()
    {
        string plain = Path.Combine(_directory, "plain.wav");
        string timed = Path.Combine(_directory, "timed.wav");
        LiveEngineProcess.Result first = LiveEngineProcess.Run(null, "render", "--workload", "voices-64", "--seconds", "2", "--threads", "2", "--bits", "32", "--out", plain);
        LiveEngineProcess.Result second = LiveEngineProcess.Run(null, "render", "--workload", "voices-64", "--seconds", "2", "--threads", "2", "--bits", "32", "--out", timed, "--timing");
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.DoesNotContain("Timing (wall):", first.Error);
        foreach (string phase in new[] { "Timing (wall):", "Main → the render command", "its compile", "the render ", "first block", "first 1000 blocks", "the other 500 blocks", "worker 1 busy in blocks", "render-path warm-up", "garbage collections", "CPU time during the render", "Main → now" })
        {
            Assert.Contains(phase, second.Error);
        }

        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(timed));
    }

    [Fact]
    public void RenderGraphFile_WithABadParameter_ExitsWithTheValidationMessage()
    {
        string json = Path.Combine(_directory, "bad.json");
        File.WriteAllText(json, """
            { "nodes": [ { "id": "osc", "type": "saw", "parameters": { "freqHz": 99999 } }, { "id": "out", "type": "out", "channels": 1 } ],
              "edges": [ { "from": "osc", "to": "out" } ] }
            """);
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", json, "--seconds", "1", "--out", Path.Combine(_directory, "bad.wav"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: Parameter 'osc.freqHz' = 99999 is outside its range", result.Error);
        Assert.False(File.Exists(Path.Combine(_directory, "bad.wav")));
    }

    [Fact]
    public void RenderExample_WritesTheRequestedFormat()
    {
        string example = Path.Combine(RepositoryRoot(), "examples", "first-light.json");
        string wav = Path.Combine(_directory, "first-light.wav");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", example, "--seconds", "2", "--bits", "16", "--sample-rate", "44100", "--out", wav);
        Assert.True(result.ExitCode == 0, result.Error);
        WavFile file = WavFile.Read(wav);
        Assert.Equal(WavSampleFormat.Pcm16, file.Format);
        Assert.Equal(88_200, file.Frames);
        Assert.Contains(file.Channels[0], x => Math.Abs(x) > 0.01);
    }

    internal static string RepositoryRoot() =>
        typeof(RenderCommandTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RepositoryRoot").Value!;
}
