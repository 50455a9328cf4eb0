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
        LiveEngineProcess.Result result = LiveEngineProcess.Run(AlsaHome("pcm.!default { type hw card 99 }\nctl.!default { type hw card 99 }\n"), "play", example, "--seconds", "1", "--jack-server", "no-such-server-" + Guid.NewGuid().ToString("N")[..8], "--out", wav);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("No audio server found (the JACK server 'no-such-server-", result.Error);
        Assert.Contains("is not running and PortAudio finds no default output device with 2 channels): rendering offline to", result.Error);
        Assert.Equal(48_000, WavFile.Read(wav).Frames);
    }

    [Fact]
    public void Auto_WithNoJackServer_PlaysThroughPortAudiosDefaultDevice_AndSaysWhy()
    {
        // ALSA's default PCM is a null device here: a device PortAudio finds and opens, which plays nothing.
        string wav = Path.Combine(_directory, "x.wav");
        string example = Path.Combine(RenderCommandTests.RepositoryRoot(), "examples", "first-light.json");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(AlsaHome("pcm.!default { type null }\nctl.!default { type hw card 0 }\n"), "play", example, "--seconds", "1", "--jack-server", "no-such-server-" + Guid.NewGuid().ToString("N")[..8], "--out", wav);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("is not running; PortAudio's default output device is ALSA: default, so PortAudio.", result.Error);
        Assert.Contains("Playing first-light through PortAudio (ALSA: default)", result.Error);
        Assert.False(File.Exists(wav), "played, not rendered offline");
    }

    /// <summary>A home folder whose <c>.asoundrc</c> is <paramref name="asoundrc"/>, as the child's environment.</summary>
    private Dictionary<string, string> AlsaHome(string asoundrc)
    {
        string home = Directory.CreateDirectory(Path.Combine(_directory, "home")).FullName;
        File.WriteAllText(Path.Combine(home, ".asoundrc"), asoundrc);
        return new Dictionary<string, string> { ["HOME"] = home };
    }

    [Fact]
    public void NullDriver_ReportsXrunsDeadlineMissesAndTheMedianBlockAsAFractionOfTheDeadline()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", "--workload", "voices-4", "--seconds", "1", "--driver", "null", "--banks", "off");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"\d+ callbacks, \d+ xruns, \d+ deadline misses; block time p50 \d+ µs \(\d+ % of the deadline\), p99 \d+ µs, max \d+ µs \(deadline 1333 µs\)", result.Output);
        Assert.Matches(@"blocks started behind their period's start: p50 \d+ µs, p99 \d+ µs, p99\.9 \d+ µs, max \d+ µs", result.Output);
    }

    [Fact]
    public void NullDriver_WithAudioCpus_SaysWhereTheAudioThreadAndTheOtherThreadsRun()
    {
        IReadOnlyList<int> cpus = LiveEngine.Hosts.RealTime.AudioCpuIsolation.ProcessCpus();
        Assert.True(cpus.Count >= 2, "This test needs a process that may use at least 2 CPUs.");
        string audio = cpus[^1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", "--workload", "voices-4", "--seconds", "1", "--driver", "null", "--threads", "2", "--audio-cpus", audio);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches($@"CPU isolation \(audio CPUs {audio}, other threads [0-9,-]+\): audio thread on CPU {audio}; worker 1 on CPU {audio}; \d+ other threads moved\.", result.Error);
    }

    [Fact]
    public void Banks_OtherThanOnOrOff_ExitsWithAClearError()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", "--workload", "voices-4", "--seconds", "1", "--driver", "null", "--banks", "compare");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --banks must be on or off, not 'compare'.", result.Error);
    }

    [Fact]
    public void BackupPacer_OtherThanOnOrOff_ExitsWithAClearError()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", "--workload", "voices-4", "--seconds", "1", "--driver", "null", "--backup-pacer", "maybe");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --backup-pacer must be on or off, not 'maybe'.", result.Error);
    }

    [Fact]
    public void JackDriver_WithNoServer_ExitsWithAClearError()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", "--workload", "voices-4", "--seconds", "1", "--driver", "jack", "--jack-server", "no-such-server-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: No JACK server named 'no-such-server-", result.Error);
    }
}
