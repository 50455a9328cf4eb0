using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine engine --socket PATH [--driver null|jack|portaudio]</c>: the engine in its own GC-quiet process,
/// serving the binary protocol of docs/engine-protocol.md until a client asks it to shut down.
/// <c>liveengine engine soak</c>: starts one, drives it like a live coder (an edit every 2 s, a parameter change
/// at 100 Hz) and reports the engine process's allocations, GC counts and block times (docs/audio.md).
/// </summary>
internal static class EngineCommand
{
    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "Unix domain socket to listen on.", Required = true };
        var driver = new Option<string?>("--driver", "-d") { Description = "null (real-time paced, no sound), jack or portaudio (default null)." };
        var server = new Option<string?>("--jack-server") { Description = "Name of the JACK server (default: the default server)." };
        var hostApi = new Option<string?>("--host-api") { Description = "PortAudio host API by name (ALSA, JACK, …)." };
        var device = new Option<string?>("--device") { Description = "PortAudio device by (part of) its name." };
        var priority = new Option<int>("--rt-priority") { Description = "SCHED_FIFO priority of the engine's own audio thread, 0 for none (default 70).", DefaultValueFactory = _ => 70 };
        var noLock = new Option<bool>("--no-mlock") { Description = "Do not lock the process's memory (mlockall)." };
        var client = new Option<string>("--client-name") { Description = "JACK client name (default liveengine).", DefaultValueFactory = _ => "liveengine" };
        Option<int?> threads = Cli.ThreadsOption();
        Option<int?> block = Cli.BlockOption();
        Option<int?> sampleRate = Cli.SampleRateOption();
        var tempo = new Option<string?>("--tempo") { Description = "Tempo at the start in BPM, e.g. 128 or 1001/8 (repl.config [engine] tempo)." };
        var resume = new Option<string?>("--resume") { Description = "SAMPLE:BEAT:BAR: start there instead of at 0 (beats and bars as fractions, e.g. 96000:8:2), to take over a performance whose engine died." };
        var meter = new Option<int?>("--beats-per-bar") { Description = "Meter at the start (repl.config [engine] beats_per_bar)." };
        var standby = new Option<bool>("--standby") { Description = "Warm up, print \"" + EngineSuccessor.ReadyLine + "\", then wait for SAMPLE:BEAT:BAR BPM BEATS_PER_BAR on standard input before playing and listening (the REPL keeps one ready to replace an engine that dies); exits if standard input closes first." };
        var linkQuantum = new Option<double?>("--link-quantum") { Description = "Follow an Ableton Link session with this quantum in beats (repl.config [link]; docs/link.md)." };
        var linkLatency = new Option<double>("--link-latency-ms") { Description = "With --link-quantum: output latency in ms (repl.config [link] latency_ms)." };
        var linkNoStartStop = new Option<bool>("--link-no-start-stop") { Description = "With --link-quantum: do not share start and stop." };
        Option<string?> config = Cli.ConfigOption();
        Option<string?> admission = Cli.AdmissionOption();
        Option<double?> admissionLimit = Cli.AdmissionLimitOption();
        Option<string?> renderAhead = Cli.RenderAheadOption();
        Option<string?> gpu = GpuPlacementSetup.Option();
        Option<string?> audioCpus = AudioCpusOption();
        Option<string?> backupPacer = BackupPacerOption();
        var command = new Command("engine", "Run the engine in its own process behind a binary protocol on a Unix domain socket (docs/engine-protocol.md).")
        {
            socket, driver, server, hostApi, device, priority, noLock, client, threads, block, sampleRate, tempo, meter, resume, standby, linkQuantum, linkLatency, linkNoStartStop, config, admission, admissionLimit, renderAhead, gpu, audioCpus, backupPacer, CreateSoak(),
        };
        command.SetAction(result => Cli.Run(() =>
        {
            EngineConfig defaults = EngineConfig.Load(result.GetValue(config));
            Hosts.RealTime.AudioCpuIsolation? isolation = ParseAudioCpus(result.GetValue(audioCpus) ?? defaults.AudioCpus);

            // The workers get the audio thread's real-time priority (a block waits for its slowest worker), and its CPUs.
            int rtPriority = result.GetValue(priority);
            var workerScheduling = new System.Collections.Concurrent.ConcurrentQueue<string>();
            Execution.IGraphExecutor executor = Cli.CreateExecutor(
                result.GetValue(threads) ?? defaults.Threads,
                defaults.Policy,
                workerStarted: rtPriority <= 0 && isolation is null ? null : worker => workerScheduling.Enqueue($"worker {worker}: {string.Join(", ", WorkerSetup(rtPriority, isolation))}"));
            using var disposeExecutor = executor as IDisposable;
            Gpu.GpuMode gpuMode = GpuPlacementSetup.Parse(result.GetValue(gpu) ?? defaults.Gpu, "--gpu");
            string kind = result.GetValue(driver) ?? "null";
            if (kind is not ("null" or "jack" or "portaudio"))
            {
                throw new CliException($"--driver must be null, jack or portaudio, not '{kind}'.");
            }

            var options = new EngineHostOptions
            {
                SocketPath = result.GetValue(socket)!,
                Driver = new DriverSpec(kind, result.GetValue(server) ?? defaults.JackServer, result.GetValue(hostApi) ?? defaults.HostApi, result.GetValue(device) ?? defaults.Device),
                SampleRate = result.GetValue(sampleRate) ?? defaults.SampleRate,
                BlockFrames = result.GetValue(block) ?? defaults.BlockFrames,
                RealTimePriority = result.GetValue(priority),
                LockMemory = !result.GetValue(noLock),
                JackClientName = result.GetValue(client)!,
                Seed = (ulong)defaults.Seed,
                Tempo = ParseTempo(result.GetValue(tempo)) ?? Time.Fraction.FromDecimal((decimal)defaults.Tempo),
                Origin = ParseResume(result.GetValue(resume)),
                BeatsPerBar = result.GetValue(meter) ?? defaults.BeatsPerBar,
                Admission = Cli.ParseAdmission(result.GetValue(admission) ?? defaults.Admission),
                AdmissionLimit = result.GetValue(admissionLimit) ?? defaults.AdmissionLimit,
                RenderAhead = GpuPlacementSetup.RenderAheadFor(gpuMode, result.GetValue(renderAhead) is { } ahead ? Cli.ParseOnOff(ahead, false, "--render-ahead") : null) ?? defaults.RenderAhead,
                RenderAheadMs = defaults.RenderAheadMs,
                DeferredBlockFrames = defaults.DeferredBlockFrames,
                DeferredAdmissionLimit = defaults.DeferredAdmissionLimit,
                StandbyInput = result.GetValue(standby) ? Console.In : null,
                StandbyOutput = result.GetValue(standby) ? Console.Out : null,
                Link = result.GetValue(linkQuantum) is double quantum
                    ? new Hosts.Link.LinkOptions { Quantum = quantum, OutputLatencyMicros = (long)(result.GetValue(linkLatency) * 1000), StartStopSync = !result.GetValue(linkNoStartStop) }
                    : null,
                AudioCpus = isolation,
                NullBackupPacer = Cli.ParseOnOff(result.GetValue(backupPacer), BackupPacerDefault, "--backup-pacer"),
            };
            Nodes.NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();

            // The convolutions' long partitions on the accelerator, launched between deferred blocks (the engine's session
            // renders those in DeferredBlockFrames with render-ahead); the log says what it placed, and at the end what it did.
            using Gpu.GpuConvolutionPlacement? placement = options.RenderAhead
                ? GpuPlacementSetup.Install(gpuMode, options.DeferredBlockFrames, options.RenderAheadMs, offline: false, registry)
                : null;
            options = options with { DeferredBlockHook = placement };

            // C# user nodes compiled by a front arrive as assembly bytes; the engine admits them itself.
            var admitter = new CSharp.EngineNodeAdmitter(registry, new CSharp.AdmissionOptions { SampleRate = options.SampleRate, BlockFrames = options.BlockFrames });
            int exit = EngineHost.Run(options with { NodeAdmitter = admitter.Admit, SampleLoader = static (name, channels, rate) => Dsp.Nodes.SampleLibrary.Shared.Add(name, channels, rate), WorkerRealTime = () => string.Join("; ", workerScheduling.Order(StringComparer.Ordinal)) }, registry, Console.Error, executor);
            GpuPlacementSetup.Report(placement);
            return exit;
        }));
        return command;
    }

    private static Command CreateSoak()
    {
        var seconds = new Option<double>("--seconds", "-s") { Description = "How long to soak (default 60).", DefaultValueFactory = _ => 60 };
        var edit = new Option<double>("--edit-seconds") { Description = "Seconds between graph edits (default 2).", DefaultValueFactory = _ => 2 };
        var hz = new Option<double>("--parameter-hz") { Description = "Parameter changes per second (default 100).", DefaultValueFactory = _ => 100 };
        var workload = new Option<string?>("--workload", "-w") { Description = "A standard workload to play (default: a sine through a gain and a pan)." };
        var driver = new Option<string>("--driver", "-d") { Description = "The engine's driver (default null).", DefaultValueFactory = _ => "null" };
        var server = new Option<string?>("--jack-server") { Description = "Name of the JACK server." };
        var garbage = new Option<bool>("--front-garbage") { Description = "Let the front churn garbage (a GC storm, as while Roslyn compiles) during the soak." };
        var plain = new Option<bool>("--plain-runtime") { Description = "Start the engine with the runtime's defaults instead of EngineClient.EngineEnvironment (to compare GC settings)." };
        var noLock = new Option<bool>("--no-mlock") { Description = "Start the engine without mlockall." };
        var env = new Option<string[]>("--env") { Description = "NAME=VALUE for the engine process's environment, e.g. DOTNET_GCgen0size=0x4000000 (repeatable).", AllowMultipleArgumentsPerToken = true };
        Option<int?> block = Cli.BlockOption();
        Option<string?> audioCpus = AudioCpusOption();
        Option<string?> backupPacer = BackupPacerOption();
        var command = new Command("soak", "Start an engine process, edit every 2 s and change a parameter at 100 Hz, and report its allocations, GC counts and block times.")
        {
            seconds, edit, hz, workload, driver, server, garbage, env, block, plain, noLock, audioCpus, backupPacer,
        };
        command.SetAction(result => Cli.Run(() => Soak(
            result.GetValue(seconds),
            result.GetValue(edit),
            result.GetValue(hz),
            result.GetValue(workload),
            result.GetValue(driver)!,
            result.GetValue(server),
            result.GetValue(garbage),
            result.GetValue(env) ?? [],
            result.GetValue(block) ?? 128,
            result.GetValue(plain),
            result.GetValue(noLock),
            result.GetValue(audioCpus),
            result.GetValue(backupPacer))));
        return command;
    }

    private static int Soak(double seconds, double editSeconds, double parameterHz, string? workload, string driver, string? server, bool frontGarbage, string[] environment, int block, bool plainRuntime, bool noLock, string? audioCpus, string? backupPacer)
    {
        if (seconds <= 0 || editSeconds <= 0 || parameterHz is <= 0 or > 10_000)
        {
            throw new CliException("--seconds and --edit-seconds must be positive, --parameter-hz 0..10000.");
        }

        GraphDescription graph = workload is null ? EngineSoak.DefaultGraph() : GraphSource.Load(null, workload, 1);
        string levelNode = EngineSoak.LevelNode(graph, BuiltinNodeTypes.CreateRegistry());
        string socketPath = Path.Combine(Path.GetTempPath(), $"liveengine-soak-{Environment.ProcessId}.sock");
        ProcessStartInfo start = SelfStartInfo();
        foreach (string arg in new[] { "engine", "--socket", socketPath, "--driver", driver, "--block", block.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (server is not null)
        {
            start.ArgumentList.Add("--jack-server");
            start.ArgumentList.Add(server);
        }

        foreach (string pair in environment)
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--env wants NAME=VALUE, not '{pair}'.");
            }

            start.Environment[pair[..equals]] = pair[(equals + 1)..];
        }

        if (!plainRuntime)
        {
            EngineClient.ApplyEngineEnvironment(start);
        }

        if (noLock)
        {
            start.ArgumentList.Add("--no-mlock");
        }

        Hosts.RealTime.AudioCpuIsolation? isolation = ParseAudioCpus(audioCpus);
        if (isolation is not null)
        {
            start.ArgumentList.Add("--audio-cpus");
            start.ArgumentList.Add(audioCpus!);
        }

        if (backupPacer is not null)
        {
            start.ArgumentList.Add("--backup-pacer");
            start.ArgumentList.Add(Cli.ParseOnOff(backupPacer, BackupPacerDefault, "--backup-pacer") ? "on" : "off");
        }

        using EngineClient engine = EngineClient.Launch(start, socketPath, "soak");
        if (isolation is not null)
        {
            // The front's threads (its garbage thread among them, made later) off the audio CPUs too; after the launch,
            // which would otherwise hand the engine this narrowed mask.
            (int moved, IReadOnlyList<string> refusals) = isolation.RestrictOtherThreads();
            Console.Error.WriteLine($"CPU isolation: {isolation}; the front's {moved} threads moved{(refusals.Count > 0 ? ", refused: " + string.Join("; ", refusals) : "")}.");
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Soaking engine {engine.Info.ProcessId} ({engine.Info.Driver}, {block}-frame blocks) for {seconds:0.#} s: an edit every {editSeconds:0.##} s, {parameterHz:0} parameter changes/s{(frontGarbage ? ", the front churning garbage" : "")}; engine environment: {string.Join(' ', start.Environment.Where(e => e.Key.StartsWith("DOTNET_", StringComparison.Ordinal) && (e.Key.Contains("GC", StringComparison.OrdinalIgnoreCase) || e.Key.Contains("Tiered", StringComparison.Ordinal))).Select(e => $"{e.Key}={e.Value}"))}."));
        SoakReport report;
        try
        {
            report = EngineSoak.Run(engine, graph, levelNode, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(editSeconds), parameterHz, frontGarbage, line => Console.Error.WriteLine(line));
        }
        finally
        {
            engine.Shutdown();
        }

        EngineStats after = report.After;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.Duration.TotalSeconds:0.0} s, {report.Edits} edits, {report.ParameterChanges} parameter changes; engine process allocated {report.AllocatedBytes} bytes ({report.AllocatedBytes / Math.Max(1, report.Edits)} per edit, parameter changes included); GCs gen0 {report.Gen0}, gen1 {report.Gen1}, gen2 {report.Gen2}, paused {report.GcPauseUs} µs in all; front gen0 GCs {report.FrontGen0Collections}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{after.Driver}: block time p50 {after.BlockP50Us:0} µs, p99 {after.BlockP99Us:0} µs, max {after.BlockMaxUs:0} µs (whole run); xruns {report.Xruns}, deadline misses {report.DeadlineMisses}; audio thread allocated {after.AudioThreadAllocatedBytes} bytes after warm-up; {after.RealTime}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commit in the engine (request frame to snapshot queued, not the wait for the bar): p50 {after.CommitP50Us / 1000:0.00} ms, p99 {after.CommitP99Us / 1000:0.00} ms, max {after.CommitMaxUs / 1000:0.00} ms over the last {Math.Min(after.Commits, CommitTimeStats.Capacity)} of {after.Commits} commits"));
        // Where the measured run's late periods went (the log also keeps the ones of the start-up, listed below), and
        // how much of the machine the hypervisor took meanwhile.
        Console.WriteLine(Hosts.Drivers.XrunSummary.Describe([.. after.XrunLog.Where(x => x.Sample >= report.Before.Position)]));
        if (report.Steal.Length > 0)
        {
            Console.WriteLine($"during the run {report.Steal}");
        }

        foreach (Hosts.Drivers.XrunRecord xrun in after.XrunLog)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  xrun ({xrun.Source}) at sample {xrun.Sample}, {DateTimeOffset.FromUnixTimeMilliseconds(xrun.UnixTimeUs / 1000):HH:mm:ss.fff} UTC{Hosts.Drivers.XrunSummary.Where(xrun)}"));
        }

        return 0;
    }

    /// <summary><c>--audio-cpus</c>, as <c>engine</c>, <c>soak</c> and <c>play</c> take it.</summary>
    internal static Option<string?> AudioCpusOption() => new("--audio-cpus") { Description = "CPUs for the audio thread and its workers, e.g. 1 or 2-3; every other thread of the process kept off them; off: the OS places every thread (repl.config [engine] audio_cpus; default off)." };

    /// <summary>Whether the null driver runs a backup pacer when <c>--backup-pacer</c> is not given.</summary>
    internal const bool BackupPacerDefault = true;

    /// <summary><c>--backup-pacer</c>, as <c>engine</c>, <c>soak</c> and <c>play</c> take it.</summary>
    internal static Option<string?> BackupPacerOption() => new("--backup-pacer") { Description = "on: the null driver runs a second pacing thread on another CPU, which renders a period the first has not started an eighth of a period after its start (a host that takes the first CPU away no longer delays the block); off: one pacing thread (default on)." };

    /// <summary>An <c>--audio-cpus</c> list checked against the CPUs this process may use; null for none (off).</summary>
    internal static Hosts.RealTime.AudioCpuIsolation? ParseAudioCpus(string? text)
    {
        try
        {
            return Hosts.RealTime.AudioCpuIsolation.Parse(text, Hosts.RealTime.AudioCpuIsolation.ProcessCpus());
        }
        catch (FormatException e)
        {
            throw new CliException($"--audio-cpus: {e.Message}");
        }
    }

    /// <summary>A dedicated worker, at its start: the audio thread's priority and CPUs, each in words.</summary>
    internal static IEnumerable<string> WorkerSetup(int rtPriority, Hosts.RealTime.AudioCpuIsolation? isolation)
    {
        if (rtPriority > 0)
        {
            yield return Hosts.RealTime.RealTimeThread.TryPromoteCurrentThread(rtPriority).Description;
        }

        if (isolation is not null)
        {
            yield return isolation.TryAddCurrentThread().Description;
        }
    }

    private static Time.Fraction? ParseTempo(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return Time.Fraction.TryParse(text, out Time.Fraction bpm) && bpm > Time.Fraction.Zero && bpm <= 999
            ? bpm
            : throw new CliException($"--tempo must be a tempo in BPM (more than 0, at most 999; 128, 1001/8 or 127.5), not '{text}'.");
    }

    private static Time.TempoOrigin ParseResume(string? text)
    {
        if (text is null)
        {
            return default;
        }

        string[] parts = text.Split(':');
        if (parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long sample)
            && Time.Fraction.TryParse(parts[1], out Time.Fraction beat) && beat >= Time.Fraction.Zero
            && Time.Fraction.TryParse(parts[2], out Time.Fraction bar) && bar >= Time.Fraction.Zero)
        {
            return new Time.TempoOrigin(sample, beat, bar);
        }

        throw new CliException($"--resume wants SAMPLE:BEAT:BAR (a sample count, then beat and bar as fractions, e.g. 96000:8:2), not '{text}'.");
    }

    /// <summary>
    /// How to start an engine process that outlives the front: in a session of its own (so a Ctrl+C typed at the
    /// REPL, or the terminal closing, does not reach it), stdin from /dev/null and its output appended to
    /// <paramref name="logPath"/> (never over the prompt). <paramref name="arguments"/> follow <c>engine</c>.
    /// </summary>
    /// <remarks>
    /// A <paramref name="standby"/> engine (<c>engine --standby</c>, <see cref="EngineSuccessor"/>) keeps its
    /// standard input and output, pipes to the front: it says when it is ready on one and is told to take over on
    /// the other; only its standard error goes to the log.
    /// </remarks>
    internal static ProcessStartInfo DetachedEngineStartInfo(IEnumerable<string> arguments, string logPath, bool standby = false)
    {
        ProcessStartInfo self = SelfStartInfo();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        string streams = standby ? "2>>\"$log\"" : "</dev/null >>\"$log\" 2>&1";
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(File.Exists("/usr/bin/setsid") || File.Exists("/bin/setsid")
            ? $"log=$1; shift; exec setsid \"$@\" {streams}"
            : $"log=$1; shift; trap '' INT HUP; exec \"$@\" {streams}");
        start.ArgumentList.Add("liveengine-engine");
        start.ArgumentList.Add(logPath);
        start.ArgumentList.Add(self.FileName);
        foreach (string arg in self.ArgumentList)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("engine");
        foreach (string arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        EngineClient.ApplyEngineEnvironment(start);
        return start;
    }

    /// <summary>How to start this same executable again (the apphost, or <c>dotnet liveengine.dll</c>).</summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        string process = Environment.ProcessPath ?? throw new CliException("Cannot tell which executable this is.");
        var start = new ProcessStartInfo(process) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            start.ArgumentList.Add(typeof(EngineCommand).Assembly.Location);
        }

        return start;
    }
}
