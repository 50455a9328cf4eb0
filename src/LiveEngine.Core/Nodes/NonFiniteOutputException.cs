namespace LiveEngine.Nodes;

/// <summary>
/// What a faulted node holds when it was silenced for writing NaN or infinity rather than for throwing. Never
/// thrown: each snapshot with untrusted nodes makes one when it is compiled, and the audio path only stores it.
/// </summary>
public sealed class NonFiniteOutputException() : ArithmeticException("Process wrote NaN or infinity to an output");
