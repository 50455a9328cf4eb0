using LiveEngine.Midi.Translation;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Tests.Midi.Translation;

public sealed class TranslationTests
{
    private sealed class ListSink : IUmpSink
    {
        public List<UmpMessage> Messages { get; } = [];

        public void OnMessage(in UmpMessage message) => Messages.Add(message);
    }

    private static uint[] Words(IEnumerable<UmpMessage> messages)
    {
        var words = new List<uint>();
        uint[] packet = new uint[4];
        foreach (UmpMessage m in messages)
        {
            int n = m.Write(packet);
            words.AddRange(packet[..n]);
        }

        return [.. words];
    }

    private static uint[] BytesToUmp(params byte[] bytes)
    {
        var sink = new ListSink();
        new Midi1ByteParser().Feed(bytes, ref sink);
        return Words(sink.Messages);
    }

    private static List<UmpMessage> ToMidi2(params UmpMessage[] input)
    {
        var translator = new Midi1ToMidi2();
        var sink = new ListSink();
        foreach (UmpMessage m in input)
        {
            translator.Translate(m, ref sink);
        }

        return sink.Messages;
    }

    // M2-115-U "MIDI 2.0 Bit Scaling and Resolution" v1.0.1 sections 3.3.3 and 3.4.2, as listed in AM_MIDI2.0Lib
    // unittests/test_scale.cpp.
    [Theory]
    [InlineData(0x05u, 7, 16, 0x0A00u)]
    [InlineData(0x40u, 7, 16, 0x8000u)]
    [InlineData(0x46u, 7, 16, 0x8C30u)]
    [InlineData(0x60u, 7, 16, 0xC104u)]
    [InlineData(0x78u, 7, 16, 0xF1C7u)]
    [InlineData(0x7Fu, 7, 16, 0xFFFFu)]
    [InlineData(0x00u, 7, 32, 0x00000000u)]
    [InlineData(0x1Eu, 7, 32, 0x3C000000u)]
    [InlineData(0x40u, 7, 32, 0x80000000u)]
    [InlineData(0x46u, 7, 32, 0x8C30C30Cu)]
    [InlineData(0x60u, 7, 32, 0xC1041041u)]
    [InlineData(0x78u, 7, 32, 0xF1C71C71u)]
    [InlineData(0x7Fu, 7, 32, 0xFFFFFFFFu)]
    [InlineData(0x9C40u, 16, 32, 0x9C403880u)]
    [InlineData(0xC000u, 16, 32, 0xC0008001u)]
    [InlineData(0xFDE8u, 16, 32, 0xFDE8FBD1u)]
    [InlineData(0xFFFFu, 16, 32, 0xFFFFFFFFu)]
    public void ScaleUp_MatchesTheBitScalingSpecTable(uint input, int fromBits, int toBits, uint expected) =>
        Assert.Equal(expected, MidiScaling.ScaleUp(input, fromBits, toBits));

    [Theory]
    [InlineData(0x1400u, 0x0Au)]
    [InlineData(0x8000u, 0x40u)]
    [InlineData(0xAEBAu, 0x57u)]
    [InlineData(0xFFFFu, 0x7Fu)]
    public void ScaleDown_IsAPlainShift_AsInTheSpecTable(uint input, uint expected) =>
        Assert.Equal(expected, MidiScaling.ScaleDown(input, 16, 7));

    [Fact]
    public void RunningStatus_IsHonoured()
    {
        // AM_MIDI2.0Lib test_bytestream_to_ump.cpp NoteOnWithRunningStatus.
        Assert.Equal(new uint[] { 0x2081_6050, 0x2081_7070 }, BytesToUmp(0x81, 0x60, 0x50, 0x70, 0x70));
    }

    [Fact]
    public void RealTimeInsideANoteOn_ComesOutFirst()
    {
        // AM_MIDI2.0Lib SeqStartMidNoteOn: 0x91, 0xFA, 60, 127.
        Assert.Equal(new uint[] { 0x10FA_0000, 0x2091_3C7F }, BytesToUmp(0x91, 0xFA, 60, 127));
    }

    [Fact]
    public void SysExAcrossPackets_MatchesTheReferenceVector()
    {
        // AM_MIDI2.0Lib test_bytestream_to_ump.cpp SysEx: 30 data bytes become start, 3 × continue, end.
        byte[] input =
        [
            0xF0, 0x7E, 0x7F, 0x0D, 0x70, 0x02, 0x4B, 0x60, 0x7A, 0x73, 0x7F, 0x7F, 0x7F, 0x7F, 0x7D, 0x00, 0x00, 0x00,
            0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0xF7,
        ];
        uint[] expected = [0x30167E7F, 0x0D70024B, 0x3026607A, 0x737F7F7F, 0x30267F7D, 0x00000000, 0x30260100, 0x00000300, 0x30360000, 0x10000000];
        Assert.Equal(expected, BytesToUmp(input));
    }

    [Fact]
    public void StatusByteInsideSysEx_EndsIt()
    {
        // AM_MIDI2.0Lib MissingSysExEnd (group 0 here): F0 1..7 then a note off ends the SysEx.
        Assert.Equal(new uint[] { 0x3016_0102, 0x0304_0506, 0x3031_0700, 0, 0x2081_3E00 }, BytesToUmp(0xF0, 1, 2, 3, 4, 5, 6, 7, 0x81, 62, 0));
        Assert.Empty(BytesToUmp(0xF7, 1, 2, 0xF7));
    }

