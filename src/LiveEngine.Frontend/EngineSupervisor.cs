using System.Globalization;
using LiveEngine.Hosts.Engine;
using LiveEngine.Live;
using LiveEngine.Snapshots;

namespace LiveEngine.Frontend;

/// <summary>
/// Looks after the engine a performance plays on, from the control thread: the session's housekeeping, an engine
/// process that stops answering (replaced through <see cref="EngineRestarter"/>), xruns, a driver that stopped or
/// switched, and faulted nodes, each turned into a notice for the performer.
/// </summary>
/// <remarks>Control thread only (and offline rendering, which runs instead of it).</remarks>
public sealed class EngineSupervisor
{
    private readonly ILiveSession _session;
    private readonly LiveSession? _local;
    private readonly RemoteSession? _remote;
    private readonly Func<DriverHandle?> _driver;
    private readonly NoticeBoard _notices;
    private readonly HashSet<(GraphSnapshot, int)> _reportedFaults = [];
    private readonly HashSet<string> _reportedRemoteFaults = new(StringComparer.Ordinal);
    private int _seenDriverEvents;
    private int _failedRestarts;
    private long _engineFailures;
    private long _lastXruns;
    private bool _reportedShutDown;
    private long _lastXrunNotice = long.MinValue / 2;

    /// <param name="session">The session the engine plays: <paramref name="local"/> or <paramref name="remote"/>.</param>
    /// <param name="local">The session when the engine renders in this process.</param>
    /// <param name="remote">The session when the engine plays in its own process.</param>
    /// <param name="driver">The driver playing <paramref name="local"/>, or null offline.</param>
    /// <param name="notices">Where the performer's notices go.</param>
    public EngineSupervisor(ILiveSession session, LiveSession? local, RemoteSession? remote, Func<DriverHandle?> driver, NoticeBoard notices)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(notices);
        _session = session;
        _local = local;
        _remote = remote;
        _driver = driver;
        _notices = notices;
    }

    /// <summary>
    /// Starts an engine process to take over when the one playing this performance dies (given the session, to
    /// resume where it was); null to only report the loss. The control thread calls it as soon as the engine fails
    /// to answer (its connection closed, or it missed the heartbeat, <see cref="EngineClient.HeartbeatTimeout"/>),
    /// then <see cref="RemoteSession.Reattach"/>es the session to the new engine.
    /// </summary>
    public Func<RemoteSession, IEngineControl>? EngineRestarter { get; set; }

    /// <summary>The session's housekeeping; false when the engine process cannot be reached (reported once per outage).</summary>
    public bool MaintainSession()
    {
        try
        {
            _session.Maintain();
            if (_engineFailures > 0)
            {
                _engineFailures = 0;
                _notices.Raise(NoticeLevel.Info, "engine", "the engine answers again");
            }

            return true;
        }
        catch (InvalidOperationException e) when (_remote is not null && e is not EngineUnavailableException)
        {
            // The engine answered, but refused something of the housekeeping: say it, and go on.
            _notices.Raise(NoticeLevel.Error, "engine", e.Message);
            return true;
        }
        catch (EngineUnavailableException e)
        {
            if (_engineFailures++ == 0)
            {
                _notices.Raise(NoticeLevel.Error, "engine", $"the engine process does not answer: {e.Message}");
            }

            return false;
        }
    }

    /// <summary>Replaces the engine through <see cref="EngineRestarter"/>; true if a new one took over.</summary>
    public bool TryRestartEngine()
    {
        const int MaxRestarts = 3;
        if (_remote is not { } remote || EngineRestarter is not { } restart || _failedRestarts >= MaxRestarts)
        {
            return false;
        }

        try
        {
            IEngineControl engine = restart(remote);
            remote.Reattach(engine);
            _engineFailures = 0;
            _failedRestarts = 0;

            // The new engine's driver start is in the takeover notice below: report only later driver events.
            _seenDriverEvents = remote.PollStats().DriverEvents.Count;
            _lastXruns = 0;
            long position = remote.Position;
            _notices.Raise(NoticeLevel.Warning, "engine", string.Create(CultureInfo.InvariantCulture, $"a new engine process ({engine.Info.ProcessId}, {engine.Info.Driver}) took over at bar {remote.Clock.BarAt(position).ToDouble() + 1:0.##}, playing the latest graph"));
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (++_failedRestarts == MaxRestarts)
            {
                _notices.Raise(NoticeLevel.Error, "engine", $"could not start a new engine process ({e.Message}); gave up after {MaxRestarts} tries: restart liveengine");
            }

            return false;
        }
    }

    /// <summary>Xruns (at most one notice per 2 s, so a bad patch cannot flood the prompt) and a driver that stopped or switched.</summary>
    public void WatchAudio()
    {
        long xruns;
        if (_remote is { LastStats: { } stats })
        {
            xruns = stats.Xruns;
            for (; _seenDriverEvents < stats.DriverEvents.Count; _seenDriverEvents++)
            {
                DriverEvent driverEvent = stats.DriverEvents[_seenDriverEvents];
                bool lost = driverEvent.Message.Contains("stopped", StringComparison.Ordinal) || driverEvent.Message.Contains("could not", StringComparison.Ordinal);
                _notices.Raise(lost ? NoticeLevel.Error : NoticeLevel.Info, "audio", driverEvent.Message);
            }
        }
        else if (_driver() is { } driver)
        {
            xruns = driver.Stats.Xruns;
            if (!_reportedShutDown && driver.IsShutDown())
            {
                _reportedShutDown = true;
                _notices.Raise(NoticeLevel.Error, "audio", $"the {driver.Name} driver stopped (server gone?)");
            }
        }
        else
        {
            return;
        }

        long now = Environment.TickCount64;
        if (xruns > _lastXruns && now - _lastXrunNotice >= 2000)
        {
            _notices.Raise(NoticeLevel.Warning, "audio", $"{xruns - _lastXruns} xrun(s) since the last report (total {xruns})");
            _lastXruns = xruns;
            _lastXrunNotice = now;
        }
    }

    public void CheckFaults()
    {
        if (_local is null)
        {
            IReadOnlyList<NodeFaultReport> faults = _session.Faults();
            foreach (NodeFaultReport fault in faults)
            {
                if (_reportedRemoteFaults.Add(fault.NodeId + "\n" + fault.Message))
                {
                    _notices.Raise(NoticeLevel.Error, "engine", $"node '{fault.NodeId}' threw and was silenced: {fault.Message}");
                }
            }

            if (faults.Count == 0)
            {
                _reportedRemoteFaults.Clear();
            }

            return;
        }

        GraphSnapshot playing = _local.Renderer.Current;
        for (int n = 0; n < playing.Nodes.Length; n++)
        {
            if (Volatile.Read(ref playing.NodeFaulted[n]) != 0 && _reportedFaults.Add((playing, n)))
            {
                _notices.Raise(NoticeLevel.Error, "engine", $"node '{playing.NodeIds[n]}' threw and was silenced: {playing.NodeExceptions[n]?.Message}");
            }
        }

        if (_reportedFaults.Count > 256)
        {
            _reportedFaults.RemoveWhere(f => f.Item1 != playing);
        }
    }
}
