using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Control;

/// <summary>The concrete source of one received message (a value, so that matching allocates nothing).</summary>
internal readonly record struct ControlSourceKey(ControlSourceKind Kind, int Group, int Channel, int Index);

/// <summary>
/// Where a controller value comes from: a kind, a group and channel (−1 = any), and an index whose meaning depends on
/// the kind (<see cref="ControlSourceKind"/>). Serialises as JSON with the binding.
/// </summary>
public sealed record ControlSource(ControlSourceKind Kind, int Group = -1, int Channel = -1, int Index = 0)
{
    /// <summary>
    /// The source and the normalised value (0..1) of a MIDI 2.0 protocol message, or false if the message is not a
    /// controller (notes, system, SysEx...). Relative controllers are not sources: they carry a delta, not a value.
    /// For Program Change the value is the program number.
    /// </summary>
    public static bool TryFromMessage(in UmpMessage message, out ControlSource? source, out double normalized)
    {
        if (!TryGetKey(message, out ControlSourceKey key, out normalized))
        {
            source = null;
            return false;
        }

        source = new ControlSource(key.Kind, key.Group, key.Channel, key.Index);
        return true;
    }

    /// <summary>As <see cref="TryFromMessage"/>, without allocating: the hot path of every controller move.</summary>
    internal static bool TryGetKey(in UmpMessage message, out ControlSourceKey key, out double normalized)
    {
        normalized = Normalize(message.Value);
        (ControlSourceKind Kind, int Index) found;
        switch (message.Kind)
        {
            case UmpKind.ControlChange:
                found = (ControlSourceKind.ControlChange, message.Index);
                break;
            case UmpKind.RegisteredController:
                found = (ControlSourceKind.Rpn, (message.Index << 7) | message.Index2);
                break;
            case UmpKind.AssignableController:
                found = (ControlSourceKind.Nrpn, (message.Index << 7) | message.Index2);
                break;
            case UmpKind.RegisteredPerNoteController or UmpKind.AssignablePerNoteController:
                found = (ControlSourceKind.PerNoteController, (message.Index << 8) | message.Index2);
                break;
            case UmpKind.PitchBend:
                found = (ControlSourceKind.PitchBend, 0);
                break;
            case UmpKind.PerNotePitchBend:
                found = (ControlSourceKind.PerNotePitchBend, message.Index);
                break;
            case UmpKind.ChannelPressure:
                found = (ControlSourceKind.ChannelPressure, 0);
                break;
            case UmpKind.PolyPressure:
                found = (ControlSourceKind.PolyPressure, message.Index);
                break;
            case UmpKind.ProgramChange:
                found = (ControlSourceKind.ProgramChange, 0);
                normalized = message.Index;
                break;
            default:
                key = default;
                normalized = 0;
                return false;
        }

        key = new ControlSourceKey(found.Kind, message.Group, message.Channel, found.Index);
        return true;
    }

    /// <summary>True if a message from <paramref name="other"/> (a concrete group and channel) drives this source.</summary>
    public bool Matches(ControlSource other) =>
        Matches(new ControlSourceKey(other.Kind, other.Group, other.Channel, other.Index));

    internal bool Matches(in ControlSourceKey other) =>
        Kind == other.Kind && Index == other.Index && (Group < 0 || Group == other.Group) && (Channel < 0 || Channel == other.Channel);

    /// <summary>A 32-bit MIDI 2.0 value as 0..1 (0 and 0xFFFFFFFF are exact; the center 0x80000000 is 0.5 + 2⁻³³).</summary>
    public static double Normalize(uint value) => value / (double)uint.MaxValue;

    public override string ToString() =>
        $"{Kind} {Index} (group {(Group < 0 ? "any" : Group)}, channel {(Channel < 0 ? "any" : Channel + 1)})";
}
