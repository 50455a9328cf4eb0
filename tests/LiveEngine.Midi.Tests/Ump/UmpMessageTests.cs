using LiveEngine.Midi.Fuzzing;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Tests.Midi.Ump;

public sealed class UmpMessageTests
{
    private static UmpMessage Read(params uint[] words)
    {
        Assert.Equal(UmpReadResult.Ok, UmpMessage.TryRead(words, out UmpMessage message, out int consumed));
        Assert.Equal(words.Length, consumed);
        return message;
    }

    private static uint[] Write(in UmpMessage message)
    {
        uint[] words = new uint[4];
        int n = message.Write(words);
        return words[..n];
    }

    [Fact]
    public void Midi2NoteOn_FromTheSpecLayout_ReadsNoteVelocityAndAttribute()
    {
        // M2-104-UM 7.4.2 Note On: MT=4 group, opcode 9 channel, note, attribute type | velocity (16) attribute (16).
        // The velocity 0xC104 is the M2-115-U up-scaling of MIDI 1.0 velocity 0x60 (AM_MIDI2.0Lib test_ump_to_midi2 NoteOn).
        UmpMessage m = Read(0x4293_4003, 0xC104_1234);
        Assert.Equal(UmpKind.NoteOn, m.Kind);
        Assert.Equal(2, m.Group);
        Assert.Equal(3, m.Channel);
        Assert.Equal(64, m.Index);
        Assert.Equal(3, m.Index2);
        Assert.Equal(0xC104, m.Velocity);
        Assert.Equal(0x1234, m.Attribute);
        Assert.Equal(new uint[] { 0x4293_4003, 0xC104_1234 }, Write(m));
    }

    [Fact]
    public void Midi1ChannelVoice_FromAmMidi2LibVectors_ReadsAndWritesBack()
    {
        // AM_MIDI2.0Lib unittests/test_bytestream_to_ump.cpp: NoteOnWithRunningStatus (0x20816050) and ProgramChangeTwoBytes (0x20C64000).
        UmpMessage noteOff = Read(0x2081_6050);
        Assert.Equal(UmpKind.Midi1NoteOff, noteOff.Kind);
        Assert.Equal(1, noteOff.Channel);
        Assert.Equal(0x60, noteOff.Index);
        Assert.Equal(0x50, noteOff.Index2);
        UmpMessage program = Read(0x20C6_4000);
        Assert.Equal(UmpKind.Midi1ProgramChange, program.Kind);
        Assert.Equal(6, program.Channel);
        Assert.Equal(0x40, program.Index);
        Assert.Equal(new uint[] { 0x20C6_4000 }, Write(program));
    }

    [Fact]
    public void SystemTimingClock_IsOneWordWithTheStatusByte()
    {
        // AM_MIDI2.0Lib test_bytestream_to_ump.cpp SystemMessageOneByte: 0xF8 → 0x10F80000.
        Assert.Equal(UmpKind.TimingClock, Read(0x10F8_0000).Kind);
        Assert.Equal(new uint[] { 0x10F8_0000 }, Write(UmpMessage.System(UmpKind.TimingClock)));
    }

    [Fact]
    public void SysEx7Packets_FromAmMidi2LibVector_CarryTheirBytes()
    {
        // AM_MIDI2.0Lib test_bytestream_to_ump.cpp SysEx: the start packet 0x30167E7F 0x0D70024B.
        UmpMessage start = Read(0x3016_7E7F, 0x0D70_024B);
        Assert.Equal(UmpKind.SysEx7Start, start.Kind);
        Assert.Equal(6, start.Length);
        byte[] payload = new byte[6];
        start.CopyPayload(payload);
        Assert.Equal(new byte[] { 0x7E, 0x7F, 0x0D, 0x70, 0x02, 0x4B }, payload);
    }

