using System.Diagnostics;
using System.Globalization;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Keeps the next engine process started and warmed (<c>liveengine engine --standby</c>), so that an engine that
/// dies or hangs is replaced in a few hundred milliseconds instead of a process start-up plus the JIT compilation
/// of the engine (1–3 s with tiered compilation off). The standby has compiled its render and commit paths and
/// then waits on its standard input, with no socket, no driver and no JACK client. <see cref="TakeOver"/> writes
/// it the resume point; it builds its session there, starts its driver, listens on the engine socket, and the
/// front reattaches. The standby exits if its standard input closes first (the front went away).
/// </summary>
/// <remarks>
/// Control threads only; calls are serialised. The next standby starts <see cref="NextStandbyDelay"/> after a
/// takeover, so its own warm-up does not compete for the CPU with the first blocks of the engine that took over.
/// </remarks>
public sealed class EngineSuccessor : IDisposable
{
    /// <summary>What the standby writes on its standard output once it is warmed and waits.</summary>
    public const string ReadyLine = "standby ready";

    private readonly object _gate = new();
    private readonly Func<ProcessStartInfo> _standbyStartInfo;
    private readonly string _socketPath;
    private Process? _standby;
    private ManualResetEventSlim? _standbyReady;
    private Timer? _nextStandby;
    private bool _disposed;

    /// <param name="socketPath">The engine socket the successor listens on (the same as the engine it replaces).</param>
    /// <param name="standbyStartInfo">How to start a standby engine: <c>engine --standby --socket PATH …</c>; standard input and output are redirected here.</param>
    public EngineSuccessor(string socketPath, Func<ProcessStartInfo> standbyStartInfo)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(standbyStartInfo);
        _socketPath = socketPath;
        _standbyStartInfo = standbyStartInfo;
    }

    /// <summary>How long after a takeover the next standby starts.</summary>
    public static TimeSpan NextStandbyDelay { get; } = TimeSpan.FromSeconds(3);

    /// <summary>The standby's process id, or null when none runs.</summary>
    public int? StandbyProcessId
    {
        get
        {
            lock (_gate)
            {
                return _standby is { HasExited: false } standby ? standby.Id : null;
            }
        }
    }

    /// <summary>Starts a standby unless one runs; returns at once (the standby warms itself).</summary>
    public void Prepare()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_standby is { HasExited: false })
            {
                return;
            }

            // The events are not disposed: the output reader may still set one after its standby is gone.
            _standby?.Dispose();
            ProcessStartInfo start = _standbyStartInfo();
            start.RedirectStandardInput = true;
            start.RedirectStandardOutput = true;
            ChildProcessDescriptors.MarkAllCloseOnExec();
            var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
            var ready = new ManualResetEventSlim();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data == ReadyLine)
                {
                    ready.Set();
                }
            };
            process.BeginOutputReadLine();
            _standby = process;
            _standbyReady = ready;
        }
    }

    /// <summary>Starts a standby <see cref="NextStandbyDelay"/> from now (unless one runs then).</summary>
    public void PrepareLater()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _nextStandby?.Dispose();
            _nextStandby = new Timer(_ => PrepareQuietly(), null, NextStandbyDelay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Waits until the standby has warmed up (tests, and a front that wants to be ready before it plays); false on timeout or if none runs.</summary>
    public bool WaitUntilReady(TimeSpan timeout)
    {
        ManualResetEventSlim? ready;
        Process? standby;
        lock (_gate)
        {
            standby = _standby;
            ready = _standbyReady;
        }

        var clock = Stopwatch.StartNew();
        while (standby is not null && ready is not null && !standby.HasExited && clock.Elapsed < timeout)
        {
            if (ready.Wait(TimeSpan.FromMilliseconds(100)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Replaces <paramref name="previous"/>: stops its process if it still runs (a hung engine), brings in the
    /// standby (starting one now if none runs) at the resume point, and attaches to it once it listens.
    /// </summary>
    public EngineClient TakeOver(IEngineControl previous, TempoOrigin origin, Fraction bpm, int beatsPerBar, string clientName, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(previous);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StopProcess(previous.Info.ProcessId);
            previous.Dispose();
            Prepare();
            Process standby = _standby!;
            _standby = null;
            _standbyReady = null;
            try
            {
                standby.StandardInput.WriteLine(FormatTakeover(origin, bpm, beatsPerBar));
                standby.StandardInput.Flush();
            }
            catch (IOException e)
            {
                standby.Dispose();
                throw new InvalidOperationException($"The standby engine exited before it could take over ({e.Message}).", e);
            }

            EngineClient client = EngineClient.Attach(standby, _socketPath, clientName, timeout);
            PrepareLater();
            return client;
        }
    }

    /// <summary>Lets the standby go: its standard input closes and it exits. An engine that took over plays on.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _nextStandby?.Dispose();
            if (_standby is { } standby)
            {
                try
                {
                    standby.StandardInput.Close();
                    standby.WaitForExit(2_000);
                }
                catch (IOException)
                {
                    // Gone already.
                }

                standby.Dispose();
            }
        }
    }

    /// <summary>The takeover line: <c>SAMPLE:BEAT:BAR BPM BEATS_PER_BAR</c> (beats, bars and BPM as exact fractions).</summary>
    internal static string FormatTakeover(TempoOrigin origin, Fraction bpm, int beatsPerBar) =>
        string.Create(CultureInfo.InvariantCulture, $"{origin.Sample}:{origin.Beat}:{origin.Bar} {bpm} {beatsPerBar}");

    /// <summary>Reads <see cref="FormatTakeover"/>'s line; throws <see cref="FormatException"/> on anything else.</summary>
    public static (TempoOrigin Origin, Fraction Bpm, int BeatsPerBar) ParseTakeover(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] fields = line.Split(' ');
        string[] origin = fields[0].Split(':');
        if (fields.Length == 3 && origin.Length == 3
            && long.TryParse(origin[0], NumberStyles.None, CultureInfo.InvariantCulture, out long sample)
            && Fraction.TryParse(origin[1], out Fraction beat) && beat >= Fraction.Zero
            && Fraction.TryParse(origin[2], out Fraction bar) && bar >= Fraction.Zero
            && Fraction.TryParse(fields[1], out Fraction bpm) && bpm > Fraction.Zero
            && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int beatsPerBar) && beatsPerBar > 0)
        {
            return (new TempoOrigin(sample, beat, bar), bpm, beatsPerBar);
        }

        throw new FormatException($"A takeover line is SAMPLE:BEAT:BAR BPM BEATS_PER_BAR, not '{line}'.");
    }

    private void PrepareQuietly()
    {
        try
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    Prepare();
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            // No standby now: the next takeover starts one itself, a little slower.
        }
    }

    /// <summary>Kills the engine process <paramref name="processId"/> if it still runs and is an engine (not a process that reused the id).</summary>
    private static void StopProcess(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            if (process.ProcessName.Contains("liveengine", StringComparison.OrdinalIgnoreCase) || process.ProcessName == "dotnet")
            {
                process.Kill();
                process.WaitForExit(2_000);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone already.
        }
    }
}
