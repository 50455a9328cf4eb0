using System.Runtime.CompilerServices;

namespace LiveEngine.Midi.Ump;

/// <summary>
/// One Universal MIDI Packet, decoded: a plain value (no references) that <see cref="TryRead"/> parses from words and
/// <see cref="Write"/> writes back, neither allocating. The meaning of the generic fields depends on <see cref="Kind"/>:
/// <list type="bullet">
/// <item>Utility: <see cref="Value"/> = the 16-bit time or tick count (20 bits for Delta Clockstamp).</item>
/// <item>System: <see cref="Index"/> = first data byte (time code, song); <see cref="Value"/> = 14-bit song position.</item>
/// <item>MIDI 1.0 voice: <see cref="Index"/>/<see cref="Index2"/> = data bytes 1 and 2 (note and velocity, controller and
///   value, program, pressure); pitch bend: <see cref="Value"/> = 14 bits (LSB sent first).</item>
/// <item>SysEx7: <see cref="Length"/> 0–6 payload bytes; SysEx8: <see cref="Index"/> = stream id, 0–13 payload bytes;
///   Mixed Data Set: <see cref="Index"/> = MDS id, 14 payload bytes.</item>
/// <item>MIDI 2.0 voice: <see cref="Index"/> = note, or controller bank (RPN/NRPN), or controller index (CC), or program;
///   <see cref="Index2"/> = controller index (RPN/NRPN, per-note), attribute type (notes) or option flags (program change,
///   per-note management); <see cref="Attribute"/> = attribute data (notes) or 14-bit bank (program change);
///   <see cref="Value"/> = the 32-bit data, or the 16-bit velocity (notes); relative controllers hold a two's
///   complement delta.</item>
/// <item>Flex Data: <see cref="Attribute"/> = form (2 bits) and address (2 bits), <see cref="Channel"/>,
///   <see cref="Index"/> = status bank, <see cref="Index2"/> = status, 12 payload bytes.</item>
/// <item>UMP Stream: <see cref="Attribute"/> = form (2 bits) and status (10 bits), 14 payload bytes.</item>
/// </list>
/// Design: M2-104-UM v1.1 sections 7.1–7.8 (packet layouts); field packing follows the spec's bit diagrams.
/// </summary>
public readonly record struct UmpMessage
{
    public UmpKind Kind { get; init; }

    /// <summary>Group 0–15 (Utility and Stream messages have none and keep 0).</summary>
    public byte Group { get; init; }

    public byte Channel { get; init; }

    public byte Index { get; init; }

    public byte Index2 { get; init; }

    public ushort Attribute { get; init; }

    public uint Value { get; init; }

    /// <summary>Payload bytes in use (SysEx, Mixed Data Set, Flex Data, Stream).</summary>
    public byte Length { get; init; }

    /// <summary>Payload bytes 0–7, byte 0 in the most significant position.</summary>
    public ulong PayloadHigh { get; init; }

    /// <summary>Payload bytes 8–15, byte 8 in the most significant position.</summary>
    public ulong PayloadLow { get; init; }

    public int MessageType => (int)Kind >> 8;

    /// <summary>Words of the packet: 1, 2 or 4.</summary>
    public int WordCount => WordsForMessageType(MessageType);

    /// <summary>The MIDI 2.0 note velocity (16 bits).</summary>
    public ushort Velocity => (ushort)Value;

    public byte PayloadByte(int index)
    {
        if ((uint)index >= 16)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "A UMP payload has at most 16 bytes.");
        }

        ulong half = index < 8 ? PayloadHigh : PayloadLow;
        return (byte)(half >> (56 - (8 * (index & 7))));
    }

    /// <summary>Copies the payload bytes into <paramref name="destination"/>; returns how many.</summary>
    public int CopyPayload(Span<byte> destination)
    {
        int n = Math.Min((int)Length, 16);
        for (int i = 0; i < n; i++)
        {
            destination[i] = PayloadByte(i);
        }

        return n;
    }

    /// <summary>Packs up to 16 bytes into the two payload halves (most significant byte first).</summary>
    public static (ulong High, ulong Low) PackPayload(ReadOnlySpan<byte> bytes)
    {
        ulong high = 0, low = 0;
        for (int i = 0; i < bytes.Length && i < 16; i++)
        {
            if (i < 8)
            {
                high |= (ulong)bytes[i] << (56 - (8 * i));
            }
            else
            {
                low |= (ulong)bytes[i] << (56 - (8 * (i - 8)));
            }
        }

        return (high, low);
    }

    /// <summary>Words in a packet of message type <paramref name="messageType"/> (M2-104-UM table 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WordsForMessageType(int messageType) => messageType switch
    {
        0x0 or 0x1 or 0x2 or 0x6 or 0x7 => 1,
        0x3 or 0x4 or 0x8 or 0x9 or 0xA => 2,
        0xB or 0xC => 3,
        _ => 4,
    };

    /// <summary>
    /// Reads the packet at the start of <paramref name="words"/>. <paramref name="consumed"/> is its size in words
    /// (also for <see cref="UmpReadResult.Reserved"/> and <see cref="UmpReadResult.Invalid"/>, where the caller may skip
    /// it or, to resynchronise, skip one word). Never throws, never allocates.
    /// </summary>
    public static UmpReadResult TryRead(ReadOnlySpan<uint> words, out UmpMessage message, out int consumed)
    {
        message = default;
        consumed = 0;
        if (words.IsEmpty)
        {
            return UmpReadResult.NeedMoreWords;
        }

        uint w0 = words[0];
        int mt = (int)(w0 >> 28);
        int size = WordsForMessageType(mt);
        consumed = size;
        if (words.Length < size)
        {
            return UmpReadResult.NeedMoreWords;
        }

        byte group = (byte)((w0 >> 24) & 0xF);
        int status = (int)((w0 >> 20) & 0xF);
        byte channel = (byte)((w0 >> 16) & 0xF);
        byte b2 = (byte)(w0 >> 8);
        byte b3 = (byte)w0;
        switch (mt)
        {
            case 0x0:
                if (status > 4)
                {
                    return UmpReadResult.Invalid;
                }

                message = new UmpMessage { Kind = (UmpKind)status, Value = status == 4 ? w0 & 0xFFFFF : w0 & 0xFFFF };
                return UmpReadResult.Ok;

            case 0x1:
                {
                    int statusByte = (int)((w0 >> 16) & 0xFF);
                    if ((b2 | b3) > 0x7F || !IsSystemStatus(statusByte))
                    {
                        return UmpReadResult.Invalid;
                    }

                    message = new UmpMessage
                    {
                        Kind = (UmpKind)(0x100 | statusByte),
                        Group = group,
                        Index = statusByte is 0xF1 or 0xF3 ? b2 : (byte)0,
                        Value = statusByte == 0xF2 ? (uint)(b2 | (b3 << 7)) : 0,
                    };
                    return UmpReadResult.Ok;
                }

            case 0x2:
                if (status < 8 || status == 0xF || (b2 | b3) > 0x7F)
                {
                    return UmpReadResult.Invalid;
                }

                message = status switch
                {
                    0xE => new UmpMessage { Kind = UmpKind.Midi1PitchBend, Group = group, Channel = channel, Value = (uint)(b2 | (b3 << 7)) },
                    0xC or 0xD => new UmpMessage { Kind = (UmpKind)(0x200 | status), Group = group, Channel = channel, Index = b2 },
                    _ => new UmpMessage { Kind = (UmpKind)(0x200 | status), Group = group, Channel = channel, Index = b2, Index2 = b3 },
                };
                return UmpReadResult.Ok;

            case 0x3:
                {
                    int count = channel;
                    if (status > 3 || count > 6)
                    {
                        return UmpReadResult.Invalid;
                    }

                    ulong data = ((ulong)(w0 & 0xFFFF) << 48) | ((ulong)words[1] << 16);
                    ulong mask = count == 0 ? 0 : ulong.MaxValue << (64 - (8 * count));
                    data &= mask;
                    if ((data & 0x8080808080808080UL) != 0)
                    {
                        return UmpReadResult.Invalid;
                    }

                    message = new UmpMessage { Kind = (UmpKind)(0x300 | status), Group = group, Length = (byte)count, PayloadHigh = data };
                    return UmpReadResult.Ok;
                }

            case 0x4:
                if (status == 0x7)
                {
                    return UmpReadResult.Invalid;
                }

                message = ReadMidi2Voice(status, group, channel, b2, b3, words[1]);
                return UmpReadResult.Ok;

            case 0x5:
                {
                    // Bytes 2..15 of the packet, after the status/number-of-bytes byte.
                    ulong high = ((ulong)(w0 & 0xFFFF) << 48) | ((ulong)words[1] << 16) | (words[2] >> 16);
                    ulong low = ((ulong)(words[2] & 0xFFFF) << 48) | ((ulong)words[3] << 16);
                    if (status <= 3)
                    {
                        int count = channel;
                        if (count < 1 || count > 14)
                        {
                            return UmpReadResult.Invalid;
                        }

                        // The stream id is the first of the counted bytes; the payload is what follows it.
                        int payload = count - 1;
                        byte streamId = (byte)(high >> 56);
                        ulong payloadHigh = (high << 8) | (low >> 56);
                        ulong payloadLow = low << 8;
                        Mask(ref payloadHigh, ref payloadLow, payload);
                        message = new UmpMessage
                        {
                            Kind = (UmpKind)(0x500 | status),
                            Group = group,
                            Index = streamId,
                            Length = (byte)payload,
                            PayloadHigh = payloadHigh,
                            PayloadLow = payloadLow,
                        };
                        return UmpReadResult.Ok;
                    }

                    if (status is 8 or 9)
                    {
                        message = new UmpMessage
                        {
                            Kind = (UmpKind)(0x500 | status),
                            Group = group,
                            Index = channel,
                            Length = 14,
                            PayloadHigh = high,
                            PayloadLow = low & 0xFFFF_FFFF_FFFF_0000UL,
                        };
                        return UmpReadResult.Ok;
                    }

                    return UmpReadResult.Invalid;
                }

            case 0xD:
                message = new UmpMessage
                {
                    Kind = UmpKind.FlexData,
                    Group = group,
                    Attribute = (ushort)status,
                    Channel = channel,
                    Index = b2,
                    Index2 = b3,
                    Length = 12,
                    PayloadHigh = ((ulong)words[1] << 32) | words[2],
                    PayloadLow = (ulong)words[3] << 32,
                };
                return UmpReadResult.Ok;

            case 0xF:
                message = new UmpMessage
                {
                    Kind = UmpKind.Stream,
                    Attribute = (ushort)((w0 >> 16) & 0xFFF),
                    Length = 14,
                    PayloadHigh = ((ulong)(w0 & 0xFFFF) << 48) | ((ulong)words[1] << 16) | (words[2] >> 16),
                    PayloadLow = ((ulong)(words[2] & 0xFFFF) << 48) | ((ulong)words[3] << 16),
                };
                return UmpReadResult.Ok;

            default:
                return UmpReadResult.Reserved;
        }
    }

    private static void Mask(ref ulong high, ref ulong low, int bytes)
    {
        if (bytes <= 8)
        {
            high &= bytes == 0 ? 0 : ulong.MaxValue << (64 - (8 * bytes));
            low = 0;
        }
        else
        {
            low &= ulong.MaxValue << (64 - (8 * (bytes - 8)));
        }
    }

    private static bool IsSystemStatus(int statusByte) =>
        statusByte is 0xF1 or 0xF2 or 0xF3 or 0xF6 or 0xF8 or 0xFA or 0xFB or 0xFC or 0xFE or 0xFF;

    private static UmpMessage ReadMidi2Voice(int opcode, byte group, byte channel, byte b2, byte b3, uint data)
    {
        var kind = (UmpKind)(0x400 | opcode);
        return opcode switch
        {
            // Registered/assignable per-note controller: note, controller index (8 bits).
            0x0 or 0x1 => new UmpMessage { Kind = kind, Group = group, Channel = channel, Index = (byte)(b2 & 0x7F), Index2 = b3, Value = data },
            // RPN/NRPN and their relative forms: bank and index, 7 bits each.
            0x2 or 0x3 or 0x4 or 0x5 => new UmpMessage { Kind = kind, Group = group, Channel = channel, Index = (byte)(b2 & 0x7F), Index2 = (byte)(b3 & 0x7F), Value = data },
            0x6 or 0xA => new UmpMessage { Kind = kind, Group = group, Channel = channel, Index = (byte)(b2 & 0x7F), Value = data },
            0x8 or 0x9 => new UmpMessage
            {
                Kind = kind,
                Group = group,
                Channel = channel,
                Index = (byte)(b2 & 0x7F),
                Index2 = b3,
                Value = data >> 16,
                Attribute = (ushort)data,
            },
            0xB => new UmpMessage { Kind = kind, Group = group, Channel = channel, Index = (byte)(b2 & 0x7F), Value = data },
            0xC => new UmpMessage
            {
                Kind = kind,
                Group = group,
                Channel = channel,
                Index = (byte)((data >> 24) & 0x7F),
                Index2 = (byte)(b3 & 0x1),
                Attribute = (ushort)((((data >> 8) & 0x7F) << 7) | (data & 0x7F)),
            },
            0xD or 0xE => new UmpMessage { Kind = kind, Group = group, Channel = channel, Value = data },
            _ => new UmpMessage { Kind = kind, Group = group, Channel = channel, Index = (byte)(b2 & 0x7F), Index2 = (byte)(b3 & 0x3) },
        };
    }

    /// <summary>
    /// Writes the packet into <paramref name="destination"/> (at least <see cref="WordCount"/> words) and returns its
    /// size in words. Fields wider than the wire format are masked to their width. Never allocates.
    /// </summary>
    public int Write(Span<uint> destination)
    {
        int mt = MessageType;
        int size = WordsForMessageType(mt);
        if (Kind == UmpKind.None || destination.Length < size)
        {
            throw new ArgumentException(Kind == UmpKind.None ? "The message has no kind." : $"A {Kind} packet needs {size} words.", nameof(destination));
        }

        int status = (int)Kind & 0xFF;
        uint head = ((uint)mt << 28) | ((uint)(Group & 0xF) << 24);
        switch (mt)
        {
            case 0x0:
                destination[0] = ((uint)status << 20) | (status == 4 ? Value & 0xFFFFF : Value & 0xFFFF);
                break;
            case 0x1:
                destination[0] = head | ((uint)status << 16) | status switch
                {
                    0xF1 or 0xF3 => (uint)(Index & 0x7F) << 8,
                    0xF2 => ((Value & 0x7F) << 8) | ((Value >> 7) & 0x7F),
                    _ => 0,
                };
                break;
            case 0x2:
                destination[0] = head | ((uint)status << 20) | ((uint)(Channel & 0xF) << 16) | status switch
                {
                    0xE => ((Value & 0x7F) << 8) | ((Value >> 7) & 0x7F),
                    0xC or 0xD => (uint)(Index & 0x7F) << 8,
                    _ => ((uint)(Index & 0x7F) << 8) | (uint)(Index2 & 0x7F),
                };
                break;
            case 0x3:
                {
                    int count = Math.Min((int)Length, 6);
                    ulong data = PayloadHigh & (count == 0 ? 0 : ulong.MaxValue << (64 - (8 * count))) & 0x7F7F7F7F7F7F0000UL;
                    destination[0] = head | ((uint)status << 20) | ((uint)count << 16) | (uint)(data >> 48);
                    destination[1] = (uint)(data >> 16);
                    break;
                }

            case 0x4:
                WriteMidi2Voice(head, status, destination);
                break;
            case 0x5:
                {
                    ulong high, low;
                    int count;
                    if (status <= 3)
                    {
                        int payload = Math.Min((int)Length, 13);
                        ulong ph = PayloadHigh, pl = PayloadLow;
                        Mask(ref ph, ref pl, payload);
                        high = ((ulong)Index << 56) | (ph >> 8);
                        low = (ph << 56) | (pl >> 8);
                        count = payload + 1;
                    }
                    else
                    {
                        high = PayloadHigh;
                        low = PayloadLow & 0xFFFF_FFFF_FFFF_0000UL;
                        count = Index & 0xF;
                    }

                    destination[0] = head | ((uint)status << 20) | ((uint)count << 16) | (uint)(high >> 48);
                    destination[1] = (uint)(high >> 16);
                    destination[2] = ((uint)high << 16) | (uint)(low >> 48);
                    destination[3] = (uint)(low >> 16);
                    break;
                }

            case 0xD:
                destination[0] = head | ((uint)(Attribute & 0xF) << 20) | ((uint)(Channel & 0xF) << 16) | ((uint)Index << 8) | Index2;
                destination[1] = (uint)(PayloadHigh >> 32);
                destination[2] = (uint)PayloadHigh;
                destination[3] = (uint)(PayloadLow >> 32);
                break;
            default:
                destination[0] = (0xFu << 28) | ((uint)(Attribute & 0xFFF) << 16) | (uint)(PayloadHigh >> 48);
                destination[1] = (uint)(PayloadHigh >> 16);
                destination[2] = ((uint)PayloadHigh << 16) | (uint)(PayloadLow >> 48);
                destination[3] = (uint)(PayloadLow >> 16);
                break;
        }

        return size;
    }

    private void WriteMidi2Voice(uint head, int opcode, Span<uint> destination)
    {
        uint w0 = head | ((uint)opcode << 20) | ((uint)(Channel & 0xF) << 16);
        switch (opcode)
        {
            case 0x0 or 0x1:
                destination[0] = w0 | ((uint)(Index & 0x7F) << 8) | Index2;
                destination[1] = Value;
                break;
            case 0x2 or 0x3 or 0x4 or 0x5:
                destination[0] = w0 | ((uint)(Index & 0x7F) << 8) | (uint)(Index2 & 0x7F);
                destination[1] = Value;
                break;
            case 0x6 or 0xA or 0xB:
                destination[0] = w0 | ((uint)(Index & 0x7F) << 8);
                destination[1] = Value;
                break;
            case 0x8 or 0x9:
                destination[0] = w0 | ((uint)(Index & 0x7F) << 8) | Index2;
                destination[1] = (Value << 16) | Attribute;
                break;
            case 0xC:
                destination[0] = w0 | (uint)(Index2 & 0x1);
                destination[1] = ((uint)(Index & 0x7F) << 24) | ((uint)((Attribute >> 7) & 0x7F) << 8) | (uint)(Attribute & 0x7F);
                break;
            case 0xD or 0xE:
                destination[0] = w0;
                destination[1] = Value;
                break;
            default:
                destination[0] = w0 | ((uint)(Index & 0x7F) << 8) | (uint)(Index2 & 0x3);
                destination[1] = 0;
                break;
        }
    }

    // Factories for the messages the control code and tests make most; every other kind is an object initialiser.
    public static UmpMessage Midi1ControlChange(int group, int channel, int controller, int value) =>
        new() { Kind = UmpKind.Midi1ControlChange, Group = (byte)group, Channel = (byte)channel, Index = (byte)controller, Index2 = (byte)value };

    public static UmpMessage ControlChange(int group, int channel, int controller, uint value) =>
        new() { Kind = UmpKind.ControlChange, Group = (byte)group, Channel = (byte)channel, Index = (byte)controller, Value = value };

    public static UmpMessage RegisteredController(int group, int channel, int bank, int index, uint value) =>
        new() { Kind = UmpKind.RegisteredController, Group = (byte)group, Channel = (byte)channel, Index = (byte)bank, Index2 = (byte)index, Value = value };

    public static UmpMessage AssignableController(int group, int channel, int bank, int index, uint value) =>
        new() { Kind = UmpKind.AssignableController, Group = (byte)group, Channel = (byte)channel, Index = (byte)bank, Index2 = (byte)index, Value = value };

    public static UmpMessage PitchBend(int group, int channel, uint value) =>
        new() { Kind = UmpKind.PitchBend, Group = (byte)group, Channel = (byte)channel, Value = value };

    public static UmpMessage NoteOn(int group, int channel, int note, ushort velocity) =>
        new() { Kind = UmpKind.NoteOn, Group = (byte)group, Channel = (byte)channel, Index = (byte)note, Value = velocity };

    public static UmpMessage NoteOff(int group, int channel, int note, ushort velocity) =>
        new() { Kind = UmpKind.NoteOff, Group = (byte)group, Channel = (byte)channel, Index = (byte)note, Value = velocity };

    public static UmpMessage System(UmpKind kind, int group = 0) => new() { Kind = kind, Group = (byte)group };
}
