using LiveEngine.Live;
using LiveEngine.Midi.Ump;
using LiveEngine.Time;

namespace LiveEngine.Midi.Clock;

/// <summary>
/// MIDI clock out: Timing Clock (24 per beat) on the session's musical clock, with Start and Stop. Each tick lies
/// on the exact sample of its beat fraction (<see cref="TempoMap.SampleAtBeat"/>), so tempo changes and ramps are
/// followed. A control thread calls <see cref="Pump"/> every few milliseconds with how far ahead to send (the
/// renderer's position plus the output latency); the ticks go to the sender with their samples, for a transport
/// to send now or to schedule. Control side; one thread at a time.
/// </summary>
public sealed class MidiClockOut(ILiveSession session, Action<UmpMessage, long> send)
{
    public const int TicksPerBeat = 24;

    private long _nextTick;

    public bool Running { get; private set; }

    /// <summary>Ticks sent since the last <see cref="Start"/>.</summary>
    public long Ticks { get; private set; }

    /// <summary>Sends Start; ticks follow from the first tick at or after <paramref name="fromSample"/>.</summary>
    public void Start(long fromSample)
    {
        Fraction beat = session.Clock.BeatAt(fromSample);
        Fraction ticks = beat * TicksPerBeat;
        _nextTick = (long)(ticks.Numerator / ticks.Denominator) + (ticks.Numerator % ticks.Denominator == 0 ? 0 : 1);
        Ticks = 0;
        Running = true;
        send(UmpMessage.System(UmpKind.Start), fromSample);
    }

    public void Stop(long atSample)
    {
        Running = false;
        send(UmpMessage.System(UmpKind.Stop), atSample);
    }

    /// <summary>Sends every tick that falls before <paramref name="untilSample"/>; returns how many.</summary>
    public int Pump(long untilSample)
    {
        if (!Running)
        {
            return 0;
        }

        int sent = 0;
        while (true)
        {
            long sample = session.Clock.SampleAtBeat(Fraction.Create(_nextTick, TicksPerBeat));
            if (sample >= untilSample)
            {
                return sent;
            }

            send(UmpMessage.System(UmpKind.TimingClock), sample);
            _nextTick++;
            Ticks++;
            sent++;
        }
    }
}
