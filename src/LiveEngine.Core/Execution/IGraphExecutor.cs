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

    /// <summary>
    /// Readies <paramref name="snapshot"/> for <see cref="Process"/> and for <see cref="ProcessBlocks"/> (an offline
    /// render: blocks back to back, nothing changed between them). Control thread only; may allocate more than
    /// <see cref="Prepare"/>.
    /// </summary>
    void PrepareBlockRuns(GraphSnapshot snapshot) => Prepare(snapshot);

    /// <summary>
    /// Renders <paramref name="blocks"/> blocks of <paramref name="frames"/> frames from <paramref name="sampleTime"/>,
    /// with nothing changed between them (no parameter, no snapshot), and copies output channel c of block b to
    /// <c>destination[c][destinationOffset + b * frames ..]</c>: the same bits as that many <see cref="Process"/> calls.
    /// Parameters may change between calls. Audio (render) thread only; allocation-free.
    /// </summary>
    void ProcessBlocks(GraphSnapshot snapshot, int blocks, int frames, long sampleTime, float[][] destination, int destinationOffset) =>
        ProcessBlocksOneByOne(this, snapshot, blocks, frames, sampleTime, destination, destinationOffset);

    /// <summary><see cref="ProcessBlocks"/> as <paramref name="blocks"/> calls of <see cref="Process"/>, each block's output copied out.</summary>
    static void ProcessBlocksOneByOne(IGraphExecutor executor, GraphSnapshot snapshot, int blocks, int frames, long sampleTime, float[][] destination, int destinationOffset)
    {
        for (int b = 0; b < blocks; b++)
        {
            executor.Process(snapshot, frames, sampleTime + ((long)b * frames));
            for (int c = 0; c < destination.Length; c++)
            {
                snapshot.GetOutput(c, frames).CopyTo(destination[c].AsSpan(destinationOffset + (b * frames), frames));
            }
        }
    }
}
