using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Translation;

/// <summary>
/// MIDI 1.0 protocol UMP (MT 0x2) to MIDI 2.0 protocol UMP (MT 0x4), per M2-104-UM appendix D.3: values are scaled up
/// min-center-max (<see cref="MidiScaling"/>); a Note On with velocity 0 becomes a Note Off; Bank Select (CC 0/32)
/// followed by Program Change becomes one Program Change with the bank; an RPN/NRPN sequence (CC 101/100 or 99/98,
/// then Data Entry 6 and 38) becomes one Registered/Assignable Controller message when the Data Entry LSB arrives;
/// the null RPN (127/127) deselects. Every other message passes through unchanged; NOOP is dropped. State is kept per
/// group and channel. Never allocates.
/// Design: as AM_MIDI2.0Lib's ump_to_midi2, except that Note On velocity 0 becomes Note Off (the translation
/// appendix's rule) where that library keeps a Note On with velocity 0.
/// </summary>
public sealed class Midi1ToMidi2
{
    private const byte Unset = 0xFF;

    private readonly ChannelState[] _channels = new ChannelState[256];

    public Midi1ToMidi2() => Reset();

    /// <summary>Forgets bank selections and parameter numbers.</summary>
    public void Reset()
    {
        for (int i = 0; i < _channels.Length; i++)
        {
            _channels[i] = new ChannelState { BankMsb = Unset, BankLsb = Unset, ParameterMsb = Unset, ParameterLsb = Unset, DataMsb = Unset };
        }
    }

    public void Translate<TSink>(in UmpMessage message, ref TSink sink)
        where TSink : IUmpSink
    {
        if (message.MessageType != 0x2)
        {
            if (message.Kind != UmpKind.Noop)
            {
                sink.OnMessage(message);
            }

            return;
        }

        ref ChannelState state = ref _channels[(message.Group << 4) | message.Channel];
        byte group = message.Group, channel = message.Channel;
        switch (message.Kind)
        {
            case UmpKind.Midi1NoteOn when message.Index2 == 0:
                sink.OnMessage(new UmpMessage { Kind = UmpKind.NoteOff, Group = group, Channel = channel, Index = message.Index });
                break;
            case UmpKind.Midi1NoteOn or UmpKind.Midi1NoteOff:
                sink.OnMessage(new UmpMessage
                {
                    Kind = message.Kind == UmpKind.Midi1NoteOn ? UmpKind.NoteOn : UmpKind.NoteOff,
                    Group = group,
                    Channel = channel,
                    Index = message.Index,
                    Value = MidiScaling.ScaleUp(message.Index2, 7, 16),
                });
                break;
            case UmpKind.Midi1PolyPressure:
                sink.OnMessage(new UmpMessage { Kind = UmpKind.PolyPressure, Group = group, Channel = channel, Index = message.Index, Value = MidiScaling.ScaleUp(message.Index2, 7, 32) });
                break;
            case UmpKind.Midi1ChannelPressure:
                sink.OnMessage(new UmpMessage { Kind = UmpKind.ChannelPressure, Group = group, Channel = channel, Value = MidiScaling.ScaleUp(message.Index, 7, 32) });
                break;
            case UmpKind.Midi1PitchBend:
                sink.OnMessage(new UmpMessage { Kind = UmpKind.PitchBend, Group = group, Channel = channel, Value = MidiScaling.ScaleUp(message.Value, 14, 32) });
                break;
            case UmpKind.Midi1ProgramChange:
                {
                    bool bankValid = state.BankMsb != Unset && state.BankLsb != Unset;
                    sink.OnMessage(new UmpMessage
                    {
                        Kind = UmpKind.ProgramChange,
                        Group = group,
                        Channel = channel,
                        Index = message.Index,
                        Index2 = bankValid ? (byte)1 : (byte)0,
                        Attribute = bankValid ? (ushort)((state.BankMsb << 7) | state.BankLsb) : (ushort)0,
                    });
                    break;
                }

            case UmpKind.Midi1ControlChange:
                ControlChange(ref state, message, ref sink);
                break;
        }
    }

    private static void ControlChange<TSink>(ref ChannelState state, in UmpMessage message, ref TSink sink)
        where TSink : IUmpSink
    {
        byte value = message.Index2;
        switch (message.Index)
        {
            case 0:
                state.BankMsb = value;
                return;
            case 32:
                state.BankLsb = value;
                return;
            case 99 or 101:
                state.Registered = message.Index == 101;
                state.ParameterMsb = value;
                state.DataMsb = Unset;
                return;
            case 98 or 100:
                state.Registered = message.Index == 100;
                state.ParameterLsb = value;
                state.DataMsb = Unset;
                return;
            case 6 when HasParameter(state):
                state.DataMsb = value;
                return;
            case 38 when HasParameter(state) && state.DataMsb != Unset:
                sink.OnMessage(new UmpMessage
                {
                    Kind = state.Registered ? UmpKind.RegisteredController : UmpKind.AssignableController,
                    Group = message.Group,
                    Channel = message.Channel,
                    Index = state.ParameterMsb,
                    Index2 = state.ParameterLsb,
                    Value = MidiScaling.ScaleUp((uint)((state.DataMsb << 7) | value), 14, 32),
                });
                return;
            case 6 or 38:
                // Data Entry with no parameter selected (or the null RPN) has nothing to address.
                return;
            default:
                sink.OnMessage(new UmpMessage { Kind = UmpKind.ControlChange, Group = message.Group, Channel = message.Channel, Index = message.Index, Value = MidiScaling.ScaleUp(value, 7, 32) });
                return;
        }
    }

    private static bool HasParameter(in ChannelState state) =>
        state.ParameterMsb != Unset && state.ParameterLsb != Unset && !(state.ParameterMsb == 0x7F && state.ParameterLsb == 0x7F);

    private struct ChannelState
    {
        public byte BankMsb;
        public byte BankLsb;
        public byte ParameterMsb;
        public byte ParameterLsb;
        public byte DataMsb;
        public bool Registered;
    }
}
