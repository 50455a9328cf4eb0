namespace LiveEngine.Hosts.Link;

/// <summary>
/// One Ableton Link peer (the shim's <c>ableton::Link</c>): enable it to join the session on the local network.
/// Link runs its own threads for discovery and measurement; every method here is safe from any thread (Link's
/// application-thread API). Times are Link host time: microseconds of CLOCK_MONOTONIC_RAW.
/// </summary>
public sealed class AbletonLink : IDisposable
{
    private nint _handle;

    private AbletonLink(nint handle) => _handle = handle;

    /// <summary>A peer at <paramref name="bpm"/>, not yet enabled; throws <see cref="LinkUnavailableException"/> with the reason where Link cannot run.</summary>
    public static AbletonLink Create(double bpm)
    {
        if (LinkAvailability.Reason is string reason)
        {
            throw new LinkUnavailableException(reason);
        }

        nint handle = LinkNative.le_link_create(bpm);
        return handle == 0 ? throw new LinkUnavailableException("Ableton Link is off: the Link instance could not be created (see the engine's log).") : new AbletonLink(handle);
    }

    public bool IsEnabled => LinkNative.le_link_is_enabled(Handle) != 0;

    /// <summary>Other peers in the session (not counting this one).</summary>
    public long Peers => LinkNative.le_link_num_peers(Handle);

    /// <summary>Link's clock now, in microseconds.</summary>
    public long ClockMicros => LinkNative.le_link_clock_micros(Handle);

    public void Enable(bool enable) => Check(LinkNative.le_link_enable(Handle, enable ? 1 : 0), "enable");

    public void EnableStartStopSync(bool enable) => LinkNative.le_link_enable_start_stop_sync(Handle, enable ? 1 : 0);

    /// <summary>The session state at host time <paramref name="atMicros"/> for <paramref name="quantum"/>.</summary>
    public LinkState Capture(long atMicros, double quantum)
    {
        Check(LinkNative.le_link_capture(Handle, atMicros, quantum, out LinkState state), "capture");
        return state;
    }

    /// <summary>The host time of <paramref name="beat"/> on the session timeline.</summary>
    public long TimeAtBeat(double beat, double quantum) => LinkNative.le_link_time_at_beat(Handle, beat, quantum);

    /// <summary>Changes the session tempo from host time <paramref name="atMicros"/> on (the beat there is kept).</summary>
    public void SetTempo(double bpm, long atMicros) => Check(LinkNative.le_link_set_tempo(Handle, bpm, atMicros), "set the tempo");

    /// <summary>Alone: puts <paramref name="beat"/> at <paramref name="atMicros"/>. With peers: at the next time the session's phase matches.</summary>
    public void RequestBeatAtTime(double beat, long atMicros, double quantum) => Check(LinkNative.le_link_request_beat_at_time(Handle, beat, atMicros, quantum), "request a beat");

    public void SetIsPlaying(bool playing, long atMicros) => Check(LinkNative.le_link_set_is_playing(Handle, playing ? 1 : 0, atMicros), "start or stop");

    public void Dispose()
    {
        nint handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
        {
            LinkNative.le_link_destroy(handle);
        }
    }

    private nint Handle => _handle == 0 ? throw new ObjectDisposedException(nameof(AbletonLink)) : _handle;

    private static void Check(int ok, string what)
    {
        if (ok == 0)
        {
            throw new InvalidOperationException($"Ableton Link could not {what}.");
        }
    }
}
