using System.Text.RegularExpressions;
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
    public void RenderWithGpuCpuAccelerator_SoundsAsTheCpuRender_AndSaysWhatThePlacementDid()
    {
        // Two stereo convolutions of a 1.25 s response: partitions of 1,024 frames and more go to ILGPU's CPU accelerator,
        // launched once per deferred block (an offline render waits up to 10 s for a launch, so a loaded machine does not push it back to the CPU).
        var random = new Random(5);
        float[][] response = [new float[60_000], new float[60_000]];
        for (int i = 0; i < 60_000; i++)
        {
            response[0][i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / 60_000) * 0.3);
            response[1][i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / 60_000) * 0.3);
        }

        using (var writer = new WavWriter(Path.Combine(_directory, "hall.wav"), 48_000, 2, WavSampleFormat.Float32))
        {
            writer.WritePlanar(response, 0, response[0].Length);
        }

        string json = Path.Combine(_directory, "graph.json");
        File.WriteAllText(json, """
            { "nodes": [ { "id": "osc", "type": "saw", "parameters": { "freqHz": 110 } }, { "id": "noise", "type": "whitenoise" },
                         { "id": "hall", "type": "convolution", "channels": 2, "parameters": { "mix": 0.5 }, "options": { "ir": "hall.wav" } },
                         { "id": "room", "type": "convolution", "channels": 2, "options": { "ir": "hall.wav" } },
                         { "id": "out", "type": "out" } ],
              "edges": [ { "from": "osc", "to": "hall" }, { "from": "noise", "to": "room" }, { "from": "hall", "to": "out" }, { "from": "room", "to": "out" } ] }
            """);
        string cpuWav = Path.Combine(_directory, "cpu.wav");
        string gpuWav = Path.Combine(_directory, "gpu.wav");
        LiveEngineProcess.Result cpu = LiveEngineProcess.Run(null, "render", json, "--seconds", "2", "--bits", "32", "--render-ahead", "on", "--out", cpuWav);
        LiveEngineProcess.Result gpu = LiveEngineProcess.Run(null, "render", json, "--seconds", "2", "--bits", "32", "--gpu", "cpu-accelerator", "--out", gpuWav);
        Assert.True(cpu.ExitCode == 0, cpu.Error);
        Assert.True(gpu.ExitCode == 0, gpu.Error);
        Assert.Contains("gpu placement cpu-accelerator on CPU CPUAccelerator", gpu.Error);
        Assert.True(Regex.IsMatch(gpu.Error, @"GPU placement: [1-9]\d* launches, [1-9]\d* periods of placed partitions from CPU CPUAccelerator\."), $"no placement summary in what render said: {gpu.Error}");

        WavFile expected = WavFile.Read(cpuWav);
        AssertSameWithin1e5(expected, WavFile.Read(gpuWav), gpu.Error);

        // play, in real time through the null driver, says what the placement did too (in real time a launch of the CPU
        // accelerator past 50 ms ends the placement: on a loaded machine that can be the first).
        LiveEngineProcess.Result played = LiveEngineProcess.Run(null, "play", json, "--driver", "null", "--seconds", "1", "--gpu", "cpu-accelerator");
        Assert.True(played.ExitCode == 0, played.Error);
        Assert.True(Regex.IsMatch(played.Error, @"GPU placement: \d+ launches, \d+ periods of placed partitions from CPU CPUAccelerator"), $"no placement summary in what play said: {played.Error}");
    }

    [Fact]
    public void RenderLuaPieceWithGpuCpuAccelerator_SoundsAsTheCpuRender_WithItsResponseFromAGrantedFolder()
    {
        // A Lua piece loads its response with sample() from the folder repl.config grants, and sends a saw and noise through
        // two convolutions; with --gpu every block of the offline render is a deferred one, the launch between blocks.
        string samples = Path.Combine(_directory, "samples");
        Directory.CreateDirectory(samples);
        var random = new Random(9);
        var response = new float[60_000];
        for (int i = 0; i < response.Length; i++)
        {
            response[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / response.Length) * 0.3);
        }

        using (var writer = new WavWriter(Path.Combine(samples, "hall.wav"), 48_000, 1, WavSampleFormat.Float32))
        {
            writer.WritePlanar([response], 0, response.Length);
        }

        string config = Path.Combine(_directory, "repl.config");
        File.WriteAllText(config, $"[repl]\nsample_folders = \"{samples}\"\n");
        string piece = Path.Combine(_directory, "hall.lua");
        File.WriteAllText(piece, """
            sample("hall", "hall.wav")
            out({ saw{97, level = 0.5} >> convolution "hall" {ir = "hall", mix = 0.7},
                  whitenoise{level = 0.3} >> convolution "room" {ir = "hall"} })
            """);
        string cpuWav = Path.Combine(_directory, "cpu.wav");
        string gpuWav = Path.Combine(_directory, "gpu.wav");
        LiveEngineProcess.Result cpu = LiveEngineProcess.Run(null, "render", piece, "--config", config, "--seconds", "2", "--bits", "32", "--out", cpuWav);
        LiveEngineProcess.Result gpu = LiveEngineProcess.Run(null, "render", piece, "--config", config, "--seconds", "2", "--bits", "32", "--gpu", "cpu-accelerator", "--out", gpuWav);
        Assert.True(cpu.ExitCode == 0, cpu.Error);
        Assert.True(gpu.ExitCode == 0, gpu.Error);
        Assert.Contains("gpu placement cpu-accelerator on CPU CPUAccelerator", gpu.Error);
        Assert.Matches(@"GPU placement: [1-9]\d* launches, [1-9]\d* periods of placed partitions from CPU CPUAccelerator\.", gpu.Error);
        Assert.DoesNotContain("fell back", gpu.Error);
        AssertSameWithin1e5(WavFile.Read(cpuWav), WavFile.Read(gpuWav), gpu.Error);
    }

    [Fact]
    public void RenderWithGpuCpuAccelerator_PlacesThePipelinedSpectralNodes_AndSoundsAsTheCpuRender()
    {
        // A frozen saw, a gated saw over noise and a noise carrier under the saw's envelope, each with gpu = on: their
        // frames go to the placement's launches; the CPU render (render-ahead, no placement) pipelines them the same.
        string json = Path.Combine(_directory, "spectral.json");
        File.WriteAllText(json, """
            { "nodes": [ { "id": "saw", "type": "saw", "parameters": { "freqHz": 110, "level": 0.3 } },
                         { "id": "noise", "type": "whitenoise", "parameters": { "level": 0.2 } },
                         { "id": "fz", "type": "freeze", "channels": 2, "parameters": { "freeze": 1 }, "options": { "gpu": "on" } },
                         { "id": "gt", "type": "spectralgate", "channels": 2, "parameters": { "thresholdDb": -40 }, "options": { "gpu": "on" } },
                         { "id": "vc", "type": "vocoder", "channels": 2, "options": { "gpu": "on" } },
                         { "id": "out", "type": "out" } ],
              "edges": [ { "from": "saw", "to": "fz" }, { "from": "saw", "to": "gt" }, { "from": "noise", "to": "gt" },
                         { "from": "noise", "to": "vc" }, { "from": "saw", "to": "vc", "toPort": "mod" },
                         { "from": "fz", "to": "out" }, { "from": "gt", "to": "out" }, { "from": "vc", "to": "out" } ] }
            """);
        string cpuWav = Path.Combine(_directory, "cpu.wav");
        string gpuWav = Path.Combine(_directory, "gpu.wav");
        LiveEngineProcess.Result cpu = LiveEngineProcess.Run(null, "render", json, "--seconds", "2", "--bits", "32", "--render-ahead", "on", "--out", cpuWav);
        LiveEngineProcess.Result gpu = LiveEngineProcess.Run(null, "render", json, "--seconds", "2", "--bits", "32", "--gpu", "cpu-accelerator", "--out", gpuWav);
        Assert.True(cpu.ExitCode == 0, cpu.Error);
        Assert.True(gpu.ExitCode == 0, gpu.Error);
        Assert.Matches(@"GPU placement: [1-9]\d* frames of 3 pipelined spectral nodes from CPU CPUAccelerator\.", gpu.Error);
        Assert.DoesNotContain("fell back", gpu.Error);
        AssertSameWithin1e5(WavFile.Read(cpuWav), WavFile.Read(gpuWav), gpu.Error);
    }

    [Fact]
    public void RenderWithABadGpuOptionOnASpectralNode_FailsNamingTheOptionAndWhatItAccepts()
    {
        string json = Path.Combine(_directory, "bad.json");
        File.WriteAllText(json, """
            { "nodes": [ { "id": "saw", "type": "saw" }, { "id": "fz", "type": "freeze", "options": { "gpu": "cuda" } }, { "id": "out", "type": "out" } ],
              "edges": [ { "from": "saw", "to": "fz" }, { "from": "fz", "to": "out" } ] }
            """);
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", json, "--seconds", "1", "--out", Path.Combine(_directory, "bad.wav"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: Node 'fz' (freeze): ", result.Error.TrimStart());
        Assert.Contains("option 'gpu' must be 'on'", result.Error);
        Assert.Contains("not 'cuda'", result.Error);
        Assert.DoesNotContain("Unhandled exception", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Theory]
    [InlineData(new[] { "--gpu", "cuda" }, "--gpu must be one of off, auto, cpu-accelerator, not 'cuda'.")]
    [InlineData(new[] { "--gpu", "auto", "--render-ahead", "off" }, "--gpu needs render-ahead (the GPU path runs only in the deferred domain, ahead of the device): drop --render-ahead off, or give --gpu off.")]
    public void RenderWithABadGpuSetting_SaysWhatItAccepts(string[] arguments, string message)
    {
        string json = Path.Combine(_directory, "graph.json");
        File.WriteAllText(json, """{ "nodes": [ { "id": "osc", "type": "sine" }, { "id": "out", "type": "out" } ], "edges": [ { "from": "osc", "to": "out" } ] }""");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, ["render", json, "--seconds", "1", "--out", Path.Combine(_directory, "x.wav"), .. arguments]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
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

    /// <summary>Within 1e-5 relative RMS error per channel, and not nearly silent.</summary>
    private static void AssertSameWithin1e5(WavFile expected, WavFile actual, string log)
    {
        Assert.Equal(expected.Frames, actual.Frames);
        for (int c = 0; c < expected.ChannelCount; c++)
        {
            double error = 0;
            double energy = 0;
            for (int i = 0; i < expected.Frames; i++)
            {
                double d = actual.Channels[c][i] - expected.Channels[c][i];
                error += d * d;
                energy += (double)expected.Channels[c][i] * expected.Channels[c][i];
            }

            Assert.True(energy > 1, "The render is nearly silent: the comparison would prove nothing.");
            Assert.True(Math.Sqrt(error / energy) <= 1e-5, $"Channel {c}: relative RMS error {Math.Sqrt(error / energy):E2}.\n{log}");
        }
    }
}
