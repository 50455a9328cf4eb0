using System.CommandLine;
using LiveEngine.Dsp;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Cli;

/// <summary>What every command shares: error reporting and graph compilation.</summary>
internal static class Cli
{
    /// <summary>Runs a command body; a usage or graph error is printed as a clear message with exit code 2.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
        catch (GraphValidationException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    /// <summary>As <see cref="Run"/>, for asynchronous command bodies.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CliException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
        catch (GraphValidationException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    /// <summary>The executor for <c>--threads</c> and <c>--policy</c>: the single-thread reference for 1 thread.</summary>
    public static IGraphExecutor CreateExecutor(int threads, string policy, ExecutionProfiler? profiler = null, bool adaptive = true, Action<int>? workerStarted = null, IReadOnlyList<int>? cpuPerWorker = null)
    {
        if (threads is < 1 or > 256)
        {
            throw new CliException($"--threads must be 1 to 256, not {threads}.");
        }

        SchedulingPolicy parsed = policy.ToLowerInvariant() switch
        {
            "critical-path" or "cp" => SchedulingPolicy.CriticalPathFirst,
            "steal" or "plain" => SchedulingPolicy.PlainStealing,
            "wavefront" => SchedulingPolicy.Wavefront,
            _ => throw new CliException($"--policy must be critical-path, steal or wavefront, not '{policy}'."),
        };
        return threads == 1 && profiler is null
            ? SingleThreadExecutor.Instance
            : new ParallelExecutor(new ParallelExecutorOptions { Threads = threads, Policy = parsed, Profiler = profiler, AdaptiveSerial = adaptive, WorkerStarted = workerStarted, CpuPerWorker = cpuPerWorker });
    }

    public static Option<bool> PinOption() => new("--pin") { Description = "Pin the calling thread to the first CPU this process may use and worker w to the w-th (wrapping around)." };

    /// <summary>
    /// For <c>--pin</c>: the CPUs this process may use, in order, with the calling thread pinned to the first now.
    /// Null (and a line on stderr saying why) where pinning is not possible.
    /// </summary>
    public static IReadOnlyList<int>? PinCallingThread()
    {
        IReadOnlyList<int> cpus = CpuAffinity.CurrentThreadCpus();
        if (cpus.Count == 0)
        {
            Console.Error.WriteLine("--pin: not pinned (no CPU affinity on this system).");
            return null;
        }

        if (!CpuAffinity.TryPinCurrentThread(cpus[0], out string? refusal))
        {
            Console.Error.WriteLine($"--pin: not pinned ({refusal}).");
            return null;
        }

        return cpus;
    }

    public static Option<int?> ThreadsOption() => new("--threads", "-t") { Description = "Worker threads, the calling thread included (repl.config [engine] threads; default 1)." };

    public static Option<string?> PolicyOption() => new("--policy") { Description = "Scheduling policy: critical-path, steal or wavefront (repl.config [engine] policy; default critical-path)." };

    public static Option<int?> SampleRateOption() => new("--sample-rate", "-r") { Description = "Frames per second, 22050..192000 (repl.config [engine] sample_rate; default 48000)." };

    public static Option<int?> BlockOption() => new("--block", "-b") { Description = "Block size in frames, 1..4096 (repl.config [engine] block_frames; default 64)." };

    public static Option<int?> SeedOption() => new("--seed") { Description = "Session seed for seeded randomness (repl.config [engine] seed; default 1)." };

    public static Option<string?> ConfigOption() => new("--config") { Description = "Configuration file (default: repl.config in the working directory, if there is one)." };

    public static GraphSnapshot Compile(GraphDescription description, int sampleRate, int block, int seed, bool banking = true, Nodes.NodeTypeRegistry? registry = null)
    {
        if (sampleRate is < CompileOptions.MinSampleRate or > CompileOptions.MaxSampleRate)
        {
            throw new CliException($"--sample-rate must be {CompileOptions.MinSampleRate} to {CompileOptions.MaxSampleRate}, not {sampleRate}.");
        }

        if (block is < 1 or > CompileOptions.MaxBlockLimit)
        {
            throw new CliException($"--block must be 1 to {CompileOptions.MaxBlockLimit} frames, not {block}.");
        }

        var options = new CompileOptions { SampleRate = sampleRate, MaxBlockFrames = block, Seed = (ulong)seed, Banking = banking };
        return GraphCompiler.Compile(description, registry ?? BuiltinNodeTypes.CreateRegistry(), options);
    }

    public static Option<string?> AdmissionOption() => new("--admission") { Description = "A commit predicted over the admission limit: refuse, warn or off (repl.config [engine] admission; default refuse)." };

    public static Option<double?> AdmissionLimitOption() => new("--admission-limit") { Description = "Share of the block deadline a commit's predicted block time may take, 0.05..4 (repl.config [engine] admission_limit; default 0.7)." };

    public static Option<string?> RenderAheadOption() => new("--render-ahead") { Description = "on: render a graph with no live node ahead of the device, in large blocks, on a thread of its own; off: all real time (repl.config [engine] render_ahead; default off)." };

    public static bool ParseOnOff(string? text, bool defaultValue, string option) => text switch
    {
        null => defaultValue,
        "on" => true,
        "off" => false,
        _ => throw new CliException($"{option} must be on or off, not '{text}'."),
    };

    public static Live.AdmissionPolicy ParseAdmission(string text) => text switch
    {
        "refuse" => Live.AdmissionPolicy.Refuse,
        "warn" => Live.AdmissionPolicy.Warn,
        "off" => Live.AdmissionPolicy.Off,
        _ => throw new CliException($"admission must be refuse, warn or off, not '{text}'."),
    };
}
