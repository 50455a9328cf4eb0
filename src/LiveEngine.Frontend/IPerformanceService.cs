using LiveEngine.Languages;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>
/// What a client of a performance can ask of it: the REPL's prompt asks it of the <see cref="Performance"/> it
/// hosts, or, attached to a running <c>liveengine serve</c>, of that server's performance through the editor socket
/// (<see cref="Rpc.EditorSocketService"/>). Commands that take no time of their own land at <c>when</c>.
/// </summary>
public interface IPerformanceService
{
    IReadOnlyCollection<string> LanguageNames { get; }

    /// <summary>The node types code can use (for completion and colouring).</summary>
    IReadOnlyList<string> NodeTypeNames { get; }

    /// <summary>True when the engine plays in an engine process that outlives this client (so <c>:detach</c> can leave it playing).</summary>
    bool PlaysInEngineProcess { get; }

    /// <summary>Errors and events for the performer: failing callbacks, faulted nodes, xruns, a stopped server.</summary>
    event Action<Notice>? Notices;

    /// <summary>Shows the performer a notice.</summary>
    void Notify(NoticeLevel level, string source, string message);

    /// <summary>False when <paramref name="code"/> in <paramref name="language"/> is unfinished (an open block); true for an unknown language.</summary>
    bool IsComplete(string language, string code);

    /// <summary>Completions for the identifier ending at <paramref name="position"/>; none for an unknown language.</summary>
    IReadOnlyList<string> Complete(string language, string code, int position);

    /// <summary>Evaluates code; logged. An unknown language or a mistake is an error result, not an exception.</summary>
    Task<Evaluation> EvaluateAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default);

    /// <summary><c>:load FILE</c>: replaces the piece playing with a .lua, .csx or .json file.</summary>
    Task<Evaluation> LoadAsync(string path, Quantization quantize, CancellationToken cancellationToken = default);

    /// <summary>The playing graph as text (<c>:graph</c>).</summary>
    string DescribeGraph();

    /// <summary>Block time, xruns, load and garbage collections as text (<c>:stats</c>).</summary>
    string DescribeStats();

    /// <summary>The named variables now.</summary>
    IReadOnlyList<KeyValuePair<string, double>> VariablesNow();

    /// <summary>The tempo playing now, in BPM.</summary>
    double TempoNow();

    /// <summary>Changes the tempo at <paramref name="when"/>; returns the sample. Logged.</summary>
    long SetTempo(Fraction bpm, Quantization when);

    /// <summary>Brings back the graph before the last commit; false when there is none. Logged.</summary>
    bool Undo(Quantization when);

    /// <summary>Every callback stops and the graph fades to silence now. Logged.</summary>
    void Panic();

    /// <summary>
    /// The transport (<c>:stop</c>, <c>:play</c>): stopped, the output is silent from the next block and the clock holds;
    /// played, it resumes where it held. Returns the position where it holds or resumes. Logged.
    /// </summary>
    long SetTransport(bool playing);

    /// <summary>A MIDI command, as <c>:midi</c> takes it (docs/midi.md); returns the answer as text.</summary>
    string MidiCommand(string command);

    /// <summary><c>:link [on|off]</c> (docs/link.md): turns Ableton Link on or off and returns the status line; throws the reason where it cannot run.</summary>
    string LinkCommand(string argument);

    /// <summary><c>:save FILE</c>: writes the latest graph; returns what was written.</summary>
    string Save(string path);
}
