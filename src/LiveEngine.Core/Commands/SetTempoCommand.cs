using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>Changes the tempo (and the meter when <paramref name="BeatsPerBar"/> is given) at <paramref name="When"/>; the receipt has the sample.</summary>
public readonly record struct SetTempoCommand(Fraction Bpm, Quantization When, int? BeatsPerBar = null) : ILiveCommand
{
    public CommandKind Kind => CommandKind.SetTempo;
}