    [Fact]
    public void StreamEndpointDiscovery_KeepsFormStatusAndPayload()
    {
        // M2-104-UM 7.1.1 Endpoint Discovery: MT=F, form 0, status 0x000, UMP version 1.1, filter bitmap 0x1F.
        UmpMessage m = Read(0xF000_0101, 0x0000_001F, 0, 0);
        Assert.Equal(UmpKind.Stream, m.Kind);
        Assert.Equal(0, m.Attribute);
        Assert.Equal(1, m.PayloadByte(0));
        Assert.Equal(1, m.PayloadByte(1));
        Assert.Equal(0x1F, m.PayloadByte(5));
        Assert.Equal(new uint[] { 0xF000_0101, 0x0000_001F, 0, 0 }, Write(m));
    }

    [Fact]
    public void FlexDataSetTempo_KeepsAddressStatusAndData()
    {
        // M2-104-UM 7.5.3 Set Tempo: MT=D, group 0, form 0, address 1 (group), status bank 0, status 0; 10 ns units.
        UmpMessage m = Read(0xD010_0000, 50_000_000, 0, 0);
        Assert.Equal(UmpKind.FlexData, m.Kind);
        Assert.Equal(1, m.Attribute);
        Assert.Equal(0, m.Index);
        Assert.Equal(0, m.Index2);
        Assert.Equal(new uint[] { 0xD010_0000, 50_000_000, 0, 0 }, Write(m));
    }

    [Fact]
    public void Midi2ProgramChange_WithBank_ReadsProgramFlagAndBank()
    {
        // M2-104-UM 7.4.9: option flag B (bit 0), program in the top byte of word 2, bank MSB and LSB in its low bytes.
        UmpMessage m = Read(0x41CF_0001, 0x5500_714E);
        Assert.Equal(UmpKind.ProgramChange, m.Kind);
        Assert.Equal(0x55, m.Index);
        Assert.Equal(1, m.Index2);
        Assert.Equal((0x71 << 7) | 0x4E, m.Attribute);
    }

    [Fact]
    public void EveryKind_SurvivesWriteThenRead()
    {
        var random = new Random(42);
        Span<uint> words = stackalloc uint[4];
        foreach (UmpKind kind in UmpRandom.Kinds)
        {
            for (int i = 0; i < 2000; i++)
            {
                UmpMessage x = UmpRandom.Next(random, kind);
                int n = x.Write(words);
                Assert.Equal(x.WordCount, n);
                Assert.Equal(UmpReadResult.Ok, UmpMessage.TryRead(words[..n], out UmpMessage y, out int consumed));
                Assert.Equal(n, consumed);
                Assert.Equal(x, y);
            }
        }

        Assert.Equal(49, UmpRandom.Kinds.Length);
    }

    [Fact]
    public void ReservedMessageTypes_AreSkippedByTheirSize()
    {
        // M2-104-UM table 4: MT 6/7 one word, 8–A two, B/C three, E four.
        (uint First, int Words)[] reserved = [(0x6000_0000, 1), (0x7000_0000, 1), (0x8000_0000, 2), (0xA000_0000, 2), (0xB000_0000, 3), (0xC000_0000, 3), (0xE000_0000, 4)];
        foreach ((uint first, int size) in reserved)
        {
            uint[] words = [first, 0, 0, 0];
            Assert.Equal(UmpReadResult.Reserved, UmpMessage.TryRead(words, out _, out int consumed));
            Assert.Equal(size, consumed);
        }
    }

    [Fact]
    public void InvalidFirstWords_AreReportedAsInvalid()
    {
        Assert.Equal(UmpReadResult.Invalid, UmpMessage.TryRead([0x2071_0000u], out _, out _));   // MIDI 1.0 status nibble 7
        Assert.Equal(UmpReadResult.Invalid, UmpMessage.TryRead([0x2090_8000u], out _, out _));   // data byte with bit 7
        Assert.Equal(UmpReadResult.Invalid, UmpMessage.TryRead([0x10F4_0000u], out _, out _));   // undefined system status F4
        Assert.Equal(UmpReadResult.Invalid, UmpMessage.TryRead([0x3070_0000u, 0u], out _, out _)); // SysEx7 with 7 bytes
        Assert.Equal(UmpReadResult.NeedMoreWords, UmpMessage.TryRead([0x4090_4000u], out _, out int consumed));
        Assert.Equal(2, consumed);
    }
}
