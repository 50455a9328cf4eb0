namespace LiveEngine.Commands;

/// <summary>
/// A change to a performance, as data: a commit, a parameter change, a tempo change... Every command is a
/// <c>readonly record struct</c>, so that a parameter change from a controller, 100 times a second, allocates nothing
/// on its way through a session, the engine protocol and the engine. <see cref="Live.LiveSession"/> is the only
/// implementation of what each one means; everything else (the engine client and server, the remote session) carries
/// it. <see cref="CommandTargetExtensions"/> has one typed helper per command.
/// </summary>
public interface ILiveCommand
{
    CommandKind Kind { get; }
}
