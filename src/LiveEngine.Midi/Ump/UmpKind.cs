namespace LiveEngine.Midi.Ump;

/// <summary>
/// Every UMP message kind of M2-104-UM v1.1 (UMP and MIDI 2.0 Protocol), grouped by message type (MT). The numeric
/// value is <c>MT &lt;&lt; 8 | status</c>, so a kind names its MT and status together.
/// </summary>
public enum UmpKind : ushort
{
    /// <summary>Not a message (the default value).</summary>
    None = 0xFFFF,

    // MT 0x0 Utility (32 bits).
    Noop = 0x000,
    JrClock = 0x001,
    JrTimestamp = 0x002,
    DeltaClockstampTicksPerQuarterNote = 0x003,
    DeltaClockstamp = 0x004,

    // MT 0x1 System Common and Real Time (32 bits); status is the MIDI 1.0 status byte.
    MidiTimeCode = 0x1F1,
    SongPositionPointer = 0x1F2,
    SongSelect = 0x1F3,
    TuneRequest = 0x1F6,
    TimingClock = 0x1F8,
    Start = 0x1FA,
    Continue = 0x1FB,
    Stop = 0x1FC,
    ActiveSensing = 0x1FE,
    Reset = 0x1FF,

    // MT 0x2 MIDI 1.0 Channel Voice (32 bits); status is the upper nibble of the MIDI 1.0 status byte.
    Midi1NoteOff = 0x208,
    Midi1NoteOn = 0x209,
    Midi1PolyPressure = 0x20A,
    Midi1ControlChange = 0x20B,
    Midi1ProgramChange = 0x20C,
    Midi1ChannelPressure = 0x20D,
    Midi1PitchBend = 0x20E,

    // MT 0x3 Data 64 bits: System Exclusive 7-bit.
    SysEx7Complete = 0x300,
    SysEx7Start = 0x301,
    SysEx7Continue = 0x302,
    SysEx7End = 0x303,

    // MT 0x4 MIDI 2.0 Channel Voice (64 bits); status is the opcode.
    RegisteredPerNoteController = 0x400,
    AssignablePerNoteController = 0x401,
    RegisteredController = 0x402,
    AssignableController = 0x403,
    RelativeRegisteredController = 0x404,
    RelativeAssignableController = 0x405,
    PerNotePitchBend = 0x406,
    NoteOff = 0x408,
    NoteOn = 0x409,
    PolyPressure = 0x40A,
    ControlChange = 0x40B,
    ProgramChange = 0x40C,
    ChannelPressure = 0x40D,
    PitchBend = 0x40E,
    PerNoteManagement = 0x40F,

    // MT 0x5 Data 128 bits: System Exclusive 8 and Mixed Data Set.
    SysEx8Complete = 0x500,
    SysEx8Start = 0x501,
    SysEx8Continue = 0x502,
    SysEx8End = 0x503,
    MixedDataSetHeader = 0x508,
    MixedDataSetPayload = 0x509,

    // MT 0xD Flex Data (128 bits): the status bank and status are fields of the message.
    FlexData = 0xD00,

    // MT 0xF UMP Stream (128 bits): the form and 10-bit status are fields of the message.
    Stream = 0xF00,
}