    [Fact]
    public void NoteOnVelocity0_BecomesNoteOff_AndVelocitiesScaleMinCenterMax()
    {
        List<UmpMessage> out2 = ToMidi2(
            new UmpMessage { Kind = UmpKind.Midi1NoteOn, Group = 3, Channel = 5, Index = 60, Index2 = 0x60 },
            new UmpMessage { Kind = UmpKind.Midi1NoteOn, Group = 3, Channel = 5, Index = 60, Index2 = 0 });
        Assert.Equal(UmpMessage.NoteOn(3, 5, 60, 0xC104), out2[0]);
        Assert.Equal(UmpMessage.NoteOff(3, 5, 60, 0), out2[1]);
    }

    [Fact]
    public void NrpnSequence_BecomesOneAssignableController()
    {
        // AM_MIDI2.0Lib test_ump_to_midi2.cpp ControlChangeNRPN: 99=0x55, 98=0x6A, 6=0x19, 38=0x66, then the null NRPN.
        List<UmpMessage> out2 = ToMidi2(
            UmpMessage.Midi1ControlChange(1, 15, 99, 0x55),
            UmpMessage.Midi1ControlChange(1, 15, 98, 0x6A),
            UmpMessage.Midi1ControlChange(1, 15, 6, 0x19),
            UmpMessage.Midi1ControlChange(1, 15, 38, 0x66),
            UmpMessage.Midi1ControlChange(1, 15, 99, 0x7F),
            UmpMessage.Midi1ControlChange(1, 15, 98, 0x7F));
        UmpMessage m = Assert.Single(out2);
        Assert.Equal(UmpMessage.AssignableController(1, 15, 0x55, 0x6A, MidiScaling.ScaleUp((0x19 << 7) | 0x66, 14, 32)), m);
        Assert.Equal(0x3398_0000u, m.Value);
    }

    [Fact]
    public void RpnSequence_BecomesOneRegisteredController()
    {
        // AM_MIDI2.0Lib ControlChangeRPN.
        List<UmpMessage> out2 = ToMidi2(
            UmpMessage.Midi1ControlChange(1, 15, 101, 0x55),
            UmpMessage.Midi1ControlChange(1, 15, 100, 0x6A),
            UmpMessage.Midi1ControlChange(1, 15, 6, 0x19),
            UmpMessage.Midi1ControlChange(1, 15, 38, 0x66));
        Assert.Equal(UmpMessage.RegisteredController(1, 15, 0x55, 0x6A, 0x3398_0000u), Assert.Single(out2));
    }

    [Fact]
    public void BankSelectThenProgramChange_BecomesOneProgramChangeWithBank()
    {
        // AM_MIDI2.0Lib ProgramChangeWithBank.
        List<UmpMessage> out2 = ToMidi2(
            UmpMessage.Midi1ControlChange(1, 15, 0, 0x71),
            UmpMessage.Midi1ControlChange(1, 15, 32, 0x4E),
            new UmpMessage { Kind = UmpKind.Midi1ProgramChange, Group = 1, Channel = 15, Index = 0x55 });
        Assert.Equal(new uint[] { 0x41CF_0001, 0x5500_714E }, Words(out2));
    }

    [Fact]
    public void PitchBend_ScalesFourteenToThirtyTwoBits()
    {
        // AM_MIDI2.0Lib PitchBend: 0b0010101010101010.
        UmpMessage m = Assert.Single(ToMidi2(new UmpMessage { Kind = UmpKind.Midi1PitchBend, Value = 0b0010101010101010 }));
        Assert.Equal(MidiScaling.ScaleUp(0b0010101010101010, 14, 32), m.Value);
        Assert.Equal(0x8000_0000u, Assert.Single(ToMidi2(new UmpMessage { Kind = UmpKind.Midi1PitchBend, Value = 0x2000 })).Value);
    }

    [Fact]
    public void Midi2Rpn_DownTranslates_ToTheFourControlChanges_AndBytes()
    {
        Span<UmpMessage> down = new UmpMessage[4];
        int n = Midi2ToMidi1.Translate(UmpMessage.RegisteredController(0, 2, 0, 1, 0x3398_0000u), down);
        Assert.Equal(4, n);
        byte[] bytes = new byte[16];
        var all = new List<byte>();
        for (int i = 0; i < n; i++)
        {
            int count = UmpToMidi1Bytes.Write(down[i], bytes);
            all.AddRange(bytes[..count]);
        }

        Assert.Equal(new byte[] { 0xB2, 101, 0, 0xB2, 100, 1, 0xB2, 6, 0x19, 0xB2, 38, 0x66 }, all);
    }

    [Fact]
    public void Midi2NoteOn_WithVelocityBelowOneStep_StaysANoteOn()
    {
        Span<UmpMessage> down = new UmpMessage[4];
        Assert.Equal(1, Midi2ToMidi1.Translate(UmpMessage.NoteOn(0, 0, 60, 0x0100), down));
        Assert.Equal(UmpKind.Midi1NoteOn, down[0].Kind);
        Assert.Equal(1, down[0].Index2);
    }

    [Fact]
    public void BytesToUmpAndBack_GivesTheSameBytes()
    {
        byte[] input = [0x90, 60, 100, 0xB3, 74, 12, 0xE1, 0x00, 0x40, 0xC4, 7, 0xF8, 0xF2, 0x10, 0x20, 0xF0, 1, 2, 3, 0xF7];
        var sink = new ListSink();
        new Midi1ByteParser().Feed(input, ref sink);
        var output = new List<byte>();
        byte[] buffer = new byte[16];
        foreach (UmpMessage m in sink.Messages)
        {
            output.AddRange(buffer[..UmpToMidi1Bytes.Write(m, buffer)]);
        }

        Assert.Equal(input, output);
    }
}
