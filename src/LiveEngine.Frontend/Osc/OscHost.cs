using System.Net;
using LiveEngine.Live;
using LiveEngine.Osc;

namespace LiveEngine.Frontend.Osc;

/// <summary>
/// The performance's OSC endpoint: an <see cref="OscServer"/> (UDP and SLIP over TCP) whose messages go to an
/// <see cref="OscRouter"/>, and the clock that maps their time tags to samples, re-anchored to the engine's position
/// every 100 ms when it has drifted by more than <see cref="ResyncToleranceMs"/>.
/// </summary>
public sealed class OscHost : IDisposable
{
    /// <summary>How far the engine's sample clock may drift from the wall clock before time tags are re-anchored.</summary>
    public const double ResyncToleranceMs = 10;

    private readonly ILiveSession _session;
    private readonly Timer _resync;

    public OscHost(ILiveSession session, IPEndPoint bind, double latencyMs, bool tcp = true, bool allowRemote = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        int rate = session.Options.SampleRate;
        var map = new OscTimeMap(rate, (long)Math.Round(latencyMs * rate / 1000.0), OscTimeTag.Now, session.Position);
        Router = new OscRouter(session, map);
        Server = new OscServer(bind, Router.Handle, tcp, allowRemote);
        _resync = new Timer(_ => Resync(), null, 100, 100);
    }

    public OscServer Server { get; }

    public OscRouter Router { get; }

    private void Resync()
    {
        try
        {
            Router.TimeMap.Resync(OscTimeTag.Now, _session.Position, (long)(ResyncToleranceMs * _session.Options.SampleRate / 1000));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException)
        {
            // The engine is being replaced: the next tick tries again.
        }
    }

    public void Dispose()
    {
        _resync.Dispose();
        Server.Dispose();
    }
}
