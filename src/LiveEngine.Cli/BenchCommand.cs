using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine bench WORKLOAD [--threads P] [--block B] [--seconds S] [--json F]</c>: renders a whole graph
/// as fast as it can and reports the real-time factor, per-block time percentiles, and W and span from
/// measured per-job costs.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var workload = new Argument<string>("workload") { Description = "voices-N, chains-MxL, random-layered, session, a graph .json file, or a piece (.lua, .csx: the graph its top level builds)." };
        Option<int?> threads = Cli.ThreadsOption();
        Option<string?> policy = Cli.PolicyOption();
        Option<int?> block = Cli.BlockOption();
        var seconds = new Option<double>("--seconds", "-s") { Description = "Seconds of audio to render in the timed pass.", DefaultValueFactory = _ => 10 };
        Option<int?> sampleRate = Cli.SampleRateOption();
        Option<string?> config = Cli.ConfigOption();
        var json = new Option<string?>("--json") { Description = "Also write the result as JSON to this file." };
        var trace = new Option<string?>("--trace") { Description = "After the timed pass, profile 1 s more and write a Chrome/Perfetto trace (JSON) here." };
        Option<bool> pin = Cli.PinOption();
        var banks = new Option<string>("--banks") { Description = "Voice banks: on (default), off, or compare (on and off in alternating 0.5 s windows of one run).", DefaultValueFactory = _ => "on" };
        var command = new Command("bench", "Benchmark a whole graph: real-time factor, block-time percentiles, work and span.")
        {
            workload, threads, policy, block, seconds, sampleRate, json, trace, pin, banks, config,
        };
        command.SetAction(result => Cli.Run(() =>
        {
            EngineConfig defaults = EngineConfig.Load(result.GetValue(config));
            return Execute(
                result.GetValue(workload)!,
                result.GetValue(threads) ?? defaults.Threads,
                result.GetValue(policy) ?? defaults.Policy,
                result.GetValue(block) ?? defaults.BlockFrames,
                result.GetValue(seconds),
                result.GetValue(sampleRate) ?? defaults.SampleRate,
                result.GetValue(json),
                result.GetValue(trace),
                result.GetValue(pin),
                result.GetValue(banks)!);
        }));
        return command;
    }

    private static int Execute(string workload, int threads, string policy, int block, double seconds, int sampleRate, string? jsonPath, string? tracePath, bool pin, string banks)
    {
        if (banks is not ("on" or "off" or "compare"))
        {
            throw new CliException($"--banks must be on, off or compare, not '{banks}'.");
        }

        IReadOnlyList<int>? cpus = pin ? Cli.PinCallingThread() : null;

        // The scheduler itself is measured: no switching to serial blocks behind its back.
        IGraphExecutor executor = Cli.CreateExecutor(threads, policy, adaptive: false, cpuPerWorker: cpus);
        using var disposeExecutor = executor as IDisposable;
        if (seconds is <= 0 or > 3600)
        {
            throw new CliException("--seconds must be more than 0 and at most 3600.");
        }

        bool isFile = workload.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        GraphDescription description = Pieces.IsPiece(workload)
            ? Pieces.GraphOf(workload, sampleRate, block)
            : GraphSource.Load(isFile ? workload : null, isFile ? null : workload, seed: 1);
        long compileStart = Stopwatch.GetTimestamp();
        Nodes.NodeTypeRegistry registry = Dsp.BuiltinNodeTypes.CreateRegistry();
        GraphSnapshot snapshot = Cli.Compile(description, sampleRate, block, seed: 1, banking: banks != "off", registry);
        TimeSpan compileTime = Stopwatch.GetElapsedTime(compileStart);
        Console.WriteLine("  banks             " + snapshot.DescribeBanks().Replace("\n", "\n                    ", StringComparison.Ordinal));
        if (banks == "compare")
        {
            GraphSnapshot unbanked = Cli.Compile(description, sampleRate, block, seed: 1, banking: false);
            Console.WriteLine(BankComparison.Run(snapshot, unbanked, executor, block, seconds, description).Format());
            return 0;
        }

        BenchResult result = GraphBench.Run(snapshot, executor, workload, block, seconds);
        result = result with { Policy = threads == 1 ? "serial" : policy };

        // What admission control would have predicted for this graph: job kinds measured on a trial compile of its
        // own (fresh nodes, as a commit's trial), then the scheduler's bound for this many threads plus its measured costs.
        var costs = new Admission.JobCostTable();
        Admission.CostPredictor.Measure(Cli.Compile(description, sampleRate, block, seed: 1, banking: banks != "off", registry), costs, block, threads: threads);
        Admission.CostPrediction prediction = Admission.CostPredictor.Predict(snapshot, costs, threads, block);
        result = result with { PredictedUs = prediction.BlockNs / 1000 };
        result = result with { CompileMs = compileTime.TotalMilliseconds };
        Console.WriteLine(result.Format());
        Console.WriteLine("  prediction        " + prediction.Describe());
        if (cpus is not null)
        {
            string workers = executor is ParallelExecutor parallel ? string.Join(", ", parallel.Placement) : "no other workers";
            Console.WriteLine($"  pinned            calling thread on CPU {cpus[0]}; {workers}");
        }

        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        }

        if (tracePath is not null)
        {
            // A separate pass: the profiler's clock reads would otherwise inflate the timed figures above.
            var profiler = new ExecutionProfiler(threads);
            using (var traced = (ParallelExecutor)Cli.CreateExecutor(threads, policy, profiler, cpuPerWorker: cpus))
            {
                traced.Prepare(snapshot);
                long position = 0;
                int blocks = Math.Max(50, sampleRate / block);
                for (int b = 0; b < blocks; b++, position += block)
                {
                    traced.Process(snapshot, block, position);
                }
            }

            using (FileStream stream = File.Create(tracePath))
            {
                ChromeTraceWriter.Write(profiler, snapshot, stream);
            }

            Console.WriteLine(ProfileSummary.Create(profiler, snapshot).Format());
            Console.WriteLine($"trace written to {tracePath} (open it in https://ui.perfetto.dev)");
        }

        return 0;
    }
}

