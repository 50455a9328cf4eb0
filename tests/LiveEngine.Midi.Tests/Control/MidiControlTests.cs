using LiveEngine.Control;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Midi.Control;
using LiveEngine.Midi.Translation;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Tests.Midi.Control;

public sealed class MidiControlTests
{
    internal static LiveSession Session()
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 440, ["level"] = 1 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("osc", "out");
        return new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 64, OutputChannels = 1 });
    }

    internal static double Parameter(LiveSession session, string node, string parameter) =>
        session.Graph.Nodes.Single(n => n.Id == node).Parameters[parameter];

    [Fact]
    public void ControlChange_DrivesABoundVariable_OverItsRange()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Channel: 2, Index: 74), ControlTarget.ForVariable("cutoff"), Min: 100, Max: 900));

        control.Receive(UmpMessage.Midi1ControlChange(0, 2, 74, 127));
        Assert.Equal(900, variables.Get("cutoff"));
        control.Receive(UmpMessage.Midi1ControlChange(0, 2, 74, 0));
        Assert.Equal(100, variables.Get("cutoff"));
        // 0x60 up-scales to 0xC1041041 (M2-115-U table).
        control.Receive(UmpMessage.Midi1ControlChange(0, 2, 74, 0x60));
        Assert.Equal(100 + (800 * (0xC1041041u / (double)uint.MaxValue)), variables.Get("cutoff"));
        // Another channel or controller does nothing.
        control.Receive(UmpMessage.Midi1ControlChange(0, 3, 74, 127));
        control.Receive(UmpMessage.Midi1ControlChange(0, 2, 75, 127));
        Assert.Equal(100 + (800 * (0xC1041041u / (double)uint.MaxValue)), variables.Get("cutoff"));
        Assert.Equal(3, control.Applied);
    }

    [Fact]
    public void NrpnFromMidi1Bytes_ArrivesAsOneFourteenBitMove()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.Nrpn, Index: (3 << 7) | 9), ControlTarget.ForVariable("x")));
        control.ReceiveMidi1([0xB0, 99, 3, 98, 9, 6, 0x7F]);
        Assert.False(variables.TryGet("x", out _));
        control.ReceiveMidi1([0xB0, 38, 0x7F]);
        Assert.Equal(1.0, variables.Get("x"));
        control.ReceiveMidi1([0xB0, 6, 0x20, 38, 0x00]);
        Assert.Equal(MidiScaling.ScaleUp(0x20 << 7, 14, 32) / (double)uint.MaxValue, variables.Get("x"));
    }

    [Fact]
    public void PitchBendCenter_MapsToTheMiddle_AndCurvesBendTheRange()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.PitchBend), ControlTarget.ForVariable("bend"), Min: -2, Max: 2));
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ChannelPressure), ControlTarget.ForVariable("exp"), Min: 0, Max: 63, Curve: ControlCurve.Exponential));
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ChannelPressure), ControlTarget.ForVariable("log"), Min: 0, Max: 1, Curve: ControlCurve.Logarithmic));
        control.Receive(UmpMessage.PitchBend(0, 0, 0x8000_0000));
        Assert.Equal(-2 + (4 * (0x8000_0000u / (double)uint.MaxValue)), variables.Get("bend"), 12);
        control.Receive(new UmpMessage { Kind = UmpKind.ChannelPressure, Value = uint.MaxValue / 2 });
        // (2^(6·x) − 1) / 63 at x ≈ 0.5 is 7/63: 63 × that is 7.
        Assert.Equal(7, variables.Get("exp"), 6);
        Assert.Equal(Math.Log2(1 + (63 * 0.5)) / 6, variables.Get("log"), 6);
        control.Receive(new UmpMessage { Kind = UmpKind.ChannelPressure, Value = uint.MaxValue });
        Assert.Equal(63, variables.Get("exp"));
        Assert.Equal(1, variables.Get("log"));
    }

    [Fact]
    public void SoftTakeover_HoldsTheValueUntilTheControllerCrossesIt()
    {
        var variables = new NamedVariables();
        variables.Set("level", 0.5);
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 7), ControlTarget.ForVariable("level"), SoftTakeover: true));
        control.Receive(UmpMessage.ControlChange(0, 0, 7, uint.MaxValue / 10 * 9));
        control.Receive(UmpMessage.ControlChange(0, 0, 7, uint.MaxValue / 10 * 6));
        Assert.Equal(0.5, variables.Get("level"));
        Assert.Equal(2, control.HeldBySoftTakeover);
        control.Receive(UmpMessage.ControlChange(0, 0, 7, uint.MaxValue / 10 * 4));
        Assert.Equal(0.4, variables.Get("level"), 9);
        control.Receive(UmpMessage.ControlChange(0, 0, 7, uint.MaxValue));
        Assert.Equal(1, variables.Get("level"));
    }

    [Fact]
    public void Smoothing_GlidesTowardTheTargetWithItsTimeConstant()
    {
        var variables = new NamedVariables();
        variables.Set("v", 0);
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 1), ControlTarget.ForVariable("v"), Max: 10, SmoothingMs: 100));
        control.Receive(UmpMessage.ControlChange(0, 0, 1, uint.MaxValue));
        Assert.Equal(0, variables.Get("v"));
        control.Advance(0.1);
        Assert.Equal(10 * (1 - Math.Exp(-1)), variables.Get("v"), 9);
        for (int i = 0; i < 100; i++)
        {
            control.Advance(0.1);
        }

        Assert.Equal(10, variables.Get("v"));
    }

    [Fact]
    public void LearnMode_BindsTheNextControllerMoved()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        (int Bank, int Slot, ControllerBinding Binding)? learned = null;
        control.Learned += (bank, slot, binding) => learned = (bank, slot, binding);
        control.Learn(0, 5, ControlTarget.ForVariable("drive"), min: 1, max: 3);
        Assert.True(control.IsLearning);
        control.Receive(UmpMessage.NoteOn(0, 0, 60, 1000));
        Assert.True(control.IsLearning);
        control.ReceiveMidi1([0xB4, 21, 100]);
        Assert.False(control.IsLearning);
        Assert.Equal(new ControlSource(ControlSourceKind.ControlChange, 0, 4, 21), learned!.Value.Binding.Source);
        Assert.Equal((0, 5), (learned.Value.Bank, learned.Value.Slot));
        control.ReceiveMidi1([0xB4, 21, 127]);
        Assert.Equal(3, variables.Get("drive"));
    }

    [Fact]
    public void Banks_SwitchByCommandAndByProgramChange_AndOnlyTheActiveBankResponds()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        int second = control.AddBank("mixer");
        control.Bind(0, 0, new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 1), ControlTarget.ForVariable("a")));
        control.Bind(second, 0, new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 1), ControlTarget.ForVariable("b")));
        control.BankSwitchSource = new ControlSource(ControlSourceKind.ProgramChange, Channel: 15);

        control.ReceiveMidi1([0xB0, 1, 127]);
        Assert.Equal((1.0, false), (variables.Get("a"), variables.TryGet("b", out _)));
        control.SwitchBank("mixer");
        control.ReceiveMidi1([0xB0, 1, 0]);
        Assert.Equal((1.0, 0.0), (variables.Get("a"), variables.Get("b")));
        control.ReceiveMidi1([0xCE, 0]);
        Assert.Equal(1, control.ActiveBank);
        control.ReceiveMidi1([0xCF, 0]);
        Assert.Equal(0, control.ActiveBank);
        control.ReceiveMidi1([0xB0, 1, 0]);
        Assert.Equal(0.0, variables.Get("a"));
    }

    [Fact]
    public void SavedJson_LoadsIntoAnIdenticalControl()
    {
        var control = new MidiControl(new NamedVariables());
        control.AddBank("fx", 8);
        var binding = new ControllerBinding(new ControlSource(ControlSourceKind.Rpn, 2, 3, 260), ControlTarget.ForParameter("osc", "freqHz"), 20, 2000, ControlCurve.Exponential, 15, true);
        control.Bind(1, 7, binding);
        control.Bind(0, 31, new ControllerBinding(new ControlSource(ControlSourceKind.PolyPressure, Index: 60), ControlTarget.ForVariable("p")));
        control.BankSwitchSource = new ControlSource(ControlSourceKind.ProgramChange, 0, 15);
        control.SwitchBank(1);
        string json = control.SaveJson();

        var loaded = new MidiControl(new NamedVariables());
        loaded.LoadJson(json);
        Assert.Equal(["bank1", "fx"], loaded.BankNames);
        Assert.Equal(1, loaded.ActiveBank);
        Assert.Equal(binding, loaded.BindingAt(1, 7));
        Assert.Null(loaded.BindingAt(1, 6));
        Assert.Equal(control.BindingAt(0, 31), loaded.BindingAt(0, 31));
        Assert.Equal(control.BankSwitchSource, loaded.BankSwitchSource);
        Assert.Equal(json, loaded.SaveJson());
        Assert.Contains("\"exponential\"", json);
    }

    [Fact]
    public void ParameterBinding_SetsTheNodeParameter_OnTheTimestampSampleWhenItIsAhead()
    {
        LiveSession session = Session();
        var control = new MidiControl(session);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 74), ControlTarget.ForParameter("osc", "freqHz"), Min: 100, Max: 1100));
        session.Renderer.Render(64);

        control.Receive(UmpMessage.Midi1ControlChange(0, 0, 74, 127), atSample: 1000);
        Assert.Equal(1100, Parameter(session, "osc", "freqHz"));
        Assert.Equal(1000, control.LastParameterSample);
        control.Receive(UmpMessage.Midi1ControlChange(0, 0, 74, 0), atSample: 10);
        Assert.Equal(100, Parameter(session, "osc", "freqHz"));
        Assert.Equal(64, control.LastParameterSample);
    }

    [Fact]
    public void ParameterMove_IsSentToTheSession_WithoutHoldingTheControlsLock()
    {
        LiveSession session = Session();
        var control = new MidiControl(session);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 74), ControlTarget.ForParameter("osc", "freqHz"), Min: 100, Max: 1100));

        // ValueWritten is raised where the session call is made (a round trip for a remote engine). Another thread
        // must get into the control meanwhile: before, the call and the event ran under the control's lock.
        bool otherThreadGotIn = false;
        control.ValueWritten += (_, _, _) =>
        {
            var other = new Thread(() => _ = control.ActiveBank);
            other.Start();
            otherThreadGotIn = other.Join(TimeSpan.FromSeconds(2));
        };
        control.Receive(UmpMessage.Midi1ControlChange(0, 0, 74, 127));

        Assert.True(otherThreadGotIn, "The control's lock was held across the session call.");
        Assert.Equal(1100, Parameter(session, "osc", "freqHz"));
    }

    [Fact]
    public void ParameterSlots_AreTheEnginesLanes_RebindOnABankSwitch_AndSmoothInTheEngine()
    {
        LiveSession session = Session();
        var control = new MidiControl(session);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 74), ControlTarget.ForParameter("osc", "level"), Max: 2, SmoothingMs: 1));
        int fx = control.AddBank("fx");
        control.Bind(fx, 0, new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 74), ControlTarget.ForParameter("osc", "freqHz"), Min: 100, Max: 1100));

        control.Receive(UmpMessage.ControlChange(0, 0, 74, uint.MaxValue), atSample: 64);
        for (int b = 0; b < 40; b++)
        {
            session.Renderer.Render(64);
        }

        // 1 ms at 48 kHz is 48 samples: after 2 496 samples the glide is on its target, with no Advance call.
        Assert.Equal(2f, session.Renderer.Current.ParameterValues[session.Renderer.Current.ParameterStarts[session.Renderer.Current.IndexOfNode("osc")] + 1]);
        Assert.Equal(64, session.Renderer.LastControllerMoveSample(0));

        control.SwitchBank(fx);
        control.Receive(UmpMessage.ControlChange(0, 0, 74, 0));
        session.Renderer.Render(64);
        Assert.Equal(100, Parameter(session, "osc", "freqHz"));
        Assert.Equal(2, Parameter(session, "osc", "level"));
        Assert.Equal(0, control.Errors);
    }

    [Fact]
    public void UnknownNode_IsCountedAsAnError_NotThrown()
    {
        LiveSession session = Session();
        var control = new MidiControl(session);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 1), ControlTarget.ForParameter("nope", "freqHz")));
        control.Receive(UmpMessage.Midi1ControlChange(0, 0, 1, 64));
        Assert.Equal(1, control.Errors);
        Assert.Contains("nope", control.LastError);
    }
    [Fact]
    public void LearnMode_BindsAnNrpnSentAsMidi1Bytes_AsOneNrpnSource()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Learn(0, 0, ControlTarget.ForVariable("n"));
        control.ReceiveMidi1([0xB1, 99, 5, 98, 7, 6, 0x40, 38, 0]);
        Assert.Equal(new ControlSource(ControlSourceKind.Nrpn, 0, 1, (5 << 7) | 7), control.BindingAt(0, 0)!.Source);
        control.ReceiveMidi1([0xB1, 6, 0x7F, 38, 0x7F]);
        Assert.Equal(1, variables.Get("n"));
    }

    [Fact]
    public void PerNoteControllerAndPolyPressure_DriveOnlyTheirNote()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.PerNoteController, Index: (60 << 8) | 74), ControlTarget.ForVariable("brightness60")));
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.PolyPressure, Index: 62), ControlTarget.ForVariable("pressure62")));
        control.Receive(new UmpMessage { Kind = UmpKind.AssignablePerNoteController, Index = 61, Index2 = 74, Value = uint.MaxValue });
        control.Receive(new UmpMessage { Kind = UmpKind.PolyPressure, Index = 60, Value = uint.MaxValue });
        Assert.Equal(0, variables.Count);
        control.Receive(new UmpMessage { Kind = UmpKind.RegisteredPerNoteController, Index = 60, Index2 = 74, Value = uint.MaxValue });
        control.ReceiveMidi1([0xA0, 62, 127]);
        Assert.Equal((1.0, 1.0), (variables.Get("brightness60"), variables.Get("pressure62")));
    }

    [Fact]
    public void ControllerMovesToAVariable_AllocateNothing()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        for (int i = 0; i < 32; i++)
        {
            control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 40 + i), ControlTarget.ForVariable($"v{i}"), Max: 10));
        }

        // Controllers 40..71: plain CCs (0/32 are bank select, 6/38 data entry, 98..101 parameter numbers).
        byte[] cc = [0xB0, 0, 0];
        Span<byte> bytes = cc;
        for (int i = 0; i < 32; i++)
        {
            bytes[1] = (byte)(40 + i);
            control.ReceiveMidi1(bytes);
            control.Receive(UmpMessage.ControlChange(0, 0, 40 + i, 5));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 1000; round++)
        {
            bytes[1] = (byte)(40 + (round % 32));
            bytes[2] = (byte)(round % 128);
            control.ReceiveMidi1(bytes);
            control.Receive(UmpMessage.ControlChange(0, 0, 40 + (round % 32), (uint)round));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2064, control.Applied);
    }
}
