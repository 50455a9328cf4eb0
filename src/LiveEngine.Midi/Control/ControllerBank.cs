namespace LiveEngine.Midi.Control;

/// <summary>A named bank of controller slots (32 by default); a slot is empty (null) or holds a binding.</summary>
public sealed class ControllerBank
{
    public const int DefaultSize = 32;

    public ControllerBank(string name, int size = DefaultSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 1024);
        Name = name;
        Slots = new ControllerBinding?[size];
    }

    public string Name { get; }

    /// <summary>The slots; index = slot number.</summary>
    public ControllerBinding?[] Slots { get; }
}
