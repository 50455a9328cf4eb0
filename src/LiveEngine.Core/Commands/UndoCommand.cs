using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>Brings back the graph before the last commit at <paramref name="When"/>; the receipt has no sample if there was nothing to undo.</summary>
public readonly record struct UndoCommand(Quantization When) : ILiveCommand
{
    public CommandKind Kind => CommandKind.Undo;
}
