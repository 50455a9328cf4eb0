using LiveEngine.Live;

namespace LiveEngine.Commands;

/// <summary>Binds (or frees, <see cref="ControllerLane.Free"/>) a controller lane in the engine: mapping, smoothing and soft takeover run there, per sample.</summary>
public readonly record struct BindControllerCommand(ControllerLane Lane) : ILiveCommand
{
    public CommandKind Kind => CommandKind.BindController;
}
