namespace LiveEngine.Midi.Control;

/// <summary>The saved form of a <see cref="MidiControl"/>: banks, their bindings, the active bank and the bank-switch source (JSON).</summary>
public sealed record MidiControlState(IReadOnlyList<MidiControlState.Bank> Banks, int ActiveBank, ControlSource? BankSwitch)
{
    /// <summary>One bank: its name, size and the occupied slots.</summary>
    public sealed record Bank(string Name, int Size, IReadOnlyList<Slot> Slots);

    /// <summary>An occupied slot.</summary>
    public sealed record Slot(int Index, ControllerBinding Binding);
}
