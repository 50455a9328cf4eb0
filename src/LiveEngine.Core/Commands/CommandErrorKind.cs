namespace LiveEngine.Commands;

/// <summary>
/// Why a command was refused. The values are the engine protocol's error codes for the same refusal
/// (docs/engine-protocol.md), which adds codes of its own for frames and drivers.
/// </summary>
public enum CommandErrorKind : ushort
{
    /// <summary>The graph was refused (<see cref="Graph.GraphValidationException"/>); the message is the validator's.</summary>
    Validation = 3,

    /// <summary>An argument was refused: no such node or parameter, a value out of range, an invalid name (<see cref="ArgumentException"/>).</summary>
    Argument = 4,

    /// <summary>It cannot be done now: a queue is full, no sample library (<see cref="InvalidOperationException"/>).</summary>
    InvalidState = 5,

    /// <summary>A bug: something else was thrown.</summary>
    Internal = 8,
}
