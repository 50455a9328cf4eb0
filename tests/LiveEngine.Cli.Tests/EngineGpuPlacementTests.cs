using System.Diagnostics;
using System.Text.RegularExpressions;
using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// repl.config <c>[engine] gpu</c> in the engine process that the REPL and <c>liveengine serve</c> play through
/// (<c>liveengine engine</c>): render-ahead turns on by itself, and the convolution of a graph committed over the socket
/// has its long partitions launched on ILGPU's CPU accelerator between deferred blocks.
/// </summary>
[Collection("TimingSensitive")]
public sealed partial class EngineGpuPlacementTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("le-engine-gpu-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task EngineProcess_WithEngineGpuInReplConfig_LaunchesTheConvolutionsLongPartitionsBetweenDeferredBlocks()
    {
        // A look-ahead of 2 s: the placement waits up to half of it for a launch, so a loaded machine does not push
        // the CPU accelerator (about 10-120 ms a launch here) back to the CPU path.
        string config = Path.Combine(_folder, "repl.config");
        File.WriteAllText(config, "[engine]\ngpu = \"cpu-accelerator\"\nrender_ahead_ms = 2000\n");
        string socket = Path.Combine(_folder, "engine.sock");
        string dll = Path.Combine(AppContext.BaseDirectory, "liveengine.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])[dll, "engine", "--socket", socket, "--driver", "null", "--no-mlock", "--rt-priority", "0", "--config", config])
        {
            start.ArgumentList.Add(arg);
        }

        using Process engine = Process.Start(start)!;
        Task<string> log = engine.StandardError.ReadToEndAsync();
        _ = engine.StandardOutput.ReadToEndAsync();
        try
        {
            using EngineClient client = EngineClient.Connect(socket, "gpu-test", TimeSpan.FromSeconds(60));
            var remote = new RemoteSession(client);
            var random = new Random(3);
            var response = new float[40_000];
            for (int i = 0; i < response.Length; i++)
            {
                response[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / response.Length));
            }

            remote.LoadSample("engine-gpu-hall", [response], 48_000);
            remote.Commit(GraphDescription.FromJson("""
                { "nodes": [ { "id": "noise", "type": "whitenoise" },
                             { "id": "hall", "type": "convolution", "options": { "ir": "engine-gpu-hall" } },
                             { "id": "out", "type": "out" } ],
                  "edges": [ { "from": "noise", "to": "hall" }, { "from": "hall", "to": "out" } ] }
                """), Time.Quantization.Now);
            Thread.Sleep(4_000);
            Assert.Equal(0, client.GetStats().AudioThreadAllocatedBytes);
            client.Shutdown();
        }
        finally
        {
            if (!engine.WaitForExit(30_000))
            {
                engine.Kill();
            }
        }

        string text = await log;
        Assert.Contains("Render-ahead on", text);
        Assert.Contains("gpu placement cpu-accelerator on CPU CPUAccelerator", text);
        Match done = Launches().Match(text);
        Assert.True(done.Success, $"No placement report in the engine's log:\n{text}");
        Assert.True(long.Parse(done.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 10, text);
        Assert.DoesNotContain("fell back", text);
    }

    [Theory]
    [InlineData(new[] { "--gpu", "cuda" }, "--gpu must be one of off, auto, cpu-accelerator, not 'cuda'.")]
    [InlineData(new[] { "--gpu", "cpu-accelerator", "--render-ahead", "off" }, "--gpu needs render-ahead (the GPU path runs only in the deferred domain, ahead of the device): drop --render-ahead off, or give --gpu off.")]
    public void EngineProcess_WithABadGpuSetting_SaysWhatItAccepts_AndDoesNotStart(string[] arguments, string message)
    {
        string socket = Path.Combine(_folder, "bad.sock");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, ["engine", "--socket", socket, "--driver", "null", "--no-mlock", .. arguments]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.False(File.Exists(socket), "The engine listened although its --gpu was refused.");
    }

    [GeneratedRegex(@"GPU placement: (\d+) launches, [1-9]\d* periods of placed partitions from CPU CPUAccelerator")]
    private static partial Regex Launches();
}
