namespace LiveEngine.Commands;

/// <summary>
/// Moves a bound controller lane to a normalised position (0..1): at <paramref name="AtSample"/> when it is not
/// negative, else at its <paramref name="ArrivalTimestamp"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp,
/// 0: now) plus the session's constant controller latency (docs/midi.md, "Timing"). The receipt has the sample it lands on.
/// </summary>
public readonly record struct MoveControllerCommand(int Lane, double Position, long AtSample = -1, long ArrivalTimestamp = 0) : ILiveCommand
{
    public CommandKind Kind => CommandKind.MoveController;
}
