namespace LiveEngine.Frontend;

/// <summary>
/// The stream of notices of one performance: every part (the languages, MIDI, the engine supervisor) posts here,
/// and every client (the REPL's prompt, the editor socket's connections, the server's log) reads from here.
/// </summary>
public sealed class NoticeBoard
{
    /// <summary>Errors and events for the performer: failing callbacks, faulted nodes, xruns, a stopped server.</summary>
    public event Action<Notice>? Posted;

    /// <summary>Shows the performer a notice; any thread.</summary>
    public void Raise(NoticeLevel level, string source, string message) =>
        Posted?.Invoke(new Notice(level, source, message, DateTimeOffset.UtcNow));
}
