namespace LiveEngine.Commands;

/// <summary>Sets a named variable (<see cref="Control.NamedVariables"/>) now.</summary>
public readonly record struct SetVariableCommand(string Name, double Value) : ILiveCommand
{
    public CommandKind Kind => CommandKind.SetVariable;
}
