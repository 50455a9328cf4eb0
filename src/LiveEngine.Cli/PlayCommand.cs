using System.CommandLine;
using System.Globalization;
using LiveEngine.Dsp;
using LiveEngine.Gpu;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Hosts.Jack;
using LiveEngine.Hosts.Offline;
using LiveEngine.Hosts.PortAudio;
using LiveEngine.Hosts.RealTime;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine play [FILE] [--workload W] [--driver auto|jack|portaudio|null|offline] [--seconds S]</c>: plays a
/// graph in real time and prints xruns and block-time percentiles at the end. <c>auto</c> (the default) plays
/// through JACK if a server runs, else PortAudio's default output device; with neither it renders offline to a
/// WAV file instead. It says which, and why.
/// </summary>
internal static class PlayCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("file") { Description = "Graph description (.json) or piece (.lua, .csx) to play.", Arity = ArgumentArity.ZeroOrOne };
        var workload = new Option<string?>("--workload", "-w") { Description = "A standard workload instead of a file." };
        var driver = new Option<string?>("--driver", "-d") { Description = "auto (JACK if a server runs, else PortAudio's default output device, else an offline render), jack, portaudio, null (real-time paced, no sound), or offline (repl.config [driver] name; default auto)." };
        var hostApi = new Option<string?>("--host-api") { Description = "PortAudio host API by name (ALSA, JACK, …); default: any." };
        var device = new Option<string?>("--device") { Description = "PortAudio device by (part of) its name; default: the host API's default." };
        var seconds = new Option<double>("--seconds", "-s") { Description = "How long to play.", DefaultValueFactory = _ => 20 };
        var server = new Option<string?>("--jack-server") { Description = "Name of the JACK server (default: the default server)." };
        var output = new Option<string?>("--out", "-o") { Description = "WAV file for the offline fallback (default: the graph's name + .wav)." };
        Option<int?> threads = Cli.ThreadsOption();
        Option<string?> config = Cli.ConfigOption();
        var banks = new Option<string>("--banks") { Description = "Voice banks: on (default) or off, for comparison.", DefaultValueFactory = _ => "on" };
        Option<string?> renderAhead = Cli.RenderAheadOption();
        Option<string?> gpu = GpuPlacementSetup.Option();
        Option<string?> audioCpus = EngineCommand.AudioCpusOption();
        Option<string?> backupPacer = EngineCommand.BackupPacerOption();
        var command = new Command("play", "Play a graph in real time through JACK or PortAudio's default device (or render it offline when there is neither).")
        {
            file, workload, driver, seconds, server, output, threads, config, hostApi, device, banks, renderAhead, gpu, audioCpus, backupPacer,
        };
        command.SetAction(result => Cli.Run(() =>
        {
            EngineConfig defaults = EngineConfig.Load(result.GetValue(config));
            GpuMode gpuMode = GpuPlacementSetup.Parse(result.GetValue(gpu) ?? defaults.Gpu, "--gpu");
            bool? explicitAhead = result.GetValue(renderAhead) is { } ahead ? Cli.ParseOnOff(ahead, false, "--render-ahead") : null;
            return Execute(
                result.GetValue(file),
                result.GetValue(workload),
                result.GetValue(driver) ?? defaults.Driver,
                result.GetValue(seconds),
                result.GetValue(server) ?? defaults.JackServer,
                result.GetValue(output),
                result.GetValue(threads) ?? defaults.Threads,
                defaults,
                result.GetValue(hostApi) ?? defaults.HostApi,
                result.GetValue(device) ?? defaults.Device,
                result.GetValue(banks)!,
                GpuPlacementSetup.RenderAheadFor(gpuMode, explicitAhead) ?? defaults.RenderAhead,
                gpuMode,
                EngineCommand.ParseAudioCpus(result.GetValue(audioCpus) ?? defaults.AudioCpus),
                Cli.ParseOnOff(result.GetValue(backupPacer), EngineCommand.BackupPacerDefault, "--backup-pacer"));
        }));
        return command;
    }

    // autoChoice: what auto chose, when it is already known (a default device that did not open); null: choose now.
    private static int Execute(string? file, string? workload, string driverName, double seconds, string? server, string? output, int threads, EngineConfig defaults, string? hostApi, string? device, string banks, bool renderAhead, GpuMode gpu, AudioCpuIsolation? isolation, bool backupPacer, DriverChoice? autoChoice = null)
    {
        if (banks is not ("on" or "off"))
        {
            throw new CliException($"--banks must be on or off, not '{banks}'.");
        }

        bool banking = banks == "on";
        if (seconds is <= 0 or > 24 * 3600)
        {
            throw new CliException("--seconds must be more than 0 and at most 86400.");
        }

        bool isPiece = workload is null && Pieces.IsPiece(file);
        GraphDescription description = isPiece ? new GraphDescription() : GraphSource.Load(file, workload, defaults.Seed);
        string name = workload ?? Path.GetFileNameWithoutExtension(file!);
        DriverChoice? auto = driverName != "auto" ? null : autoChoice ?? AutoDriverChoice.Choose(server, new LiveSessionOptions().OutputChannels, fallback: "offline");
        string chosen = driverName switch
        {
            "jack" or "portaudio" or "null" or "offline" => driverName,
            "auto" => auto!.Kind,
            _ => throw new CliException($"--driver must be auto, jack, portaudio, null or offline, not '{driverName}'."),
        };
        if (auto is { Audible: true })
        {
            Console.Error.WriteLine($"Driver auto: {auto.Reason}, so {(auto.Kind == "jack" ? "JACK" : "PortAudio")}.");
            hostApi ??= auto.HostApi;
        }

        var sessionOptions = new LiveSessionOptions
        {
            SampleRate = defaults.SampleRate,
            MaxBlockFrames = Math.Max(defaults.BlockFrames, 1024),
            Seed = (ulong)defaults.Seed,
            Tempo = Time.Fraction.FromDecimal((decimal)defaults.Tempo),
            BeatsPerBar = defaults.BeatsPerBar,
            Banking = banking,
            DeviceBlockFrames = defaults.BlockFrames,
            RenderAheadMs = defaults.RenderAheadMs,
            DeferredBlockFrames = defaults.DeferredBlockFrames,
        };
        if (chosen == "offline")
        {
            string wav = output ?? name + ".wav";
            Console.Error.WriteLine(auto is not null
                ? $"No audio server found ({auto.Reason}): rendering offline to {wav} instead."
                : $"Rendering offline to {wav}.");
            if (isPiece)
            {
                Execution.IGraphExecutor pieceExecutor = Cli.CreateExecutor(threads, defaults.Policy);
                using var disposePieceExecutor = pieceExecutor as IDisposable;
                LiveEngine.Nodes.NodeTypeRegistry pieceRegistry = BuiltinNodeTypes.CreateRegistry();
                using GpuConvolutionPlacement? offlinePlacement = GpuPlacementSetup.Install(gpu, defaults.DeferredBlockFrames, defaults.RenderAheadMs, offline: true, pieceRegistry);
                (LiveSession pieceSession, Control.ILivePiece offlinePiece) = Pieces.Open(file!, sessionOptions, pieceExecutor, registry: pieceRegistry, sampleFolders: defaults.SampleFolders);
                using (offlinePiece)
                {
                    Pieces.Start(offlinePiece, pieceSession, file!);
                    using var pieceWriter = new WavWriter(wav, defaults.SampleRate, pieceSession.Renderer.OutputChannels, WavSampleFormat.Pcm24);
                    RenderReport pieceReport = OfflinePieceRenderer.Render(offlinePiece, pieceSession, (long)Math.Round(seconds * defaults.SampleRate), defaults.BlockFrames, pieceWriter, started: true, deferredBlockHook: offlinePlacement);
                    GpuPlacementSetup.Report(offlinePlacement);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {wav}: {seconds:0.###} s in {pieceReport.Elapsed.TotalSeconds:0.###} s — real-time factor {pieceReport.RealTimeFactor:0.0}×"));
                }

                return 0;
            }

            Snapshots.GraphSnapshot snapshot = Cli.Compile(description, defaults.SampleRate, defaults.BlockFrames, defaults.Seed, banking);
            Execution.IGraphExecutor offline = Cli.CreateExecutor(threads, defaults.Policy);
            using var disposeOffline = offline as IDisposable;
            RenderReport report = OfflineWavRenderer.Render(snapshot, (long)Math.Round(seconds * defaults.SampleRate), defaults.BlockFrames, wav, WavSampleFormat.Pcm24, executor: offline);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {wav}: {seconds:0.###} s in {report.Elapsed.TotalSeconds:0.###} s — real-time factor {report.RealTimeFactor:0.0}×"));
            return 0;
        }

        // With --audio-cpus the executor's dedicated workers join the audio thread on its CPUs.
        var workerPlacement = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Execution.IGraphExecutor graphExecutor = Cli.CreateExecutor(threads, defaults.Policy, workerStarted: isolation is null ? null : worker => workerPlacement.Enqueue($"worker {worker} {isolation.TryAddCurrentThread().Description}"));
        using var disposeExecutor = graphExecutor as IDisposable;
        LiveSession session;
        Control.ILivePiece? piece = null;
        LiveEngine.Nodes.NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        using GpuConvolutionPlacement? placement = renderAhead ? GpuPlacementSetup.Install(gpu, Math.Min(sessionOptions.DeferredBlockFrames, sessionOptions.MaxBlockFrames), sessionOptions.RenderAheadMs, offline: false, registry) : null;
        if (isPiece)
        {
            (session, piece) = Pieces.Open(file!, sessionOptions, graphExecutor, registry: registry, sampleFolders: defaults.SampleFolders);

            // A piece commits node types as it goes: compile them all now, not in a real-time callback.
            LiveEngine.Hosts.Engine.NodeTypeWarmUp.Run(BuiltinNodeTypes.CreateRegistry(), sessionOptions.SampleRate, sessionOptions.MaxBlockFrames);
            Pieces.Start(piece, session, file!);
            piece.Pump(0);
        }
        else
        {
            // The render path optimized before the device's first block, in a throwaway copy of the graph.
            int deviceBlock = Math.Min(defaults.BlockFrames, sessionOptions.MaxBlockFrames);
            TimeSpan warm = LiveEngine.Hosts.Engine.GraphWarmUp.Run(registry, description, sessionOptions, graphExecutor, deviceBlock, renderAhead ? Math.Min(sessionOptions.DeferredBlockFrames, sessionOptions.MaxBlockFrames) : deviceBlock, TimeSpan.FromSeconds(3));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Warmed up the graph's code in {warm.TotalSeconds:0.00} s."));
            session = new LiveSession(registry, description, sessionOptions, graphExecutor);
        }

        using var disposePiece = piece;
        if (renderAhead)
        {
            // Below the audio thread's priority (70): the device's callback preempts it, and it preempts everything else.
            session.StartRenderAhead(waitWhenEmpty: false, threadStarted: () => RealTimeThread.TryPromoteCurrentThread(60), deferredBlockHook: placement);

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Render-ahead on: {defaults.RenderAheadMs:0.#} ms ahead in {session.Renderer.RenderAhead!.DeferredBlockFrames}-frame blocks ({(session.Renderer.Current.IsDeferrable ? "the graph has no live node" : session.Renderer.Current.IsSplit ? "the graph's live nodes one device block ahead" : "the graph has live nodes it cannot split off: all of it one device block ahead")})."));
        }

        if (chosen == "null")
        {
            using NullDriver paced = NullDriver.Start(session.Renderer, defaults.SampleRate, Math.Min(defaults.BlockFrames, session.Renderer.MaxBlockFrames), realTimePriority: 70, isolation: isolation, backupPacer: backupPacer);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Playing {name} through the null driver (real-time paced, no sound): {paced.SampleRate} Hz, {paced.BufferFrames}-frame blocks, {seconds:0.###} s; {paced.RealTime.Description}."));
            Isolate(isolation, paced.Placement, workerPlacement);
            Perform(session, piece, seconds, () => false, isolation);
            Report(paced.Stats, paced.BufferFrames, paced.SampleRate, session.Renderer);
            if (paced.HasBackupPacer)
            {
                Console.WriteLine($"{paced.BackupPacer.Description}: {paced.BackupBlocks} blocks rendered by it");
            }

            GpuPlacementSetup.Report(placement);
            return 0;
        }

        if (chosen == "portaudio")
        {
            PortAudioDriver pa;
            try
            {
                pa = PortAudioDriver.Start(session.Renderer, defaults.SampleRate, defaults.BlockFrames, hostApi, device);
            }
            catch (Exception e) when (e is InvalidOperationException or DllNotFoundException)
            {
                if (auto is not null)
                {
                    // auto promised sound or a WAV file: the default device is there but would not open.
                    return Execute(file, workload, "auto", seconds, server, output, threads, defaults, hostApi, device, banks, renderAhead, gpu, isolation, backupPacer, new DriverChoice("offline", $"{auto.Reason}, but it did not open: {e.Message}"));
                }

                throw new CliException(e.Message);
            }

            using (pa)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Playing {name} through PortAudio ({pa.DeviceName}): {defaults.SampleRate} Hz, {defaults.BlockFrames}-frame buffers, {seconds:0.###} s."));
                Perform(session, piece, seconds, () => false);
                Report(pa.Stats, defaults.BlockFrames, defaults.SampleRate, session.Renderer);
                GpuPlacementSetup.Report(placement);
                return 0;
            }
        }

        JackDriver driver;
        try
        {
            driver = JackDriver.Start(session.Renderer, defaults.SampleRate, "liveengine", server, isolation: isolation);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }

        using (driver)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Playing {name} through JACK: {driver.SampleRate} Hz, {driver.BufferFrames}-frame buffers, {threads} thread(s), {seconds:0.###} s; {(driver.IsRealTime ? "real-time" : "no real-time")} JACK thread."));
            Isolate(isolation, driver.Placement, workerPlacement);
            Perform(session, piece, seconds, () => driver.IsShutDown, isolation);
            if (driver.IsShutDown)
            {
                Console.Error.WriteLine("The JACK server stopped during the performance.");
            }

            Report(driver.Stats, driver.BufferFrames, driver.SampleRate, session.Renderer);
            GpuPlacementSetup.Report(placement);
            return driver.IsShutDown ? 1 : 0;
        }
    }

    /// <summary>
    /// The control side of a performance: every 5 ms the piece (if any) runs its callbacks ahead of the audio,
    /// and the session does its housekeeping, until the time is up or the driver stops.
    /// </summary>
    private static void Perform(LiveSession session, Control.ILivePiece? piece, double seconds, Func<bool> stopped, AudioCpuIsolation? isolation = null)
    {
        // A piece's callbacks are pumped ahead of the audio, often; a plain graph needs only housekeeping.
        int pollMs = piece is null ? 50 : 5;
        TimeSpan? stealBefore = StealTime.ReadTotal();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long nextRestrictMs = 5_000;
        while (clock.Elapsed.TotalSeconds < seconds && !stopped())
        {
            Thread.Sleep(pollMs);
            piece?.Pump(session.Renderer.Position);
            session.Maintain();
            if (isolation is not null && clock.ElapsedMilliseconds >= nextRestrictMs)
            {
                // Now and then, as the engine process does: a thread the runtime made from an audio thread moves off its CPUs.
                isolation.RestrictOtherThreads();
                nextRestrictMs += 5_000;
            }
        }

        string steal = StealTime.Describe(stealBefore, StealTime.ReadTotal(), clock.Elapsed);
        if (steal.Length > 0)
        {
            // Late wake-ups follow it on a virtual machine (docs/audio.md, "Late periods").
            Console.WriteLine($"during the performance {steal}");
        }
    }

    private const int XrunsListed = 20;

    /// <summary>After the audio thread and the workers have moved onto the audio CPUs: every other thread off them, and what happened, on stderr.</summary>
    private static void Isolate(AudioCpuIsolation? isolation, RealTimeResult audioThread, IEnumerable<string> workers)
    {
        if (isolation is null)
        {
            return;
        }

        (int moved, IReadOnlyList<string> refusals) = isolation.RestrictOtherThreads();
        string workerText = string.Join("; ", workers.Order(StringComparer.Ordinal));
        Console.Error.WriteLine($"CPU isolation ({isolation}): audio thread {audioThread.Description}{(workerText.Length > 0 ? "; " + workerText : "")}; {moved} other threads moved{(refusals.Count > 0 ? ", refused: " + string.Join("; ", refusals) : "")}.");
    }

    private static void Report(BlockTimeStats stats, int bufferFrames, int sampleRate, LiveRenderer renderer)
    {
        if (renderer.IsRenderingAhead)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"render-ahead: {renderer.RenderAheadUnderruns} underruns (blocks played as silence{UnderrunSpan(renderer)}), {renderer.Position - renderer.PlayedPosition} frames ahead at the end, render-ahead thread allocated {renderer.RenderAheadAllocatedBytes} bytes after warm-up"));
        }

        double deadlineUs = bufferFrames * 1e6 / sampleRate;
        double p50Us = stats.PercentileUs(0.5);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{stats.Callbacks} callbacks, {stats.Xruns} xruns, {stats.DeadlineMisses} deadline misses; block time p50 {p50Us:0} µs ({p50Us / deadlineUs:P0} of the deadline), p99 {stats.PercentileUs(0.99):0} µs, max {stats.MaxUs():0} µs (deadline {deadlineUs:0} µs); audio thread allocated {stats.AllocatedAfterWarmUp} bytes after warm-up"));
        if (stats.StartLateSamples() > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"blocks started behind their period's start: p50 {stats.StartLatePercentileUs(0.5):0} µs, p99 {stats.StartLatePercentileUs(0.99):0} µs, p99.9 {stats.StartLatePercentileUs(0.999):0} µs, max {stats.StartLateMaxUs():0} µs"));
        }

        IReadOnlyList<XrunRecord> log = stats.XrunLog();
        if (log.Count > 0)
        {
            Console.WriteLine(XrunSummary.Describe(log));
        }

        foreach (XrunRecord xrun in log.Take(XrunsListed))
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {XrunSummary.Name(xrun.Source)} at {xrun.Sample / (double)sampleRate:0.000} s (sample {xrun.Sample}), {DateTimeOffset.FromUnixTimeMilliseconds(xrun.UnixTimeUs / 1000):HH:mm:ss.fff} UTC{XrunSummary.Where(xrun)}"));
        }

        if (log.Count > XrunsListed)
        {
            Console.WriteLine($"  … and {log.Count - XrunsListed} more");
        }
    }

    private static string UnderrunSpan(LiveRenderer renderer)
    {
        (long first, long last) = renderer.RenderAheadUnderrunSpan;
        double rate = renderer.Current.SampleRate;
        return first < 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; the first {first / rate:0.000} s into the stream, the last at {last / rate:0.000} s");
    }
}
