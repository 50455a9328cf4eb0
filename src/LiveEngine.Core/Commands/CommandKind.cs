namespace LiveEngine.Commands;

/// <summary>
/// What a command does. The values are the engine protocol's message types for the same request
/// (docs/engine-protocol.md), so the wire carries a command as its kind and its fields, nothing else.
/// </summary>
public enum CommandKind : ushort
{
    Commit = 2,
    SetParameter = 3,
    Trigger = 4,
    SetTempo = 5,
    Undo = 6,
    SetVariable = 7,
    RampTempo = 13,
    AdmitNodes = 14,
    LoadSample = 15,
    BindController = 16,
    MoveController = 17,
    Transport = 22,
}
