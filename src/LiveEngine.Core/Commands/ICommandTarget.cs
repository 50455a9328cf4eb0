namespace LiveEngine.Commands;

/// <summary>
/// Something that executes <see cref="ILiveCommand"/>s: a session in this process, the engine in another one, or
/// the engine's in-process host. Errors are exceptions of one model (<see cref="CommandFailure"/>): a refused graph
/// is <see cref="Graph.GraphValidationException"/>, a refused argument <see cref="ArgumentException"/>, a state
/// that does not allow it <see cref="InvalidOperationException"/>, each with the session's precise message.
/// </summary>
public interface ICommandTarget
{
    /// <summary>Executes <paramref name="command"/>; generic over the command's struct type so that nothing is boxed.</summary>
    CommandReceipt Execute<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand;
}
