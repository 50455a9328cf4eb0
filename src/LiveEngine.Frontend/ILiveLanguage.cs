using LiveEngine.Languages;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>
/// A live-coding language as the front end sees it: Lua and C# each come with an adapter. A language is bound
/// to one session when it is made; it evaluates code on its own thread (never the audio path), runs its
/// scheduled callbacks ahead of the audio position when pumped, and completes identifiers for the REPL and the
/// editor socket.
/// </summary>
public interface ILiveLanguage : IDisposable
{
    /// <summary>The name used in modes, the socket and the session log: <c>lua</c>, <c>cs</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Evaluates <paramref name="code"/> (named <paramref name="source"/> in errors); commits the code makes
    /// without a time of their own land at <paramref name="quantize"/>. Never throws for a mistake in the code:
    /// the error is in the result.
    /// </summary>
    Task<Evaluation> EvaluateAsync(string code, string source, Quantization quantize, CancellationToken cancellationToken = default);

    /// <summary>False while <paramref name="code"/> is an unfinished construct (an open block, string or bracket): the REPL then reads another line.</summary>
    bool IsComplete(string code);

    /// <summary>Completions for the identifier that ends at <paramref name="position"/> in <paramref name="code"/>.</summary>
    IReadOnlyList<string> Complete(string code, int position);

    /// <summary>
    /// Runs the scheduled callbacks due before the look-ahead horizon after <paramref name="position"/>. Real time
    /// asks without waiting (<paramref name="wait"/> false); an offline render waits, so that every event is in
    /// place before its block renders.
    /// </summary>
    void Pump(long position, bool wait);

    /// <summary>Offers code a command of the host's (the performance offers <c>midi</c>: Lua <c>midi(cmd)</c>, C# <c>Midi(cmd)</c>).</summary>
    void AddHostCommand(string name, Func<string, string> command);

    /// <summary>
    /// Evaluates <paramref name="code"/> as a piece loaded in place of the one playing (the REPL's <c>:load</c>):
    /// as <see cref="EvaluateAsync"/>, and if it succeeds the callbacks that ran before it stop where its graph
    /// lands (now, if it commits none); the result's <see cref="Evaluation.CommitSample"/> says where. If it fails,
    /// the old piece plays on.
    /// </summary>
    Task<Evaluation> LoadAsync(string code, string source, Quantization quantize, CancellationToken cancellationToken = default);

    /// <summary>Stops every scheduled callback running now at <paramref name="sample"/>: those due before it still run (another piece's graph lands there).</summary>
    void StopAllAt(long sample);

    /// <summary>Stops every scheduled callback (the panic button).</summary>
    void StopAll();

    /// <summary>
    /// The node types this language's code defined, as source a piece of this language can hold: type name →
    /// the latest definition that evaluated without error. <c>:save</c> writes them beside the graph, so that the
    /// saved piece renders without this session. Empty for a language that defines no node types.
    /// </summary>
    IReadOnlyDictionary<string, string> NodeSources { get; }

    /// <summary>
    /// A whole piece in this language that defines <paramref name="nodeTypes"/> (names from
    /// <see cref="NodeSources"/>) and commits <paramref name="graphJson"/> at once; null if the language cannot.
    /// </summary>
    string? WritePiece(IReadOnlyCollection<string> nodeTypes, string graphJson);

    /// <summary>Raised for errors and notices from scheduled callbacks (on the pumping thread).</summary>
    event Action<string>? Diagnostics;
}
