using LiveEngine.Live;

namespace LiveEngine.Control;

/// <summary>
/// A piece of live code (a Lua or C# script) driven against a session: <see cref="Start"/> runs its top level
/// (which builds the graph and starts its scheduled callbacks); the host then calls <see cref="Pump"/> from a
/// control thread as the audio side advances, and the piece runs every callback whose musical time falls before
/// the look-ahead horizon, emitting events stamped with exact musical times. An offline render pumps before every
/// block, so its output does not depend on how fast the script runs; a real-time host pumps every few ms.
/// Errors in the script are reported through <see cref="Diagnostics"/>; they never stop the session.
/// </summary>
public interface ILivePiece : IDisposable
{
    /// <summary>How far ahead of the audio position callbacks run, in samples.</summary>
    long LookaheadSamples { get; }

    /// <summary>Runs the piece's top level against <paramref name="session"/>. Throws if the top level fails (with the chunk name and line).</summary>
    void Start(ILiveSession session);

    /// <summary>Runs the callbacks due before <paramref name="position"/> + <see cref="LookaheadSamples"/>.</summary>
    void Pump(long position);

    /// <summary>Raised for each error or notice the piece produces after <see cref="Start"/> (a failing callback, say).</summary>
    event Action<string>? Diagnostics;
}
