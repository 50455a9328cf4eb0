using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>Sets a parameter at an exact musical time; the receipt has the sample it lands on.</summary>
public readonly record struct SetParameterCommand(string NodeId, string Parameter, double Value, Quantization When) : ILiveCommand
{
    public CommandKind Kind => CommandKind.SetParameter;
}
