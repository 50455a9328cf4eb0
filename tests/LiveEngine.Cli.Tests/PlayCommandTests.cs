using LiveEngine.Hosts.Wav;

namespace LiveEngine.Tests.Cli;

public sealed class PlayCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("liveengine-play-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Auto_WithNoAudioServer_RendersOfflineAndSaysSo()
    {
        string wav = Path.Combine(_directory, "x.wav");
        string example = Path.Combine(RenderCommandTests.RepositoryRoot(), "examples", "first-light.json");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", example, "--seconds", "1", "--jack-server", "no-such-server-" + Guid.NewGuid().ToString("N")[..8], "--out", wav);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("No audio server found (no JACK server running): rendering offline to", result.Error);
        Assert.Equal(48_000, WavFile.Read(wav).Frames);
    }

    [Fact]
    public void JackDriver_WithNoServer_ExitsWithAClearError()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", "--workload", "voices-4", "--seconds", "1", "--driver", "jack", "--jack-server", "no-such-server-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: No JACK server named 'no-such-server-", result.Error);
    }
}
