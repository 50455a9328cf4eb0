namespace LiveEngine.Commands;

/// <summary>
/// Puts a sample (planar <paramref name="Channels"/> at <paramref name="SampleRate"/>) into the session's sample
/// library under <paramref name="Name"/>, for samplers committed later; a sample of that name is replaced.
/// </summary>
public readonly record struct LoadSampleCommand(string Name, IReadOnlyList<float[]> Channels, int SampleRate) : ILiveCommand
{
    public CommandKind Kind => CommandKind.LoadSample;
}