/// <summary>The figures of one <c>liveengine bench</c> run. Times are per block unless named otherwise.</summary>
internal sealed record BenchResult(
    string Workload,
    int Threads,
    int SampleRate,
    int BlockFrames,
    int Nodes,
    int Jobs,
    double Seconds,
    double RealTimeFactor,
    double DeadlineUs,
    double MeanUs,
    double P50Us,
    double P99Us,
    double MaxUs,
    double WorkUs,
    double SpanUs,
    double BoundUs,
    double Efficiency,
    long AllocatedBytes,
    int Gen0Collections,
    double CompileMs = 0,
    string Policy = "serial",
    double JobSumUs = 0,
    double EfficiencyMin = 0,
    double EfficiencyMax = 0,
    int Windows = 0,
    double WindowSeconds = 0,
    double PredictedUs = 0)
{
    /// <summary>How W and the efficiency were measured: in the same windows of the timed pass, or interleaved with it.</summary>
    private string EfficiencyNote => Windows == 0
        ? "W is the timed pass itself"
        : string.Create(CultureInfo.InvariantCulture, $"median of {Windows} pairs of alternating {WindowSeconds * 1000:0} ms windows, W then the parallel pass; spread {EfficiencyMin:P0}..{EfficiencyMax:P0}");

    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        {Workload}: {Nodes} nodes, {Jobs} jobs, {Threads} thread(s) ({Policy}), {BlockFrames}-frame blocks at {SampleRate} Hz, {Seconds:0.##} s rendered
          real-time factor  {RealTimeFactor,10:0.00}×
          block time        mean {MeanUs:0.0} µs, p50 {P50Us:0.0} µs, p99 {P99Us:0.0} µs, max {MaxUs:0.0} µs (deadline {DeadlineUs:0.0} µs)
          work W            {WorkUs,10:0.0} µs/block (single-thread block time; measured jobs sum to {JobSumUs:0.0})
          span              {SpanUs,10:0.0} µs/block (costliest path of measured job costs)
          bound max(W/P,span) {BoundUs,8:0.0} µs/block → efficiency {Efficiency:P0} ({EfficiencyNote})
          allocated         {AllocatedBytes} bytes on the calling thread, {Gen0Collections} gen-0 GCs during the timed pass
          compile           {CompileMs:0.0} ms
          predicted         {PredictedUs,10:0.0} µs/block (admission control: trial-measured job kinds and scheduler costs) vs p50 {P50Us:0.0} µs → {(PredictedUs - P50Us) / P50Us:+0.0 %;-0.0 %}, vs mean {MeanUs:0.0} µs → {(PredictedUs - MeanUs) / MeanUs:+0.0 %;-0.0 %}
        """);
}

/// <summary>Runs a snapshot for a whole-graph benchmark. Everything it needs is allocated before timing starts.</summary>
internal static class GraphBench
{
    public static BenchResult Run(GraphSnapshot snapshot, IGraphExecutor executor, string workload, int block, double seconds)
    {
        int sampleRate = snapshot.SampleRate;
        long position = 0;
        executor.Prepare(snapshot);

        // Warm-up: tiered JIT reaches its final code (OSR and PGO included) before anything is measured: at least a
        // second of audio, then on until no method has been compiled for 250 ms (at most 5 s). A fixed count of blocks
        // was not enough for a fast graph: voices-256 rendered its second of warm-up in about 50 ms, before the JIT
        // had promoted the bank's code, and the timed pass then ran partly unoptimized (3.8 ns per voice-sample
        // against voices-1024's 0.72).
        int warmBlocks = Math.Max(200, sampleRate / block);
        var warmClock = Stopwatch.StartNew();
        long compiledMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan lastCompile = TimeSpan.Zero;
        for (int b = 0; ; b++, position += block)
        {
            executor.Process(snapshot, block, position);
            long compiledNow = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (compiledNow != compiledMethods)
            {
                compiledMethods = compiledNow;
                lastCompile = warmClock.Elapsed;
            }
            else if (b >= warmBlocks && warmClock.Elapsed - lastCompile > TimeSpan.FromMilliseconds(250))
            {
                break;
            }

            if (b >= warmBlocks && warmClock.Elapsed > TimeSpan.FromSeconds(5))
            {
                break;
            }
        }

        // Per-job single-thread costs, measured in their own pass so that the clock reads do not inflate the
        // timed pass; W and span are single-thread figures, the bound for P workers is max(W/P, span).
        var timings = new JobTimings(snapshot.Jobs.Length);
        int measuredBlocks = Math.Max(100, (int)Math.Min(2.0, seconds) * sampleRate / block);
        for (int b = 0; b < measuredBlocks; b++, position += block)
        {
            SingleThreadExecutor.ProcessMeasured(snapshot, block, position, timings);
        }

        // With one thread, the timed pass is itself the single-thread block time W. With more, W (the one-thread
        // pass, without per-job clock reads) and the parallel pass are interleaved in alternating short windows of
        // one run, so that a noisy machine's drift (the other vCPUs' availability) hits both alike; each window
        // pair gives one efficiency, and the median and spread of those are reported.
        bool interleaved = executor.Threads > 1;
        int blocksPerWindow = interleaved ? Math.Max(1, (int)(WindowSeconds * sampleRate / block)) : 0;
        int windows = interleaved ? Math.Max(3, (int)Math.Round(seconds / WindowSeconds)) : 0;
        int blocks = interleaved ? windows * blocksPerWindow : Math.Max(1, (int)(seconds * sampleRate / block));
        var blockTicks = new long[blocks];
        var serialWindowUs = new double[windows];
        var parallelWindowUs = new double[windows];
        int gen0 = GC.CollectionCount(0);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long total = 0;
        if (interleaved)
        {
            // The one-thread path's own warm-up (ProcessMeasured above is other code), not counted.
            for (int b = 0; b < warmBlocks; b++, position += block)
            {
                SingleThreadExecutor.Process(snapshot, block, position);
            }

            for (int w = 0; w < windows; w++)
            {
                long serialStart = Stopwatch.GetTimestamp();
                for (int b = 0; b < blocksPerWindow; b++, position += block)
                {
                    SingleThreadExecutor.Process(snapshot, block, position);
                }

                long parallelStart = Stopwatch.GetTimestamp();
                serialWindowUs[w] = (parallelStart - serialStart) * 1e6 / Stopwatch.Frequency / blocksPerWindow;
                total += TimedBlocks(executor, snapshot, block, ref position, blockTicks.AsSpan(w * blocksPerWindow, blocksPerWindow));
                parallelWindowUs[w] = (Stopwatch.GetTimestamp() - parallelStart) * 1e6 / Stopwatch.Frequency / blocksPerWindow;
            }
        }
        else
        {
            total = TimedBlocks(executor, snapshot, block, ref position, blockTicks);
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        gen0 = GC.CollectionCount(0) - gen0;

        Array.Sort(blockTicks);
        double usPerTick = 1e6 / Stopwatch.Frequency;
        double meanUs = total * usPerTick / blocks;
        double jobSumUs = timings.WorkNs() / 1000;
        double workUs = interleaved ? Median(serialWindowUs) : meanUs;
        double spanUs = Math.Min(timings.SpanNs(snapshot) / 1000, workUs);
        double boundUs = Math.Max(workUs / executor.Threads, spanUs);
        double efficiency = boundUs / meanUs;
        double efficiencyMin = efficiency;
        double efficiencyMax = efficiency;
        if (interleaved)
        {
            var perWindow = new double[windows];
            for (int w = 0; w < windows; w++)
            {
                perWindow[w] = Math.Max(serialWindowUs[w] / executor.Threads, spanUs) / parallelWindowUs[w];
            }

            efficiency = Median(perWindow);
            efficiencyMin = perWindow.Min();
            efficiencyMax = perWindow.Max();
        }

        return new BenchResult(
            workload,
            executor.Threads,
            sampleRate,
            block,
            snapshot.Nodes.Length,
            snapshot.Jobs.Length,
            blocks * (double)block / sampleRate,
            RealTimeFactor: blocks * (double)block / sampleRate / (total / (double)Stopwatch.Frequency),
            DeadlineUs: block * 1e6 / sampleRate,
            meanUs,
            P50Us: blockTicks[blocks / 2] * usPerTick,
            P99Us: blockTicks[Math.Min(blocks - 1, (int)(blocks * 0.99))] * usPerTick,
            MaxUs: blockTicks[^1] * usPerTick,
            workUs,
            spanUs,
            boundUs,
            efficiency,
            allocated,
            gen0,
            JobSumUs: jobSumUs,
            EfficiencyMin: efficiencyMin,
            EfficiencyMax: efficiencyMax,
            Windows: windows,
            WindowSeconds: interleaved ? blocksPerWindow * (double)block / sampleRate : 0);
    }

    /// <summary>Length of each window when W and the parallel pass alternate.</summary>
    private const double WindowSeconds = 0.25;

    /// <summary>Renders <paramref name="ticks"/>.Length blocks, writing each block's time; returns the total.</summary>
    private static long TimedBlocks(IGraphExecutor executor, GraphSnapshot snapshot, int block, ref long position, Span<long> ticks)
    {
        long start = Stopwatch.GetTimestamp();
        long previous = start;
        for (int b = 0; b < ticks.Length; b++, position += block)
        {
            executor.Process(snapshot, block, position);
            long now = Stopwatch.GetTimestamp();
            ticks[b] = now - previous;
            previous = now;
        }

        return previous - start;
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
