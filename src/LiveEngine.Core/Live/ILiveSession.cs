using LiveEngine.Control;
using LiveEngine.Graph;
using LiveEngine.Time;

namespace LiveEngine.Live;

/// <summary>
/// What code driving a performance (Lua, C#, MIDI bindings, the REPL and the editor socket) needs of a session,
/// whether the session renders in this process (<see cref="LiveSession"/>) or in the engine process, where a
/// remote session forwards every call and mirrors the clock. Errors are exceptions with the session's precise
/// message. Control side only; calls may come from any control thread.
/// </summary>
public interface ILiveSession
{
    /// <summary>Stream format, tempo and seed.</summary>
    LiveSessionOptions Options { get; }

    /// <summary>Tempo, meter and beat/bar positions (a mirror of the engine's for a remote session).</summary>
    TempoMap Clock { get; }

    /// <summary>Named variables that code reads and controllers, the REPL and the socket write.</summary>
    NamedVariables Variables { get; }

    /// <summary>The latest committed graph (it may not have landed yet), as a copy.</summary>
    GraphDescription Graph { get; }

    /// <summary>Commits that can be undone.</summary>
    int UndoDepth { get; }

    /// <summary>The audio side's position in frames: what it has rendered (for a remote session an estimate: the last position the engine reported plus the time since, at most half a second past it, never going back).</summary>
    long Position { get; }

    /// <summary>Channels of the graph's output.</summary>
    int OutputChannels { get; }

    /// <summary>Validates, compiles and schedules <paramref name="graph"/> to land at <paramref name="when"/>.</summary>
    CommitReceipt Commit(GraphDescription graph, Quantization when);

    /// <summary>Commits an edit of the latest graph: <paramref name="change"/> gets a copy to modify.</summary>
    CommitReceipt Edit(Action<GraphDescription> change, Quantization when);

    /// <summary>Brings back the graph before the last commit at <paramref name="when"/>; false if there is nothing to undo.</summary>
    bool TryUndo(Quantization when, out long sample);

    /// <summary>Sets a parameter at an exact musical time; returns the sample it lands on.</summary>
    long SetParameter(string nodeId, string parameter, double value, Quantization when);

    /// <summary>Binds (or frees) a controller lane in the engine: mapping, smoothing and soft takeover run there, per sample (<see cref="LiveSession.BindController"/>).</summary>
    void BindController(ControllerLane lane);

    /// <summary>Moves a bound controller lane to a normalised position; returns the sample it lands on (<see cref="LiveSession.MoveController"/>).</summary>
    long MoveController(int lane, double position, long atSample = -1, long arrivalTimestamp = 0);

    /// <summary>Sets <paramref name="parameter"/> to <paramref name="on"/> at <paramref name="when"/> and back to <paramref name="off"/> <paramref name="lengthBeats"/> later.</summary>
    (long OnSample, long OffSample) Trigger(string nodeId, Quantization when, Fraction lengthBeats, string parameter = "gate", double on = 1, double off = 0);

    /// <summary>Changes the tempo (and the meter when <paramref name="beatsPerBar"/> is given) at <paramref name="when"/>; returns the sample.</summary>
    long SetTempo(Fraction bpm, Quantization when, int? beatsPerBar = null);

    /// <summary>Ramps the tempo linearly to <paramref name="bpm"/> over <paramref name="lengthBeats"/> beats from <paramref name="when"/>; returns the sample it starts on.</summary>
    long RampTempo(Fraction bpm, Fraction lengthBeats, Quantization when);

    /// <summary>Housekeeping for a control thread to call every few milliseconds.</summary>
    void Maintain();

    /// <summary>Nodes of the playing graph that threw in Process and were silenced.</summary>
    IReadOnlyList<NodeFaultReport> Faults();
}

/// <summary>A scheduled commit: its sequence number and the sample it lands on.</summary>
public readonly record struct CommitReceipt(long Id, long CommitSample);

/// <summary>A node silenced because its Process threw (or stalled): its id, type and what it threw, in words.</summary>
public sealed record NodeFaultReport(string NodeId, string TypeName, string Message);

/// <summary>
/// A session whose engine runs in another process: compiled user node classes (C# <c>UserNode</c>s) must be
/// shipped to it as assembly bytes and admitted there before a graph can use them.
/// </summary>
public interface IRemoteNodeHost
{
    /// <summary>Admits the node classes of <paramref name="image"/> in the engine; returns their type names, or throws with the engine's rejection.</summary>
    IReadOnlyList<string> AdmitNodes(ReadOnlySpan<byte> image, ReadOnlySpan<byte> pdb);
}
