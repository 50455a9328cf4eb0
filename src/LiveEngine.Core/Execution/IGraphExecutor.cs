using LiveEngine.Snapshots;

namespace LiveEngine.Execution;

/// <summary>Runs snapshots block by block: the single-thread reference or the parallel scheduler.</summary>
public interface IGraphExecutor
{
    /// <summary>Worker threads used per block, the calling thread included.</summary>
    int Threads { get; }

    /// <summary>Readies <paramref name="snapshot"/> for <see cref="Process"/>. Control thread only; may allocate.</summary>
    void Prepare(GraphSnapshot snapshot);

    /// <summary>
    /// <paramref name="snapshot"/> has been retired and will not be given to <see cref="Process"/> again: what
    /// <see cref="Prepare"/> made for it may serve another snapshot. Control thread only.
    /// </summary>
    void Release(GraphSnapshot snapshot)
    {
    }

    /// <summary>Renders one block. Audio thread only; allocation-free.</summary>
    void Process(GraphSnapshot snapshot, int frames, long sampleTime);
}
