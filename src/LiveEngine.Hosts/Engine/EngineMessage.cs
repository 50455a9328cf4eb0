namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Message types of the engine protocol (docs/engine-protocol.md). A reply carries the request's type with
/// <see cref="ReplyFlag"/> set, or <see cref="Error"/>.
/// </summary>
public enum EngineMessage : ushort
{
    Hello = 1,
    Commit = 2,
    SetParameter = 3,
    Trigger = 4,
    SetTempo = 5,
    Undo = 6,
    SetVariable = 7,
    GetClock = 8,
    GetGraph = 9,
    GetStats = 10,
    SwitchDriver = 11,
    Shutdown = 12,
    RampTempo = 13,
    AdmitNodes = 14,
    LoadSample = 15,
    BindController = 16,
    MoveController = 17,
    GetScope = 18,
    GetProbe = 19,
    Link = 20,
    GetProfile = 21,
    Transport = 22,

    /// <summary>Set in every successful reply's type: <c>Ok(Commit)</c> is <c>0x8002</c>.</summary>
    ReplyFlag = 0x8000,

    /// <summary>The reply to any request that failed: an <see cref="EngineErrorCode"/> and the precise message.</summary>
    Error = 0xFFFF,
}

/// <summary>Why a request failed.</summary>
public enum EngineErrorCode : ushort
{
    /// <summary>The frame or its payload could not be read (too short, trailing bytes, bad UTF-8, bad length).</summary>
    Malformed = 1,

    /// <summary>No such message type.</summary>
    UnknownMessage = 2,

    /// <summary>The graph was refused (GraphValidationException, invalid JSON); the message is the validator's.</summary>
    Validation = 3,

    /// <summary>An argument was refused: no such node or parameter, a value out of range, an invalid name.</summary>
    Argument = 4,

    /// <summary>The engine cannot do it now (a queue is full, nothing to undo is not an error but this is).</summary>
    InvalidState = 5,

    /// <summary>A driver could not be started; the engine plays on the null driver.</summary>
    Driver = 6,

    /// <summary>The client speaks another protocol version.</summary>
    VersionMismatch = 7,

    /// <summary>A bug in the engine; the message says what was thrown.</summary>
    Internal = 8,
}
