namespace LiveEngine.Nodes;

/// <summary>
/// The node contract. A node instance belongs to one snapshot; the control plane creates it and calls
/// <see cref="Prepare"/>, the audio side calls <see cref="Process"/>, one block at a time.
/// </summary>
/// <remarks>
/// <see cref="Prepare"/> runs off the audio thread and may allocate: size every buffer there.
/// <see cref="Process"/> runs on the audio path: it allocates nothing, takes no lock, makes no blocking call,
/// throws nothing and logs nothing. Output must not depend on how the stream is split into blocks.
/// </remarks>
public abstract class AudioNode
{
    /// <summary>
    /// Sizes the node for <paramref name="context"/>. Control thread only; may allocate. When
    /// <paramref name="previous"/> is the instance of the same identity and type from the snapshot being
    /// replaced, the node adopts its state (phase, filter memory, delay lines) instead of starting cold.
    /// </summary>
    public virtual void Prepare(in PrepareContext context, AudioNode? previous)
    {
    }

    /// <summary>Renders one block. Audio path only: allocation-free, lock-free, never throws.</summary>
    public abstract void Process(in ProcessContext context);

    /// <summary>Returns the node to the state it had right after <see cref="Prepare"/> with no previous instance.</summary>
    public virtual void Reset()
    {
    }
}
