using System.Globalization;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Hosts.Engine;
using LiveEngine.Time;

namespace LiveEngine.Cli;

/// <summary>
/// Finds or starts the engine process a performance plays in (repl.config [engine] socket), and keeps a standby
/// one ready to take over when it dies. The REPL and <c>liveengine serve</c> both start theirs here.
/// </summary>
internal static class EngineLauncher
{
    /// <summary>
    /// Attaches to the engine process listening on the configured socket (one left playing by an earlier REPL
    /// keeps its graph and its position), or starts one: detached from this terminal, so that neither a Ctrl+C nor
    /// a crash of the REPL stops the music.
    /// </summary>
    public static (EngineClient Engine, string Description) AttachEngine(EngineConfig config, string logPath)
    {
        string socketPath = config.EngineSocket is { } configured ? PerformanceHost.ExpandHome(configured) : DefaultEngineSocket();
        try
        {
            EngineClient attached = EngineClient.Connect(socketPath, "repl");
            return (attached, $"Attached to the engine process {attached.Info.ProcessId} on {socketPath}, still playing through {attached.Info.Driver} (at sample {attached.Info.Position}).");
        }
        catch (InvalidOperationException)
        {
            // No engine there yet: start one.
        }
        catch (EngineRequestException e)
        {
            throw new CliException($"The engine on {socketPath} refused this REPL: {e.Message} Stop it, or set another [engine] socket.");
        }

        DriverChoice chosen = ChooseDriver(config);
        string engineLog = logPath + ".engine";
        EngineClient engine = LaunchEngine(config, socketPath, chosen, engineLog, config.Tempo.ToString(CultureInfo.InvariantCulture), config.BeatsPerBar, resume: null);

        // "jack", "portaudio (ALSA: default)" or "null".
        string playing = engine.Info.Driver;
        string where = playing.StartsWith("jack", StringComparison.Ordinal) ? "JACK"
            : playing.StartsWith("portaudio", StringComparison.Ordinal) ? "PortAudio" + playing["portaudio".Length..]
            : config.Driver == "auto" ? "the null driver, in real time but silent; the session log renders it (liveengine replay)"
            : "the null driver (real-time paced, silent)";
        if (chosen.Kind != "null" && playing == "null")
        {
            where = $"the null driver, because {chosen.Kind} could not start (see {engineLog})";
        }

        string why = config.Driver == "auto" ? $" Driver auto: {chosen.Reason}." : "";
        return (engine, $"Engine process {engine.Info.ProcessId} started on {socketPath}: {engine.Info.SampleRate} Hz, playing through {where}.{why}");
    }

    /// <summary>
    /// Keeps a warmed standby engine ready (<see cref="EngineSuccessor"/>), started a few seconds from now so that
    /// its warm-up does not slow the REPL's own start.
    /// </summary>
    public static EngineSuccessor StandbyEngine(EngineConfig config, string logPath)
    {
        string socketPath = config.EngineSocket is { } configured ? PerformanceHost.ExpandHome(configured) : DefaultEngineSocket();
        var successor = new EngineSuccessor(socketPath, () => EngineCommand.DetachedEngineStartInfo(
            [.. EngineArguments(config, socketPath, ChooseDriver(config), config.Tempo.ToString(CultureInfo.InvariantCulture), config.BeatsPerBar, resume: null), "--standby"],
            logPath + ".engine",
            standby: true));
        successor.PrepareLater();
        return successor;
    }

    /// <summary>
    /// Brings in the standby engine to take over from <paramref name="remote"/>'s, which died or hung (then it is
    /// stopped first): at the position, beat, bar and tempo where the performance was.
    /// </summary>
    public static IEngineControl RestartEngine(RemoteSession remote, EngineSuccessor successor)
    {
        (TempoOrigin origin, Fraction bpm, int beatsPerBar) = remote.ResumePoint();
        return successor.TakeOver(remote.Engine, origin, bpm, beatsPerBar, "repl", TimeSpan.FromSeconds(30));
    }

