using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Translation;

/// <summary>
/// MIDI 1.0 protocol UMP (MT 0x1 system, MT 0x2 voice, MT 0x3 SysEx7) to the MIDI 1.0 byte stream, without running
/// status (every message carries its status byte, which is what a receiver joining mid-stream needs). Other message
/// types have no byte form: translate MIDI 2.0 voice messages with <see cref="Midi2ToMidi1"/> first. Never allocates.
/// </summary>
public static class UmpToMidi1Bytes
{
    /// <summary>Writes the bytes of <paramref name="message"/> (at most 8) into <paramref name="destination"/>; returns how many.</summary>
    public static int Write(in UmpMessage message, Span<byte> destination)
    {
        int status = (int)message.Kind & 0xFF;
        switch (message.MessageType)
        {
            case 0x1:
                destination[0] = (byte)status;
                switch (message.Kind)
                {
                    case UmpKind.MidiTimeCode or UmpKind.SongSelect:
                        destination[1] = (byte)(message.Index & 0x7F);
                        return 2;
                    case UmpKind.SongPositionPointer:
                        destination[1] = (byte)(message.Value & 0x7F);
                        destination[2] = (byte)((message.Value >> 7) & 0x7F);
                        return 3;
                    default:
                        return 1;
                }

            case 0x2:
                destination[0] = (byte)((status << 4) | (message.Channel & 0xF));
                switch (message.Kind)
                {
                    case UmpKind.Midi1ProgramChange or UmpKind.Midi1ChannelPressure:
                        destination[1] = (byte)(message.Index & 0x7F);
                        return 2;
                    case UmpKind.Midi1PitchBend:
                        destination[1] = (byte)(message.Value & 0x7F);
                        destination[2] = (byte)((message.Value >> 7) & 0x7F);
                        return 3;
                    default:
                        destination[1] = (byte)(message.Index & 0x7F);
                        destination[2] = (byte)(message.Index2 & 0x7F);
                        return 3;
                }

            case 0x3:
                {
                    int n = 0;
                    if (message.Kind is UmpKind.SysEx7Complete or UmpKind.SysEx7Start)
                    {
                        destination[n++] = 0xF0;
                    }

                    for (int i = 0; i < message.Length && i < 6; i++)
                    {
                        destination[n++] = (byte)(message.PayloadByte(i) & 0x7F);
                    }

                    if (message.Kind is UmpKind.SysEx7Complete or UmpKind.SysEx7End)
                    {
                        destination[n++] = 0xF7;
                    }

                    return n;
                }

            default:
                return 0;
        }
    }
}
