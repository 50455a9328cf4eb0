using System.Diagnostics;
using System.Globalization;
using LiveEngine.Cli;
using LiveEngine.Hosts.Engine;
using LiveEngine.Hosts.RealTime;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>--audio-cpus</c> / <c>[engine] audio_cpus</c> (docs/audio.md, "Late periods"): the engine process's audio
/// thread runs only on the audio CPUs and every other thread of the process only off them, as the kernel reports it
/// in /proc/PID/task/TID/status; a list the machine cannot honour stops the command with what is wrong.
/// </summary>
[Collection("TimingSensitive")]
public sealed class EngineCpuIsolationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("le-cpu-isolation-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task EngineProcess_WithAudioCpus_RunsItsAudioThreadThere_AndEveryOtherThreadElsewhere()
    {
        IReadOnlyList<int> cpus = AudioCpuIsolation.ProcessCpus();
        Assert.True(cpus.Count >= 2, $"This test needs a process that may use at least 2 CPUs; it may use {AudioCpuIsolation.Format(cpus)}.");
        string audio = cpus[^1].ToString(CultureInfo.InvariantCulture);
        string others = AudioCpuIsolation.Format(cpus.Take(cpus.Count - 1));
        string socket = Path.Combine(_folder, "engine.sock");
        string dll = Path.Combine(AppContext.BaseDirectory, "liveengine.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])[dll, "engine", "--socket", socket, "--driver", "null", "--no-mlock", "--rt-priority", "0", "--threads", "2", "--audio-cpus", audio])
        {
            start.ArgumentList.Add(arg);
        }

        // The runtime settings the REPL and the soak start their engine with (no tier-up thread, which the runtime may
        // start from an audio thread; the engine moves such a thread off the audio CPUs every 5 s).
        EngineClient.ApplyEngineEnvironment(start);
        using Process engine = Process.Start(start)!;
        Task<string> log = engine.StandardError.ReadToEndAsync();
        _ = engine.StandardOutput.ReadToEndAsync();
        Dictionary<int, (string Name, string? Cpus)> threads;
        string realTime;
        try
        {
            using EngineClient client = EngineClient.Connect(socket, "isolation-test", TimeSpan.FromSeconds(60));
            realTime = client.GetStats().RealTime;
            threads = Threads(engine.Id);
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
        string table = string.Join('\n', threads.Select(t => $"{t.Key} {t.Value.Name}: {t.Value.Cpus}"));

        // The null driver's pacing thread ("liveengine null driver", 15 characters kept by the kernel) and the
        // executor's dedicated worker on the audio CPU; every other thread (main, socket, GC, JIT, finalizer) off it.
        int[] audioThreads = [.. threads.Where(t => t.Value.Cpus == audio).Select(t => t.Key)];
        Assert.Contains(threads, t => t.Value.Name == "liveengine null" && t.Value.Cpus == audio);
        Assert.Equal(2, audioThreads.Length);
        Assert.All(threads.Where(t => !audioThreads.Contains(t.Key)), t => Assert.True(t.Value.Cpus == others, $"thread {t.Key} ({t.Value.Name}) may run on {t.Value.Cpus}, not only {others}:\n{table}"));
        Assert.True(threads.Count > 5, table);
        Assert.Contains($"on CPU {audio} (audio CPUs {audio}, other threads {others}; ", realTime);
        Assert.Contains($"worker 1: on CPU {audio}", realTime);
        Assert.Contains($"CPU isolation: audio CPUs {audio}, other threads {others};", text);
        Assert.Equal(0, engine.ExitCode);
    }

    [Theory]
    [InlineData("x", "error: --audio-cpus: 'x' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).")]
    [InlineData("1023", "error: --audio-cpus: CPU 1023 is not one this process may use (")]
    public void AnAudioCpuListTheMachineCannotHonour_StopsTheEngineCommand_WithWhatIsWrong(string list, string message)
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, ["engine", "--socket", Path.Combine(_folder, "never.sock"), "--driver", "null", "--no-mlock", "--audio-cpus", list]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(message, result.Error.Trim());
    }

    [Fact]
    public void AnAudioCpuListOfEveryCpu_StopsPlay_BecauseNothingIsLeftForTheOtherThreads()
    {
        string all = AudioCpuIsolation.Format(AudioCpuIsolation.ProcessCpus());
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, ["play", "--workload", "voices-4", "--driver", "null", "--seconds", "1", "--audio-cpus", all]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: --audio-cpus: '{all}' leaves no CPU for the engine's other threads (this process may use {all}): name fewer audio CPUs.", result.Error.Trim());
    }

    [Fact]
    public void ReplConfigAudioCpus_IsOffByDefault_AndAMistakeIsNamedWithFileAndLine()
    {
        Assert.Null(EngineConfig.Parse([], "test.config").AudioCpus);
        Assert.Null(EngineConfig.Parse(["[engine]", "audio_cpus = \"off\""], "test.config").AudioCpus);
        string first = AudioCpuIsolation.ProcessCpus()[0].ToString(CultureInfo.InvariantCulture);
        Assert.Equal(first, EngineConfig.Parse(["[engine]", $"audio_cpus = \"{first}\""], "test.config").AudioCpus);
        Assert.Equal(
            "test.config:2: 'audio_cpus': 'one' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).",
            Assert.Throws<CliException>(() => EngineConfig.Parse(["[engine]", "audio_cpus = \"one\""], "test.config")).Message);
        Assert.Equal(
            "test.config:2: 'audio_cpus' must be a string in double quotes, not 1.",
            Assert.Throws<CliException>(() => EngineConfig.Parse(["[engine]", "audio_cpus = 1"], "test.config")).Message);
    }

    /// <summary>Every thread of process <paramref name="pid"/>: its name and the CPUs the kernel lets it run on.</summary>
    private static Dictionary<int, (string Name, string? Cpus)> Threads(int pid)
    {
        var threads = new Dictionary<int, (string, string?)>();
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                string? cpus = File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?["Cpus_allowed_list:".Length..].Trim();
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (name, cpus);
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }

        return threads;
    }
}
