using LiveEngine.Hosts.Wav;

namespace LiveEngine.Tests.Cli;

/// <summary><c>liveengine render examples/x.lua|x.csx</c>: every example piece renders through the command, non-silent and finite.</summary>
public sealed class PieceRenderTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(RenderCommandTests.RepositoryRoot(), "examples"))
            .Where(f => f.EndsWith(".lua", StringComparison.Ordinal) || f.EndsWith(".csx", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void ExamplePiece_RendersThroughTheCommand_NonSilentAndFinite(string example)
    {
        string wav = Path.Combine(Path.GetTempPath(), $"liveengine-{Guid.NewGuid():N}.wav");
        try
        {
            string path = Path.Combine(RenderCommandTests.RepositoryRoot(), "examples", example);
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", path, "--seconds", "2", "--out", wav, "--bits", "32");
            Assert.True(result.ExitCode == 0, result.Error);
            WavFile file = WavFile.Read(wav);
            Assert.Equal(2, file.ChannelCount);
            Assert.Equal(96_000, file.Channels[0].Length);
            Assert.All(file.Channels, c => Assert.All(c, s => Assert.True(float.IsFinite(s))));
            float peak = file.Channels.Max(c => c.Max(MathF.Abs));
            Assert.True(peak > 0.01f, $"{example} is silent (peak {peak})");
        }
        finally
        {
            File.Delete(wav);
        }
    }

    [Fact]
    public void Play_WithoutAnAudioServer_RendersThePieceOffline_AndSaysSo()
    {
        string wav = Path.Combine(Path.GetTempPath(), $"liveengine-{Guid.NewGuid():N}.wav");
        try
        {
            string path = Path.Combine(RenderCommandTests.RepositoryRoot(), "examples", "techno.lua");
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "play", path, "--seconds", "2", "--jack-server", "no-such-server-" + Guid.NewGuid().ToString("N")[..8], "--out", wav);
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Contains("No audio server found", result.Error);
            WavFile file = WavFile.Read(wav);
            Assert.Equal(96_000, file.Channels[0].Length);
            Assert.True(file.Channels[0].Max(MathF.Abs) > 0.01f);
        }
        finally
        {
            File.Delete(wav);
        }
    }

    [Fact]
    public void AnErrorInAPiece_IsNamedWithFileAndLine()
    {
        string piece = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.lua");
        File.WriteAllLines(piece, ["tempo(120)", "out(saw(\"a\", { freq = 55 })", ""]);
        try
        {
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", piece, "--seconds", "1", "--out", piece + ".wav");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"{Path.GetFileName(piece)}:", result.Error);
            Assert.False(File.Exists(piece + ".wav"));
        }
        finally
        {
            File.Delete(piece);
        }
    }
}
