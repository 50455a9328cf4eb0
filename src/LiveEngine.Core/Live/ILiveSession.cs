using LiveEngine.Commands;
using LiveEngine.Control;
using LiveEngine.Graph;
using LiveEngine.Time;

namespace LiveEngine.Live;

/// <summary>
/// What code driving a performance (Lua, C#, MIDI bindings, the REPL and the editor socket) needs of a session,
/// whether the session renders in this process (<see cref="LiveSession"/>) or in the engine process, where a
/// remote session carries every command there and mirrors the clock: it executes commands
/// (<see cref="ICommandTarget"/>, with one typed helper per command in <see cref="CommandTargetExtensions"/>) and
/// reads the session's state. Errors are exceptions with the session's precise message (<see cref="CommandFailure"/>).
/// Control side only; calls may come from any control thread.
/// </summary>
public interface ILiveSession : ICommandTarget
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

    /// <summary>Housekeeping for a control thread to call every few milliseconds.</summary>
    void Maintain();

    /// <summary>Nodes of the playing graph that threw in Process and were silenced.</summary>
    IReadOnlyList<NodeFaultReport> Faults();
}

/// <summary>A node silenced because its Process threw (or stalled): its id, type and what it threw, in words.</summary>
public sealed record NodeFaultReport(string NodeId, string TypeName, string Message);
