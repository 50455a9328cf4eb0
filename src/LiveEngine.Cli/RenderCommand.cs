using System.CommandLine;
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
        var command = new Command("render", "Render a graph offline, faster than real time, to a WAV file.")
        {
            file, workload, seconds, output, sampleRate, block, bits, seed, threads, policy, config, renderAhead, gpu,
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
                gpuMode);
        }));
        return command;
    }

    private static int Execute(string? file, string? workload, double seconds, string output, int sampleRate, int block, int bits, int seed, int threads, string policy, bool? renderAhead, EngineConfig defaults, GpuMode gpu)
    {
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

        GraphSnapshot snapshot = Cli.Compile(description, sampleRate, block, seed);
        long frames = (long)Math.Round(seconds * sampleRate);
        string name = workload ?? Path.GetFileName(file!);
        Console.Error.WriteLine($"Rendering {name}: {seconds.ToString("0.###", CultureInfo.InvariantCulture)} s at {sampleRate} Hz, {block}-frame blocks, {snapshot.Nodes.Length} nodes, {snapshot.Jobs.Length} jobs, {threads} thread(s) → {output}");
        var bar = new ProgressBar(Console.Error);
        RenderReport report = OfflineWavRenderer.Render(snapshot, frames, block, output, format, bar.Report, executor);
        bar.Complete();
        if (executor is Scheduling.ParallelExecutor { Threads: > 1 } parallel)
        {
            // The measured serial/parallel choice decides per block: say how it went (a render at load runs serially).
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{parallel.ParallelBlocks} of {parallel.ParallelBlocks + parallel.SerialBlocks} blocks ran on {parallel.Threads} threads, the rest on one (the measured choice)."));
        }
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Wrote {output}: {report.Frames / (double)report.SampleRate:0.###} s, {report.Channels} ch, {report.SampleRate} Hz, {format.BitsPerSample()}-bit in {report.Elapsed.TotalSeconds:0.###} s — real-time factor {report.RealTimeFactor:0.0}×"));
        int faulted = snapshot.NodeFaulted.Count(f => f != 0);
        if (faulted > 0)
        {
            for (int n = 0; n < snapshot.Nodes.Length; n++)
            {
                if (snapshot.NodeFaulted[n] != 0)
                {
                    Console.Error.WriteLine($"Node '{snapshot.NodeIds[n]}' threw and was silenced: {snapshot.NodeExceptions[n]?.Message}");
                }
            }
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
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Wrote {output}: {report.Frames / (double)report.SampleRate:0.###} s, {report.Channels} ch, {report.SampleRate} Hz, {format.BitsPerSample()}-bit in {report.Elapsed.TotalSeconds:0.###} s — real-time factor {report.RealTimeFactor:0.0}×"));
        }

        return 0;
    }

    /// <summary>Whether any edge goes into the graph's output node (a graph without one can only be silent).</summary>
    private static bool ReachesOutput(GraphDescription graph) =>
        graph.Nodes.Any(n => n.Type == Nodes.CoreNodeTypes.Output && graph.Edges.Any(e => e.To == n.Id));
}
