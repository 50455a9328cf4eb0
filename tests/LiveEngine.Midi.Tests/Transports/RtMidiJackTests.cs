using System.Diagnostics;
using LiveEngine.Live;
using LiveEngine.Midi.Control;
using LiveEngine.Midi.Translation;
using LiveEngine.Midi.Transports.RtMidi;
using LiveEngine.Tests.Hosts.Jack;
using LiveEngine.Tests.Midi.Control;

namespace LiveEngine.Tests.Midi.Transports;

public sealed class RtMidiJackTests
{
    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Timed out waiting for {what}.");
            Thread.Sleep(2);
        }
    }

    [Fact]
    public void JackClient_SendsCcNrpnAndPitchBend_ThroughRtMidi_AndBoundParametersFollow()
    {
        using var server = new JackServer("liveengine-midi-test");
        RtMidiPorts.UseJackServer(server.Name);

        LiveSession session = MidiControlTests.Session();
        var control = new MidiControl(session);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Channel: 0, Index: 74), ControlTarget.ForParameter("osc", "freqHz"), Min: 0, Max: 20000));
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.Nrpn, Channel: 0, Index: (1 << 7) | 2), ControlTarget.ForParameter("osc", "level"), Min: 0, Max: 2));
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.PitchBend, Channel: 0), ControlTarget.ForVariable("bend"), Min: -1, Max: 1));

        using var input = new RtMidiInput("midi-test-in", control);
        Assert.Contains(input.PortName, RtMidiPorts.Destinations());
        using var output = new RtMidiOutput("midi-test-out", connectTo: input.PortName);

        // The connection becomes live within a JACK cycle or two: until then a message is dropped. Probe with an
        // unbound controller until one arrives, then let stragglers land before counting.
        var probing = Stopwatch.StartNew();
        while (input.Received == 0)
        {
            Assert.True(probing.Elapsed < TimeSpan.FromSeconds(5), "No probe arrived through the JACK connection within 5 s.");
            output.Send([0xB0, 119, 0]);
            Thread.Sleep(20);
        }

        Thread.Sleep(100);
        long baseline = input.Received;

        // CC 74 = 0x60: 0xC1041041 after M2-115-U up-scaling.
        output.Send([0xB0, 74, 0x60]);
        double expectedFreq = 20000 * (0xC1041041u / (double)uint.MaxValue);
        WaitUntil(() => MidiControlTests.Parameter(session, "osc", "freqHz") == expectedFreq, "the CC");

        // NRPN 1/2 = 0x3FFF (full scale), sent as MIDI 1.0 Control Changes 99, 98, 6, 38.
        output.Send([0xB0, 99, 1]);
        output.Send([0xB0, 98, 2]);
        output.Send([0xB0, 6, 0x7F]);
        output.Send([0xB0, 38, 0x7F]);
        WaitUntil(() => MidiControlTests.Parameter(session, "osc", "level") == 2, "the NRPN");

        // NRPN 0x1000 (a quarter of the 14-bit range) through the UMP path: MIDI 2.0 → MIDI 1.0 → JACK → MIDI 2.0.
        output.Send(LiveEngine.Midi.Ump.UmpMessage.AssignableController(0, 0, 1, 2, MidiScaling.ScaleUp(0x1000, 14, 32)));
        double expectedLevel = 2 * (MidiScaling.ScaleUp(0x1000, 14, 32) / (double)uint.MaxValue);
        WaitUntil(() => MidiControlTests.Parameter(session, "osc", "level") == expectedLevel, "the NRPN sent as UMP");

        // Pitch bend: LSB 0, MSB 0x40 is the center, 0x2000.
        output.Send([0xE0, 0x00, 0x40]);
        WaitUntil(() => session.Variables.TryGet("bend", out _), "the pitch bend");
        Assert.Equal(-1 + (2 * (0x8000_0000u / (double)uint.MaxValue)), session.Variables.Get("bend"));
        output.Send([0xE0, 0x7F, 0x7F]);
        WaitUntil(() => session.Variables.Get("bend") == 1, "full bend");

        Assert.Equal(0, control.Errors);
        // 1 CC, 4 CCs of the NRPN, 4 more of the NRPN sent as UMP, 2 pitch bends.
        Assert.Equal(11, input.Received - baseline);
    }
}
