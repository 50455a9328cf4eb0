using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Offline;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Render;

/// <summary>
/// <c>liveengine-render</c>: <c>liveengine render</c> for the standard workloads, alone in a program small enough to
/// compile ahead of time (NativeAOT), so that a whole-process render pays milliseconds of start-up, not the full
/// command line's ~100 ms. It builds the same graph, compiles the same snapshot and renders it with the same offline
/// renderer and executors, so the WAV is bit-identical to <c>liveengine render</c>'s for the same options, and it prints
/// the same lines (<see cref="OfflineRenderLines"/>). <c>selftest</c> runs the kernels' checks, naming the vector
/// widths the compiled code uses.
/// </summary>
internal static class RenderProgram
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help" || (args[0] == "render" && args.AsSpan(1).Contains("--help")))
        {
            (args.Length == 0 ? Console.Error : Console.Out).WriteLine(RenderArguments.Usage);
            return args.Length == 0 ? 2 : 0;
        }

        if (args[0] == "render")
        {
            StartBuildingTables();
        }

        try
        {
            return args[0] switch
            {
                "render" => Render(RenderArguments.Parse(args.AsSpan(1))),
                "selftest" when args.Length == 1 => KernelSelfTest.WriteReport(Console.Out) == 0 ? 0 : 1,
                _ => throw new RenderUsageException($"unknown command '{string.Join(' ', args)}'; liveengine-render takes `render --workload NAME --out FILE.wav [options]` or `selftest` (see --help)."),
            };
        }
        catch (Exception e) when (e is RenderUsageException or GraphValidationException or IOException or UnauthorizedAccessException)
        {
            // A usage error exits 2 (as System.CommandLine's do in liveengine), a file that cannot be written 1.
            Console.Error.WriteLine("error: " + e.Message);
            return e is RenderUsageException or GraphValidationException ? 2 : 1;
        }
    }

    /// <summary>
    /// Builds the band-limited oscillators' tables (<see cref="BlepTable"/>'s static constructor, about a third of
    /// this program's start-up in a profile of a one-block voices-1024 render) on a thread of its own while the command
    /// line is read and the graph is built and compiled, as <c>liveengine</c>'s render-path warm-up does: the first
    /// block finds them ready where there is a second core (the runtime makes a block that needs them sooner wait for
    /// the one build). Code needs no warming here: it was compiled ahead of time.
    /// </summary>
    private static void StartBuildingTables()
    {
        var thread = new Thread(static () => RuntimeHelpers.RunClassConstructor(typeof(BlepTable).TypeHandle))
        {
            IsBackground = true,
            Name = "liveengine-render tables",
        };
        thread.Start();
    }

    private static int Render(RenderArguments arguments)
    {
        long started = Stopwatch.GetTimestamp();
        GraphDescription description;
        try
        {
            description = StandardWorkloads.Create(arguments.Workload, arguments.Seed);
        }
        catch (ArgumentException e)
        {
            throw new RenderUsageException(e.Message);
        }

        long built = Stopwatch.GetTimestamp();
        var options = new CompileOptions { SampleRate = arguments.SampleRate, MaxBlockFrames = arguments.BlockFrames, Seed = (ulong)arguments.Seed };
        GraphSnapshot snapshot = GraphCompiler.Compile(description, BuiltinNodeTypes.CreateRegistry(), options);
        long compiled = Stopwatch.GetTimestamp();
        long frames = (long)Math.Round(arguments.Seconds * arguments.SampleRate);
        IGraphExecutor executor = arguments.Threads == 1
            ? SingleThreadExecutor.Instance
            : new ParallelExecutor(new ParallelExecutorOptions { Threads = arguments.Threads, Policy = arguments.Policy });
        using var disposeExecutor = executor as IDisposable;
        Console.Error.WriteLine(OfflineRenderLines.Rendering(arguments.Workload, arguments.Seconds, snapshot, arguments.BlockFrames, arguments.Threads, arguments.Output));
        RenderReport report = OfflineWavRenderer.Render(snapshot, frames, arguments.BlockFrames, arguments.Output, arguments.Format, progress: null, executor);
        foreach (string line in OfflineRenderLines.ParallelAccount(executor))
        {
            Console.Error.WriteLine(line);
        }

        if (arguments.Timing)
        {
            // Main → here is what a whole-process render pays beside the runtime's own start (see docs/performance.md).
            Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Timing (wall): the graph {Stopwatch.GetElapsedTime(started, built).TotalMilliseconds:0.0} ms, its compile {Stopwatch.GetElapsedTime(built, compiled).TotalMilliseconds:0.0} ms, the first block {report.FirstBlock.TotalMilliseconds:0.0} ms, the render {report.Elapsed.TotalMilliseconds:0.0} ms (WAV writes {report.Writing.TotalMilliseconds:0.0} ms); Main → now {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms"));
        }

        Console.WriteLine(OfflineRenderLines.Wrote(arguments.Output, report, arguments.Format));
        foreach (string line in OfflineRenderLines.SilencedNodes(snapshot))
        {
            Console.Error.WriteLine(line);
        }

        return 0;
    }
}
