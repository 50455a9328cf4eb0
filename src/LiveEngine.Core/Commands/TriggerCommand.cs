using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>
/// Sets <paramref name="Parameter"/> to <paramref name="On"/> at <paramref name="When"/> and back to
/// <paramref name="Off"/> <paramref name="LengthBeats"/> later (note on, note off); the receipt has both samples.
/// </summary>
public readonly record struct TriggerCommand(string NodeId, string Parameter, Quantization When, Fraction LengthBeats, double On = 1, double Off = 0) : ILiveCommand
{
    public CommandKind Kind => CommandKind.Trigger;
}
