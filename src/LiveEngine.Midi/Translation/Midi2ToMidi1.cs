using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Translation;

/// <summary>
/// MIDI 2.0 protocol UMP (MT 0x4) to MIDI 1.0 protocol UMP (MT 0x2), per M2-104-UM appendix D.2: values are scaled down
/// by a plain shift; a Note On whose velocity scales to 0 is sent with velocity 1 (0 would mean Note Off); a Program
/// Change with a bank becomes Bank Select MSB, LSB and Program Change; a Registered/Assignable Controller becomes the
/// CC 101/100 (99/98), 6, 38 sequence. Per-note and relative controllers and per-note management have no MIDI 1.0
/// form and are dropped; other message types pass through. Stateless; never allocates.
/// </summary>
public static class Midi2ToMidi1
{
    /// <summary>Writes the translation of <paramref name="message"/> into <paramref name="destination"/> (room for 4); returns how many.</summary>
    public static int Translate(in UmpMessage message, Span<UmpMessage> destination)
    {
        if (message.MessageType != 0x4)
        {
            destination[0] = message;
            return 1;
        }

        byte g = message.Group, c = message.Channel;
        switch (message.Kind)
        {
            case UmpKind.NoteOn:
                {
                    byte velocity = (byte)MidiScaling.ScaleDown(message.Value & 0xFFFF, 16, 7);
                    destination[0] = Voice(UmpKind.Midi1NoteOn, g, c, message.Index, velocity == 0 ? (byte)1 : velocity);
                    return 1;
                }

            case UmpKind.NoteOff:
                destination[0] = Voice(UmpKind.Midi1NoteOff, g, c, message.Index, (byte)MidiScaling.ScaleDown(message.Value & 0xFFFF, 16, 7));
                return 1;
            case UmpKind.PolyPressure:
                destination[0] = Voice(UmpKind.Midi1PolyPressure, g, c, message.Index, (byte)MidiScaling.ScaleDown(message.Value, 32, 7));
                return 1;
            case UmpKind.ControlChange:
                destination[0] = Voice(UmpKind.Midi1ControlChange, g, c, message.Index, (byte)MidiScaling.ScaleDown(message.Value, 32, 7));
                return 1;
            case UmpKind.ChannelPressure:
                destination[0] = Voice(UmpKind.Midi1ChannelPressure, g, c, (byte)MidiScaling.ScaleDown(message.Value, 32, 7), 0);
                return 1;
            case UmpKind.PitchBend:
                destination[0] = new UmpMessage { Kind = UmpKind.Midi1PitchBend, Group = g, Channel = c, Value = MidiScaling.ScaleDown(message.Value, 32, 14) };
                return 1;
            case UmpKind.ProgramChange:
                {
                    int n = 0;
                    if ((message.Index2 & 1) != 0)
                    {
                        destination[n++] = Voice(UmpKind.Midi1ControlChange, g, c, 0, (byte)((message.Attribute >> 7) & 0x7F));
                        destination[n++] = Voice(UmpKind.Midi1ControlChange, g, c, 32, (byte)(message.Attribute & 0x7F));
                    }

                    destination[n++] = Voice(UmpKind.Midi1ProgramChange, g, c, message.Index, 0);
                    return n;
                }

            case UmpKind.RegisteredController or UmpKind.AssignableController:
                {
                    bool registered = message.Kind == UmpKind.RegisteredController;
                    uint value14 = MidiScaling.ScaleDown(message.Value, 32, 14);
                    destination[0] = Voice(UmpKind.Midi1ControlChange, g, c, registered ? (byte)101 : (byte)99, message.Index);
                    destination[1] = Voice(UmpKind.Midi1ControlChange, g, c, registered ? (byte)100 : (byte)98, message.Index2);
                    destination[2] = Voice(UmpKind.Midi1ControlChange, g, c, 6, (byte)(value14 >> 7));
                    destination[3] = Voice(UmpKind.Midi1ControlChange, g, c, 38, (byte)(value14 & 0x7F));
                    return 4;
                }

            default:
                return 0;
        }
    }

    private static UmpMessage Voice(UmpKind kind, byte group, byte channel, byte d1, byte d2) =>
        new() { Kind = kind, Group = group, Channel = channel, Index = d1, Index2 = d2 };
}
