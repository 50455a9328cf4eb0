using LiveEngine.Commands;
using LiveEngine.Live;
using LiveEngine.Midi.Ump;
using LiveEngine.Time;

namespace LiveEngine.Midi.Clock;

/// <summary>
/// Follows an incoming MIDI clock: the tempo is estimated from the last <c>window</c> Timing Clock intervals (24 per
/// beat; a whole beat by default averages out the jitter of USB and JACK), rounded to 0.01 BPM, and applied to the
/// session with <see cref="LiveSession.SetTempo"/> when it differs from the current tempo by more than the tolerance.
/// Start and Stop restart the estimate. Phase (which beat of the bar) is not followed. Control side; one thread.
/// </summary>
public sealed class MidiClockSync
{
    private readonly ILiveSession _session;
    private readonly double[] _times;
    private readonly double _toleranceBpm;
    private int _count;
    private int _next;

    public MidiClockSync(ILiveSession session, int window = 24, double toleranceBpm = 0.2)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        _session = session;
        _times = new double[window + 1];
        _toleranceBpm = toleranceBpm;
    }

    /// <summary>The tempo the incoming clock shows, once a window of ticks has arrived.</summary>
    public double? EstimatedBpm { get; private set; }

    /// <summary>Tempo changes made on the session.</summary>
    public long TempoChanges { get; private set; }

    /// <summary>Handles a message received at <paramref name="timeSeconds"/> (any monotonic clock).</summary>
    public void Receive(in UmpMessage message, double timeSeconds)
    {
        switch (message.Kind)
        {
            case UmpKind.Start or UmpKind.Stop or UmpKind.Continue:
                _count = 0;
                _next = 0;
                return;
            case UmpKind.TimingClock:
                break;
            default:
                return;
        }

        _times[_next] = timeSeconds;
        _next = (_next + 1) % _times.Length;
        _count = Math.Min(_count + 1, _times.Length);
        if (_count < _times.Length)
        {
            return;
        }

        // _next is now the oldest entry; the newest is the one before it.
        double span = _times[(_next + _times.Length - 1) % _times.Length] - _times[_next];
        if (!(span > 0))
        {
            return;
        }

        double bpm = 60.0 / (span / (_times.Length - 1) * MidiClockOut.TicksPerBeat);
        if (bpm is < 10 or > 999)
        {
            return;
        }

        EstimatedBpm = bpm;
        long position = _session.Position;
        if (Math.Abs(_session.Clock.TempoAt(position).ToDouble() - bpm) > _toleranceBpm)
        {
            _session.SetTempo(Fraction.Create((long)Math.Round(bpm * 100), 100), Quantization.Now);
            TempoChanges++;
        }
    }
}