    /// <summary>The driver repl.config names; for auto, JACK, else PortAudio's default device, else null (<see cref="AutoDriverChoice"/>).</summary>
    public static DriverChoice ChooseDriver(EngineConfig config) => config.Driver switch
    {
        "auto" => AutoDriverChoice.Choose(config.JackServer, channels: 2, fallback: "null"),
        "jack" or "portaudio" or "null" => new DriverChoice(config.Driver, "repl.config names it"),
        _ => throw new CliException($"The REPL plays through auto, jack, portaudio or null, not '{config.Driver}'."),
    };

    private static EngineClient LaunchEngine(EngineConfig config, string socketPath, DriverChoice driver, string engineLog, string tempo, int beatsPerBar, string? resume)
    {
        List<string> arguments = EngineArguments(config, socketPath, driver, tempo, beatsPerBar, resume);
        long logStart = File.Exists(engineLog) ? new FileInfo(engineLog).Length : 0;
        try
        {
            return EngineClient.Launch(EngineCommand.DetachedEngineStartInfo(arguments, engineLog), socketPath, "repl", TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"The engine process did not start: {e.Message} Its log, {engineLog}, says:{EngineLogSince(engineLog, logStart)}");
        }
    }

    private static List<string> EngineArguments(EngineConfig config, string socketPath, DriverChoice choice, string tempo, int beatsPerBar, string? resume)
    {
        string driver = choice.Kind;
        var arguments = new List<string>
        {
            "--socket", socketPath, "--driver", driver,
            "--sample-rate", config.SampleRate.ToString(CultureInfo.InvariantCulture),
            // Silent, so latency does not matter: larger periods wake the pacing thread less often.
            "--block", (driver == "null" ? Math.Max(config.BlockFrames, 256) : config.BlockFrames).ToString(CultureInfo.InvariantCulture),
            "--threads", config.Threads.ToString(CultureInfo.InvariantCulture),
            "--tempo", tempo,
            "--beats-per-bar", beatsPerBar.ToString(CultureInfo.InvariantCulture),
            "--admission", config.Admission,
            "--admission-limit", config.AdmissionLimit.ToString(CultureInfo.InvariantCulture),
            // [engine] gpu needs render-ahead: the placement runs in the deferred domain only.
            "--render-ahead", config.RenderAhead || config.Gpu != "off" ? "on" : "off",
            "--gpu", config.Gpu,
        };
        AddIfSet(arguments, "--jack-server", config.JackServer);
        AddIfSet(arguments, "--host-api", config.HostApi ?? choice.HostApi);
        AddIfSet(arguments, "--device", config.Device);
        AddIfSet(arguments, "--resume", resume);
        AddIfSet(arguments, "--audio-cpus", config.AudioCpus);
        if (config.LinkEnabled)
        {
            arguments.AddRange(["--link-quantum", config.LinkQuantum.ToString(CultureInfo.InvariantCulture), "--link-latency-ms", config.LinkLatencyMs.ToString(CultureInfo.InvariantCulture)]);
            if (!config.LinkStartStopSync)
            {
                arguments.Add("--link-no-start-stop");
            }
        }

        return arguments;
    }

    /// <summary>What the engine process wrote to its log from <paramref name="start"/> on (its last lines, indented): why it did not start.</summary>
    private static string EngineLogSince(string engineLog, long start)
    {
        try
        {
            using var stream = new FileStream(engineLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Max(start, stream.Length - 2000), SeekOrigin.Begin);
            // Its words, not the stack trace of an exception it did not catch.
            string[] lines = [.. new StreamReader(stream).ReadToEnd().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0 && !l.TrimStart().StartsWith("at ", StringComparison.Ordinal))];
            return lines.Length == 0 ? " nothing." : string.Concat(lines.Select(l => Environment.NewLine + "  " + l));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $" (unreadable: {e.Message})";
        }
    }

    private static void AddIfSet(List<string> arguments, string option, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            arguments.Add(option);
            arguments.Add(value);
        }
    }

    /// <summary>One engine per user by default (<see cref="EngineSocketPath.Default"/>).</summary>
    private static string DefaultEngineSocket()
    {
        try
        {
            return EngineSocketPath.Default();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliException(e.Message);
        }
    }
}
