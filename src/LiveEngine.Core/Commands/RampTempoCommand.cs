using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>
/// Ramps the tempo linearly to <paramref name="Bpm"/> over <paramref name="LengthBeats"/> beats (counted at the tempo
/// before the ramp) from <paramref name="When"/>; the receipt has the sample it starts on and the one it ends on.
/// </summary>
public readonly record struct RampTempoCommand(Fraction Bpm, Fraction LengthBeats, Quantization When) : ILiveCommand
{
    public CommandKind Kind => CommandKind.RampTempo;
}
