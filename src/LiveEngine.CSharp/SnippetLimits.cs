namespace LiveEngine.CSharp;

/// <summary>
/// What a C# snippet's own code may spend: one evaluation's top-level code, and one <see cref="LiveGlobals.EveryBar"/>
/// callback. A snippet past a limit is stopped with a <see cref="SnippetStoppedException"/> naming the line, and the
/// workspace stays usable. Node classes are not covered: their <c>Process</c> runs on the audio thread under
/// admission's own checks (<see cref="AdmissionOptions"/>).
/// </summary>
public sealed record SnippetLimits
{
    /// <summary>
    /// Wall-clock time one evaluation's code may run (compiling and admitting node classes are not counted; a call
    /// into the engine, such as a commit, is). Default 50 ms, so that a runaway loop is reported within 100 ms of
    /// pressing Enter, compile time included.
    /// </summary>
    public TimeSpan EvaluationTimeout { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Wall-clock time one scheduled callback may run; a stopped callback is disabled. Default 200 ms: a callback
    /// runs ahead of the audio, where a loaded machine (or the first call's JIT) must not stop a healthy one.
    /// </summary>
    public TimeSpan CallbackTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The limits of a piece (a .csx file rendered or played): nothing waits on its evaluation in real time, so only
    /// a true runaway is stopped (10 s for the file, 1 s for a callback), never a healthy piece on a busy machine.
    /// </summary>
    public static SnippetLimits Piece { get; } = new() { EvaluationTimeout = TimeSpan.FromSeconds(10), CallbackTimeout = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// Stack that nested calls of a snippet's code may use before they are stopped as an endless recursion (a depth
    /// limit, in bytes: a few thousand calls of an ordinary function). Default 512 KB (a thread pool thread has 1.5 MB).
    /// </summary>
    public int StackBytes { get; init; } = 512 << 10;
}
