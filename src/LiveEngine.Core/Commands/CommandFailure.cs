using LiveEngine.Graph;

namespace LiveEngine.Commands;

/// <summary>
/// The one error model of commands: a refusal is an exception of one of three types with the session's precise
/// message, and crosses a process boundary as its <see cref="CommandErrorKind"/> and that message, to be thrown again
/// as the same type on the other side (code written against an in-process session handles a remote one alike).
/// </summary>
public static class CommandFailure
{
    /// <summary>The kind of a refusal that <paramref name="exception"/> stands for.</summary>
    public static CommandErrorKind KindOf(Exception exception) => exception switch
    {
        GraphValidationException => CommandErrorKind.Validation,
        ArgumentException => CommandErrorKind.Argument,
        InvalidOperationException => CommandErrorKind.InvalidState,
        _ => CommandErrorKind.Internal,
    };

    /// <summary>The exception of <paramref name="kind"/> with <paramref name="message"/>, as the session would have thrown it.</summary>
    public static Exception Create(CommandErrorKind kind, string message, Exception? inner = null) => kind switch
    {
        CommandErrorKind.Validation => new GraphValidationException([new GraphError(GraphErrorKind.Engine, message)]),
        CommandErrorKind.Argument => new ArgumentException(message, inner),
        _ => new InvalidOperationException(message, inner),
    };
}
