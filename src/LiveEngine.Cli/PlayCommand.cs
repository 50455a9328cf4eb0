using System.CommandLine;
using System.Globalization;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Hosts.Jack;
using LiveEngine.Hosts.Offline;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine play [FILE] [--workload W] [--driver auto|jack|offline] [--seconds S]</c>: plays a graph in
/// real time through JACK and prints xruns and block-time percentiles at the end; with <c>auto</c> (the default)
/// and no JACK server running, renders offline to a WAV file instead and says so.
/// </summary>
internal static class PlayCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("file") { Description = "Graph description (.json) to play.", Arity = ArgumentArity.ZeroOrOne };
        var workload = new Option<string?>("--workload", "-w") { Description = "A standard workload instead of a file." };
        var driver = new Option<string>("--driver", "-d") { Description = "auto (JACK if a server runs, else an offline render), jack, or offline.", DefaultValueFactory = _ => "auto" };
        var seconds = new Option<double>("--seconds", "-s") { Description = "How long to play.", DefaultValueFactory = _ => 20 };
        var server = new Option<string?>("--jack-server") { Description = "Name of the JACK server (default: the default server)." };
        var output = new Option<string?>("--out", "-o") { Description = "WAV file for the offline fallback (default: the graph's name + .wav)." };
        Option<int?> threads = Cli.ThreadsOption();
        Option<string?> config = Cli.ConfigOption();
        var command = new Command("play", "Play a graph in real time through JACK (or render it offline when there is no audio server).")
        {
            file, workload, driver, seconds, server, output, threads, config,
        };
        command.SetAction(result => Cli.Run(() =>
        {
            EngineConfig defaults = EngineConfig.Load(result.GetValue(config));
            return Execute(
                result.GetValue(file),
                result.GetValue(workload),
                result.GetValue(driver)!,
                result.GetValue(seconds),
                result.GetValue(server),
                result.GetValue(output),
                result.GetValue(threads) ?? defaults.Threads,
                defaults);
        }));
        return command;
    }

    private static int Execute(string? file, string? workload, string driverName, double seconds, string? server, string? output, int threads, EngineConfig defaults)
    {
        if (seconds is <= 0 or > 24 * 3600)
        {
            throw new CliException("--seconds must be more than 0 and at most 86400.");
        }

        GraphDescription description = GraphSource.Load(file, workload, defaults.Seed);
        string name = workload ?? Path.GetFileNameWithoutExtension(file!);
        bool useJack = driverName switch
        {
            "jack" => true,
            "offline" => false,
            "auto" => JackDriver.IsServerRunning(server),
            _ => throw new CliException($"--driver must be auto, jack or offline, not '{driverName}'."),
        };

        if (!useJack)
        {
            string wav = output ?? name + ".wav";
            Console.Error.WriteLine(driverName == "auto"
                ? $"No audio server found (no JACK server running): rendering offline to {wav} instead."
                : $"Rendering offline to {wav}.");
            Snapshots.GraphSnapshot snapshot = Cli.Compile(description, defaults.SampleRate, defaults.BlockFrames, defaults.Seed);
            Execution.IGraphExecutor offline = Cli.CreateExecutor(threads, defaults.Policy);
            using var disposeOffline = offline as IDisposable;
            RenderReport report = OfflineWavRenderer.Render(snapshot, (long)Math.Round(seconds * defaults.SampleRate), defaults.BlockFrames, wav, WavSampleFormat.Pcm24, executor: offline);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {wav}: {seconds:0.###} s in {report.Elapsed.TotalSeconds:0.###} s — real-time factor {report.RealTimeFactor:0.0}×"));
            return 0;
        }

        Execution.IGraphExecutor graphExecutor = Cli.CreateExecutor(threads, defaults.Policy);
        using var disposeExecutor = graphExecutor as IDisposable;
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), description, new LiveSessionOptions
        {
            SampleRate = defaults.SampleRate,
            MaxBlockFrames = Math.Max(defaults.BlockFrames, 1024),
            Seed = (ulong)defaults.Seed,
        }, graphExecutor);
        JackDriver driver;
        try
        {
            driver = JackDriver.Start(session.Renderer, defaults.SampleRate, "liveengine", server);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }

        using (driver)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Playing {name} through JACK: {driver.SampleRate} Hz, {driver.BufferFrames}-frame buffers, {threads} thread(s), {seconds:0.###} s."));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds && !driver.IsShutDown)
            {
                Thread.Sleep(10);
                session.Maintain();
            }

            if (driver.IsShutDown)
            {
                Console.Error.WriteLine("The JACK server stopped during the performance.");
            }

            double deadlineUs = driver.BufferFrames * 1e6 / driver.SampleRate;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{driver.Stats.Callbacks} callbacks, {driver.Stats.Xruns} xruns; block time p50 {driver.Stats.PercentileUs(0.5):0} µs, p99 {driver.Stats.PercentileUs(0.99):0} µs, max {driver.Stats.MaxUs():0} µs (deadline {deadlineUs:0} µs); audio thread allocated {driver.Stats.AllocatedAfterWarmUp} bytes after warm-up"));
            return driver.IsShutDown ? 1 : 0;
        }
    }
}
