namespace LiveEngine.Commands;

/// <summary>
/// Stops the transport (<paramref name="Playing"/> false: the output is silent from the next block and the clock
/// holds) or starts it again (true: rendering resumes where it held). Not quantised: it takes effect at the next block.
/// The receipt has the position where the clock holds or resumes.
/// </summary>
public readonly record struct TransportCommand(bool Playing) : ILiveCommand
{
    public CommandKind Kind => CommandKind.Transport;
}
