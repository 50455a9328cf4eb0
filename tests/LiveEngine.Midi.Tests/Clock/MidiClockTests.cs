using LiveEngine.Live;
using LiveEngine.Midi.Clock;
using LiveEngine.Midi.Ump;
using LiveEngine.Tests.Midi.Control;
using LiveEngine.Time;

namespace LiveEngine.Tests.Midi.Clock;

public sealed class MidiClockTests
{
    [Fact]
    public void ClockOut_SendsTwentyFourTicksPerBeat_OnTheExactSamples()
    {
        // 120 BPM at 48 kHz: a beat is 24 000 samples, a tick 1 000.
        LiveSession session = MidiControlTests.Session();
        var sent = new List<(UmpKind Kind, long Sample)>();
        var clock = new MidiClockOut(session, (m, sample) => sent.Add((m.Kind, sample)));
        clock.Start(0);
        for (int block = 0; block < 750; block++)
        {
            session.Renderer.Render(64);
            clock.Pump(session.Renderer.Position);
        }

        // 750 × 64 = 48 000 samples: ticks on 0, 1000, ..., 47 000.
        Assert.Equal((UmpKind.Start, 0L), sent[0]);
        List<long> ticks = [.. sent.Skip(1).Select(s => s.Sample)];
        Assert.Equal(48, ticks.Count);
        Assert.Equal(Enumerable.Range(0, 48).Select(i => i * 1000L), ticks);
        Assert.All(sent.Skip(1), s => Assert.Equal(UmpKind.TimingClock, s.Kind));
    }

    [Fact]
    public void ClockOut_FollowsATempoChange()
    {
        LiveSession session = MidiControlTests.Session();
        session.SetTempo(240, Quantization.Now);
        var ticks = new List<long>();
        var clock = new MidiClockOut(session, (m, sample) => ticks.Add(sample));
        clock.Start(0);
        clock.Pump(4000);
        // At 240 BPM a tick is 500 samples (Start, then 0, 500, ..., 3500).
        Assert.Equal(new long[] { 0, 0, 500, 1000, 1500, 2000, 2500, 3000, 3500 }, ticks);
    }

    [Fact]
    public void ClockSync_SetsTheSessionTempo_FromIncomingTicks()
    {
        LiveSession session = MidiControlTests.Session();
        var sync = new MidiClockSync(session);
        double interval = 60.0 / (97.5 * 24);
        sync.Receive(UmpMessage.System(UmpKind.Start), 0);
        for (int i = 0; i <= 24; i++)
        {
            sync.Receive(UmpMessage.System(UmpKind.TimingClock), 1 + (i * interval));
        }

        Assert.Equal(97.5, sync.EstimatedBpm!.Value, 9);
        Assert.Equal(1, sync.TempoChanges);
        Assert.Equal(Fraction.Create(195, 2), session.Clock.TempoAt(session.Renderer.Position));

        // Ticks at the same tempo change nothing more.
        for (int i = 25; i < 60; i++)
        {
            sync.Receive(UmpMessage.System(UmpKind.TimingClock), 1 + (i * interval));
        }

        Assert.Equal(1, sync.TempoChanges);
    }
}
