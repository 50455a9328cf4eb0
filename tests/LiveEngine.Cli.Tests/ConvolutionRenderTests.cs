using LiveEngine.Hosts.Wav;

namespace LiveEngine.Tests.Cli;

public sealed class ConvolutionRenderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("liveengine-conv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void RenderGraphFile_ReadsTheImpulseResponseRelativeToTheGraphFolder()
    {
        // A stereo response at 24 kHz in a subfolder: left an impulse of 0.5 at 5 ms, right of 0.25 at 15 ms. A 1 kHz sine
        // through it comes out at half and a quarter of its amplitude (the 24 kHz response resampled to 48 kHz).
        Directory.CreateDirectory(Path.Combine(_directory, "irs"));
        var left = new float[2_400];
        var right = new float[2_400];
        left[120] = 0.5f;
        right[360] = 0.25f;
        using (var writer = new WavWriter(Path.Combine(_directory, "irs", "room.wav"), 24_000, 2, WavSampleFormat.Float32))
        {
            writer.WritePlanar([left, right], 0, left.Length);
        }

        string json = Path.Combine(_directory, "graph.json");
        File.WriteAllText(json, """
            { "nodes": [ { "id": "osc", "type": "sine", "parameters": { "freqHz": 1000 } },
                         { "id": "room", "type": "convolution", "channels": 2, "options": { "ir": "irs/room.wav" } },
                         { "id": "out", "type": "out" } ],
              "edges": [ { "from": "osc", "to": "room" }, { "from": "room", "to": "out" } ] }
            """);
        string wav = Path.Combine(_directory, "out.wav");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", json, "--seconds", "1", "--bits", "32", "--out", wav);
        Assert.True(result.ExitCode == 0, result.Error);
        WavFile file = WavFile.Read(wav);
        float leftPeak = file.Channels[0].AsSpan(4_800).ToArray().Max(Math.Abs);
        float rightPeak = file.Channels[1].AsSpan(4_800).ToArray().Max(Math.Abs);
        Assert.InRange(leftPeak, 0.48f, 0.52f);
        Assert.InRange(rightPeak, 0.23f, 0.27f);
    }

    [Fact]
    public void RenderGraphFile_WithAMissingImpulseResponse_SaysWhichFileAndWhere()
    {
        string json = Path.Combine(_directory, "graph.json");
        File.WriteAllText(json, """
            { "nodes": [ { "id": "room", "type": "convolution", "options": { "ir": "nope.wav" } }, { "id": "out", "type": "out", "channels": 1 } ],
              "edges": [ { "from": "room", "to": "out" } ] }
            """);
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", json, "--seconds", "1", "--out", Path.Combine(_directory, "x.wav"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("impulse response 'nope.wav' not found", result.Error);
        Assert.Contains(Path.Combine(_directory, "nope.wav"), result.Error);
    }
}
