namespace LiveEngine.Midi.Control;

/// <summary>What a controller slot listens to.</summary>
public enum ControlSourceKind
{
    /// <summary>Control Change; index = controller number 0–127.</summary>
    ControlChange,

    /// <summary>Registered parameter (RPN); index = bank × 128 + index (MSB × 128 + LSB).</summary>
    Rpn,

    /// <summary>Non-registered parameter (NRPN); index = bank × 128 + index.</summary>
    Nrpn,

    /// <summary>Registered or assignable per-note controller; index = note × 256 + controller index.</summary>
    PerNoteController,

    /// <summary>Channel pitch bend; index unused.</summary>
    PitchBend,

    /// <summary>Per-note pitch bend; index = note.</summary>
    PerNotePitchBend,

    /// <summary>Channel pressure; index unused.</summary>
    ChannelPressure,

    /// <summary>Polyphonic (key) pressure; index = note.</summary>
    PolyPressure,

    /// <summary>Program change; the program number is the value (used to switch banks).</summary>
    ProgramChange,
}
