using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LiveEngine.Dsp;
using LiveEngine.Execution;
using LiveEngine.Gpu;
using LiveEngine.Graph;
using LiveEngine.Hosts.Offline;
using LiveEngine.Hosts.Wav;
using LiveEngine.Snapshots;

namespace LiveEngine.Cli;

/// <summary><c>liveengine render [FILE] [--workload W] --seconds S --out F.wav</c>: offline render to WAV.</summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("file") { Description = "Graph description (.json) or piece (.lua, .csx) to render.", Arity = ArgumentArity.ZeroOrOne };
        var workload = new Option<string?>("--workload", "-w") { Description = "A standard workload instead of a file: voices-N, chains-MxL, random-layered, session." };
        var seconds = new Option<double>("--seconds", "-s") { Description = "Length of the render in seconds.", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--out", "-o") { Description = "WAV file to write.", Required = true };
        Option<int?> sampleRate = Cli.SampleRateOption();
        Option<int?> block = Cli.BlockOption();
        var bits = new Option<int>("--bits") { Description = "16 or 24 (integer PCM) or 32 (float).", DefaultValueFactory = _ => 24 };
        Option<int?> seed = Cli.SeedOption();
        Option<int?> threads = Cli.ThreadsOption();
        Option<string?> policy = Cli.PolicyOption();
        Option<string?> config = Cli.ConfigOption();
        Option<string?> renderAhead = Cli.RenderAheadOption();
        Option<string?> gpu = GpuPlacementSetup.Option();
        var timing = new Option<bool>("--timing") { Description = "Say where the wall time went: start-up, graph, compile, the first blocks, the rest, the WAV writes, the workers (a graph or workload rendered directly; not pieces or --render-ahead)." };
        var command = new Command("render", "Render a graph offline, faster than real time, to a WAV file.")
        {
            file, workload, seconds, output, sampleRate, block, bits, seed, threads, policy, config, renderAhead, gpu, timing,
        };
        command.SetAction(result => Cli.Run(() =>
        {
            EngineConfig defaults = EngineConfig.Load(result.GetValue(config));
            GpuMode gpuMode = GpuPlacementSetup.Parse(result.GetValue(gpu) ?? defaults.Gpu, "--gpu");
            return Execute(
                result.GetValue(file),
                result.GetValue(workload),
                result.GetValue(seconds),
                result.GetValue(output)!,
                result.GetValue(sampleRate) ?? defaults.SampleRate,
                result.GetValue(block) ?? defaults.BlockFrames,
                result.GetValue(bits),
                result.GetValue(seed) ?? defaults.Seed,
                result.GetValue(threads) ?? defaults.Threads,
                result.GetValue(policy) ?? defaults.Policy,
                GpuPlacementSetup.RenderAheadFor(gpuMode, result.GetValue(renderAhead) is { } ahead ? Cli.ParseOnOff(ahead, false, "--render-ahead") : defaults.RenderAhead ? true : null),
                defaults,
                gpuMode,
                result.GetValue(timing));
        }));
        return command;
    }

    private static int Execute(string? file, string? workload, double seconds, string output, int sampleRate, int block, int bits, int seed, int threads, string policy, bool? renderAhead, EngineConfig defaults, GpuMode gpu, bool timing = false)
    {
        long commandStarted = Stopwatch.GetTimestamp();
        if (seconds is <= 0 or > 24 * 3600)
        {
            throw new CliException($"--seconds must be more than 0 and at most 86400, not {seconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        WavSampleFormat format;
        try
        {
            format = WavSampleFormatExtensions.FromBits(bits);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new CliException($"--bits must be 16, 24 or 32, not {bits}.");
        }

        IGraphExecutor executor = Cli.CreateExecutor(threads, policy);
        using var disposeExecutor = executor as IDisposable;
        if (Pieces.IsPiece(file) && workload is null)
        {
            return RenderPiece(file!, seconds, output, sampleRate, block, format, seed, threads, executor, defaults, gpu);
        }

        GraphDescription description = GraphSource.Load(file, workload, seed);
        if (!ReachesOutput(description))
        {
            throw new CliException($"{workload ?? file}: nothing reaches 'out': no edge goes into the graph's output node, so the render would be silence. Add one, e.g. {{ \"from\": \"osc\", \"to\": \"out\" }}.");
        }

        if (renderAhead is { } ahead)
        {
            return RenderThroughSession(description, workload ?? Path.GetFileName(file!), seconds, output, sampleRate, block, format, seed, executor, ahead, defaults, gpu);
        }

        long compileStarted = Stopwatch.GetTimestamp();
        GraphSnapshot snapshot = Cli.Compile(description, sampleRate, block, seed);
        long compiled = Stopwatch.GetTimestamp();
        long frames = (long)Math.Round(seconds * sampleRate);
        string name = workload ?? Path.GetFileName(file!);
        Console.Error.WriteLine(OfflineRenderLines.Rendering(name, seconds, snapshot, block, threads, output));
        var bar = new ProgressBar(Console.Error);
        Dictionary<string, (string Name, double Ms)> threadTimes = timing ? ThreadCpuTimes() : [];
        long renderCalled = Stopwatch.GetTimestamp();
        RenderReport report = OfflineWavRenderer.Render(snapshot, frames, block, output, format, bar.Report, executor);
        bar.Complete();
        foreach (string line in OfflineRenderLines.ParallelAccount(executor))
        {
            Console.Error.WriteLine(line);
        }

        if (timing)
        {
            WriteTiming(Console.Error, commandStarted, compileStarted, compiled, renderCalled, report, executor as Scheduling.ParallelExecutor, threadTimes);
        }

        Console.WriteLine(OfflineRenderLines.Wrote(output, report, format));
        foreach (string line in OfflineRenderLines.SilencedNodes(snapshot))
        {
            Console.Error.WriteLine(line);
        }

        return 0;
    }

    /// <summary>
    /// <c>--render-ahead on|off</c>: renders through a live session, as <c>play</c> does, reading <paramref name="block"/>-frame
    /// blocks as a device would; with render-ahead on, a thread of its own renders ahead in deferred blocks. Both give the
    /// same bits (compare the files).
    /// </summary>
    private static int RenderThroughSession(GraphDescription description, string name, double seconds, string output, int sampleRate, int block, WavSampleFormat format, int seed, IGraphExecutor executor, bool renderAhead, EngineConfig defaults, GpuMode gpu)
    {
        var options = new Live.LiveSessionOptions
        {
            SampleRate = sampleRate,
            MaxBlockFrames = Math.Max(block, defaults.DeferredBlockFrames),
            DeviceBlockFrames = block,
            Seed = (ulong)seed,
            RenderAheadMs = defaults.RenderAheadMs,
            DeferredBlockFrames = defaults.DeferredBlockFrames,
        };
        Nodes.NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        using GpuConvolutionPlacement? placement = GpuPlacementSetup.Install(gpu, options.DeferredBlockFrames, options.RenderAheadMs, offline: true, registry);
        var session = new Live.LiveSession(registry, description, options, executor);
        if (renderAhead)
        {
            session.StartRenderAhead(waitWhenEmpty: true, deferredBlockHook: placement);
        }

        long frames = (long)Math.Round(seconds * sampleRate);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Rendering {name}: {seconds:0.###} s at {sampleRate} Hz, {block}-frame blocks through a live session, render-ahead {(renderAhead ? $"on ({defaults.RenderAheadMs:0.#} ms in {options.DeferredBlockFrames}-frame blocks)" : "off")} → {output}"));
        int channels = session.Renderer.OutputChannels;
        var chunk = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            chunk[c] = new float[block];
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using (var writer = new WavWriter(output, sampleRate, channels, format))
        {
            for (long done = 0; done < frames;)
            {
                int n = (int)Math.Min(block, frames - done);
                session.Renderer.Render(n);
                for (int c = 0; c < channels; c++)
                {
                    session.Renderer.Output(c, n).CopyTo(chunk[c]);
                }

                writer.WritePlanar(chunk, 0, n);
                done += n;
            }
        }

        double elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        session.Renderer.StopRenderAhead();
        GpuPlacementSetup.Report(placement);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {output}: {frames / (double)sampleRate:0.###} s, {channels} ch, {sampleRate} Hz, {format.BitsPerSample()}-bit in {elapsed:0.###} s — real-time factor {frames / (double)sampleRate / elapsed:0.0}×"));
        return 0;
    }

    /// <summary>
    /// Renders a piece, pumping it before every block. With <paramref name="gpu"/> the convolutions' long partitions are
    /// placed, and every block is a deferred one (offline, no device waits): the launch runs between blocks, on this thread.
    /// </summary>
    private static int RenderPiece(string file, double seconds, string output, int sampleRate, int block, WavSampleFormat format, int seed, int threads, IGraphExecutor executor, EngineConfig defaults, GpuMode gpu)
    {
        var options = new Live.LiveSessionOptions { SampleRate = sampleRate, MaxBlockFrames = Math.Max(block, 128), Seed = (ulong)seed };
        Nodes.NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        using GpuConvolutionPlacement? placement = GpuPlacementSetup.Install(gpu, defaults.DeferredBlockFrames, defaults.RenderAheadMs, offline: true, registry);
        (Live.LiveSession session, Control.ILivePiece piece) = Pieces.Open(file, options, executor, registry: registry, sampleFolders: defaults.SampleFolders);
        using (piece)
        {
            Pieces.Start(piece, session, file);
            long frames = (long)Math.Round(seconds * sampleRate);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Rendering {Path.GetFileName(file)}: {seconds:0.###} s at {sampleRate} Hz, {block}-frame blocks, {threads} thread(s) → {output}"));
            var bar = new ProgressBar(Console.Error);
            RenderReport report;
            bool silent = true;
            using (var writer = new WavWriter(output, sampleRate, session.Renderer.OutputChannels, format))
            {
                report = OfflinePieceRenderer.Render(piece, session, frames, block, writer, bar.Report, started: true, deferredBlockHook: placement, onChunk: (chunk, filled) =>
                {
                    foreach (float[] channel in chunk)
                    {
                        silent &= !channel.AsSpan(0, filled).ContainsAnyExcept(0f);
                    }
                });
            }

            bar.Complete();
            if (silent && !ReachesOutput(session.Graph))
            {
                // An empty file, or a piece that builds nothing or sends nothing to `out`: say so instead of writing silence.
                File.Delete(output);
                throw new CliException($"{file}: nothing reaches 'out': the piece sends no node to the output, so the render is silence (nothing written). "
                    + (Path.GetExtension(file).Equals(".lua", StringComparison.OrdinalIgnoreCase) ? "Send one there: out(sine{220})." : "Send one there: Graph().Add(\"osc\", \"sine\").Chain(\"osc\", \"out\").Commit(Now);"));
            }

            GpuPlacementSetup.Report(placement);
            Console.WriteLine(OfflineRenderLines.Wrote(output, report, format));
        }

        return 0;
    }

    /// <summary>
    /// <c>--timing</c>: where a whole-process render's wall time went, phase by phase, so that a figure such as two threads
    /// over one can be taken apart: the runtime's start (to <c>Main</c>), the command line and the graph (to the compile),
    /// the compile, the render's first block and first <see cref="RenderReport.StartBlocks"/> blocks (code, caches and
    /// workers warming up) against the rest, the WAV writes, and how busy each worker was.
    /// </summary>
    private static void WriteTiming(TextWriter error, long commandStarted, long compileStarted, long compiled, long renderStarted, RenderReport report, Scheduling.ParallelExecutor? parallel, Dictionary<string, (string Name, double Ms)> threadTimes)
    {
        static string Ms(TimeSpan t) => (t.TotalMilliseconds).ToString("0.0", CultureInfo.InvariantCulture) + " ms";
        long main = ProcessTiming.MainStarted;
        TimeSpan? toMain = main == 0 ? null : ProcessTiming.SinceProcessStart(main);
        TimeSpan render = report.Elapsed;
        long restBlocks = report.Blocks - Math.Min(report.Blocks, RenderReport.StartBlocks);
        TimeSpan rest = render - report.FirstBlocks;
        error.WriteLine("Timing (wall):");
        error.WriteLine($"  process start → Main        {(toMain is { } t ? Ms(t) + " (the runtime's own start; to the kernel's clock tick)" : "not known")}");
        if (main != 0)
        {
            error.WriteLine($"  Main → the render command   {Ms(Stopwatch.GetElapsedTime(main, commandStarted))} (command line, configuration)");
        }

        error.WriteLine($"  the graph                   {Ms(Stopwatch.GetElapsedTime(commandStarted, compileStarted))} (executor and workers, the graph built)");
        error.WriteLine($"  its compile                 {Ms(Stopwatch.GetElapsedTime(compileStarted, compiled))}");
        error.WriteLine($"  → the render's start        {Ms(Stopwatch.GetElapsedTime(compiled, renderStarted))}");
        error.WriteLine($"  the render                  {Ms(render)}, of which WAV writes {Ms(report.Writing)}");
        error.WriteLine($"    first block               {Ms(report.FirstBlock)}");
        error.WriteLine($"    first {Math.Min(report.Blocks, RenderReport.StartBlocks)} blocks         {Ms(report.FirstBlocks)}");
        if (restBlocks > 0)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    the other {restBlocks} blocks   {Ms(rest)} ({rest.TotalMicroseconds / restBlocks:0.0} µs a block, writes included)"));
        }

        if (parallel is not null && render > TimeSpan.Zero)
        {
            for (int w = 0; w < parallel.Threads; w++)
            {
                double busy = Stopwatch.GetElapsedTime(0, parallel.WorkerBusyTicks(w)) / render;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  worker {w} busy in blocks     {busy:P0} of the render"));
                if (parallel.SuperblockCounts.Runs > 0)
                {
                    double waiting = Stopwatch.GetElapsedTime(0, parallel.WorkerWaitTicks(w)) / render;
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    of it waiting for others  {waiting:P1} of the render"));
                }
            }
        }

        long warmUp = RenderPathWarmUp.Finished;
        error.WriteLine(warmUp == 0
            ? "  render-path warm-up         not finished"
            : warmUp <= renderStarted
                ? $"  render-path warm-up         done {Ms(Stopwatch.GetElapsedTime(warmUp, renderStarted))} before the render began"
                : $"  render-path warm-up         still running for the render's first {Ms(Stopwatch.GetElapsedTime(renderStarted, warmUp))}");
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  garbage collections         {GC.CollectionCount(0)} / {GC.CollectionCount(1)} / {GC.CollectionCount(2)} (gen 0 / 1 / 2), paused {GC.GetTotalPauseDuration().TotalMilliseconds:0.0} ms"));
        WriteThreadTimes(error, threadTimes);
        if (main != 0)
        {
            error.WriteLine($"  Main → now                  {Ms(Stopwatch.GetElapsedTime(main))}");
        }
    }

    /// <summary>
    /// Each thread's time on a CPU so far, by thread id, with its name, where the system says (Linux:
    /// <c>/proc/self/task/*/schedstat</c>); empty elsewhere. For <c>--timing</c>: what ran beside the workers during the
    /// render (the runtime's tiered compiler, the warm-up, the garbage collector).
    /// </summary>
    private static Dictionary<string, (string Name, double Ms)> ThreadCpuTimes()
    {
        const string Tasks = "/proc/self/task";
        var times = new Dictionary<string, (string Name, double Ms)>();
        if (!Directory.Exists(Tasks))
        {
            return times;
        }

        foreach (string task in Directory.EnumerateDirectories(Tasks))
        {
            try
            {
                string name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                string[] schedstat = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                times[Path.GetFileName(task)] = (name, long.Parse(schedstat[0], CultureInfo.InvariantCulture) / 1e6);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // A thread that ended meanwhile, or a system without schedstat: left out.
            }
        }

        return times;
    }

    /// <summary>Each thread's CPU time during the render (from <paramref name="before"/>, taken as it began, to now), the busiest first.</summary>
    private static void WriteThreadTimes(TextWriter error, Dictionary<string, (string Name, double Ms)> before)
    {
        IEnumerable<string> during = ThreadCpuTimes()
            .Select(t => (t.Value.Name, Ms: t.Value.Ms - (before.TryGetValue(t.Key, out var b) ? b.Ms : 0)))
            .Where(t => t.Ms >= 0.5)
            .OrderByDescending(t => t.Ms)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Ms:0.0} ms"));
        error.WriteLine("  CPU time during the render  " + string.Join(", ", during));
    }

    /// <summary>Whether any edge goes into the graph's output node (a graph without one can only be silent).</summary>
    private static bool ReachesOutput(GraphDescription graph) =>
        graph.Nodes.Any(n => n.Type == Nodes.CoreNodeTypes.Output && graph.Edges.Any(e => e.To == n.Id));
}
