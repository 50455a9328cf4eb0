using LiveEngine.Commands;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Link;

/// <summary>
/// Turns the Link follower of one session on and off while it plays (<c>link(true)</c>, <c>:link off</c>; the engine
/// protocol's Link request). On: a new <see cref="AbletonLink"/> peer joins the session on this network and a
/// <see cref="LinkFollower"/> keeps the clock on it; off: the follower stops and the peer leaves. Any thread; one
/// change at a time. Never on the audio path.
/// </summary>
public sealed class LinkSwitch : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ICommandTarget _commands;
    private readonly TempoMap _clock;
    private readonly LiveRenderer _renderer;
    private readonly Func<string?> _unavailableReason;
    private LinkOptions _options;
    private LinkFollower? _follower;
    private bool _disposed;

    /// <param name="commands">Where the follower's tempo commands go (the session, or the engine that runs it).</param>
    /// <param name="clock">The session's clock.</param>
    /// <param name="renderer">The session's renderer (its clock line).</param>
    /// <param name="options">Quantum, latency and start/stop for every follower this switch starts.</param>
    /// <param name="unavailableReason">Why Link cannot run (null: it can); <see cref="LinkAvailability.Reason"/> unless a test says otherwise.</param>
    public LinkSwitch(ICommandTarget commands, TempoMap clock, LiveRenderer renderer, LinkOptions? options = null, Func<string?>? unavailableReason = null)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(renderer);
        _commands = commands;
        _clock = clock;
        _renderer = renderer;
        _options = options ?? new LinkOptions();
        _unavailableReason = unavailableReason ?? (static () => LinkAvailability.Reason);
    }

    /// <summary>The follower while Link is on, else null.</summary>
    public LinkFollower? Follower
    {
        get
        {
            lock (_gate)
            {
                return _follower;
            }
        }
    }

    /// <summary>The options the next follower starts with (repl.config [link], --link-quantum).</summary>
    public LinkOptions Options
    {
        get
        {
            lock (_gate)
            {
                return _options;
            }
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_gate)
            {
                _options = value;
            }
        }
    }

    /// <summary>
    /// Turns Link on (true), off (false) or leaves it (null), and says where it stands. Turning it on where it cannot
    /// run changes nothing: the report is off, with the reason.
    /// </summary>
    public LinkReport Set(bool? enable)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            string? reason = null;
            if (enable == true && _follower is null)
            {
                reason = _unavailableReason();
                if (reason is null)
                {
                    try
                    {
                        AbletonLink link = AbletonLink.Create(_clock.TempoAt(_renderer.Position).ToDouble());
                        _follower = new LinkFollower(link, _commands, _clock, _renderer, _options, ownsLink: true);
                    }
                    catch (LinkUnavailableException e)
                    {
                        reason = e.Message;
                    }
                }
            }
            else if (enable == false && _follower is not null)
            {
                _follower.Dispose();
                _follower = null;
            }

            return Report(reason ?? (_follower is null ? _unavailableReason() : null));
        }
    }

    private LinkReport Report(string? reason)
    {
        if (_follower is null)
        {
            return new LinkReport(false, 0, double.NaN, double.NaN, _options.Quantum, reason);
        }

        LinkState state = _follower.SessionAt(_follower.ClockMicros);
        return new LinkReport(true, _follower.Status.Peers, state.Tempo, state.Phase, _options.Quantum, null);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _follower?.Dispose();
            _follower = null;
        }
    }
}
