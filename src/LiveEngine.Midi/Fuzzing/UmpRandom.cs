using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Fuzzing;

/// <summary>Random well-formed UMP messages of every kind, each field within its wire width (property tests, fuzzing).</summary>
public static class UmpRandom
{
    /// <summary>Every kind a message can have.</summary>
    public static readonly UmpKind[] Kinds = [.. Enum.GetValues<UmpKind>().Where(k => k != UmpKind.None)];

    public static UmpMessage Next(Random random) => Next(random, Kinds[random.Next(Kinds.Length)]);

    public static UmpMessage Next(Random random, UmpKind kind)
    {
        int mt = (int)kind >> 8;
        byte group = mt is 0x0 or 0xF ? (byte)0 : (byte)random.Next(16);
        byte channel = (byte)random.Next(16);
        byte seven = (byte)random.Next(128);
        byte seven2 = (byte)random.Next(128);
        byte eight = (byte)random.Next(256);
        uint value = (uint)random.NextInt64(0, 1L << 32);
        var m = new UmpMessage { Kind = kind, Group = group };
        switch (kind)
        {
            case UmpKind.Noop:
                return m;
            case UmpKind.JrClock or UmpKind.JrTimestamp or UmpKind.DeltaClockstampTicksPerQuarterNote:
                return m with { Value = value & 0xFFFF };
            case UmpKind.DeltaClockstamp:
                return m with { Value = value & 0xFFFFF };
            case UmpKind.MidiTimeCode or UmpKind.SongSelect:
                return m with { Index = seven };
            case UmpKind.SongPositionPointer:
                return m with { Value = value & 0x3FFF };
        }

        switch (mt)
        {
            case 0x1:
                return m;
            case 0x2:
                return kind switch
                {
                    UmpKind.Midi1PitchBend => m with { Channel = channel, Value = value & 0x3FFF },
                    UmpKind.Midi1ProgramChange or UmpKind.Midi1ChannelPressure => m with { Channel = channel, Index = seven },
                    _ => m with { Channel = channel, Index = seven, Index2 = seven2 },
                };
            case 0x3:
                {
                    int length = random.Next(7);
                    Span<byte> bytes = stackalloc byte[6];
                    for (int i = 0; i < length; i++)
                    {
                        bytes[i] = (byte)random.Next(128);
                    }

                    return m with { Length = (byte)length, PayloadHigh = UmpMessage.PackPayload(bytes[..length]).High };
                }

            case 0x4:
                m = m with { Channel = channel };
                return kind switch
                {
                    UmpKind.RegisteredPerNoteController or UmpKind.AssignablePerNoteController => m with { Index = seven, Index2 = eight, Value = value },
                    UmpKind.RegisteredController or UmpKind.AssignableController or UmpKind.RelativeRegisteredController or UmpKind.RelativeAssignableController
                        => m with { Index = seven, Index2 = seven2, Value = value },
                    UmpKind.PerNotePitchBend or UmpKind.PolyPressure or UmpKind.ControlChange => m with { Index = seven, Value = value },
                    UmpKind.NoteOn or UmpKind.NoteOff => m with { Index = seven, Index2 = eight, Value = value & 0xFFFF, Attribute = (ushort)(value >> 16) },
                    UmpKind.ProgramChange => m with { Index = seven, Index2 = (byte)random.Next(2), Attribute = (ushort)(value & 0x3FFF) },
                    UmpKind.ChannelPressure or UmpKind.PitchBend => m with { Value = value },
                    _ => m with { Index = seven, Index2 = (byte)random.Next(4) },
                };
            case 0x5:
                {
                    bool mds = kind is UmpKind.MixedDataSetHeader or UmpKind.MixedDataSetPayload;
                    int length = mds ? 14 : random.Next(14);
                    Span<byte> bytes = stackalloc byte[16];
                    random.NextBytes(bytes[..length]);
                    (ulong high, ulong low) = UmpMessage.PackPayload(bytes[..length]);
                    return m with { Index = mds ? (byte)random.Next(16) : eight, Length = (byte)length, PayloadHigh = high, PayloadLow = low };
                }

            case 0xD:
                {
                    Span<byte> bytes = stackalloc byte[12];
                    random.NextBytes(bytes);
                    (ulong high, ulong low) = UmpMessage.PackPayload(bytes);
                    return m with { Attribute = (ushort)random.Next(16), Channel = channel, Index = eight, Index2 = (byte)random.Next(256), Length = 12, PayloadHigh = high, PayloadLow = low };
                }

            default:
                {
                    Span<byte> bytes = stackalloc byte[14];
                    random.NextBytes(bytes);
                    (ulong high, ulong low) = UmpMessage.PackPayload(bytes);
                    return m with { Attribute = (ushort)random.Next(4096), Length = 14, PayloadHigh = high, PayloadLow = low };
                }
        }
    }
}
