using System.Diagnostics;
using LiveEngine.Snapshots;

namespace LiveEngine.Execution;

/// <summary>
/// Runs a snapshot's jobs in topological order on the calling thread. The reference executor: the parallel
/// scheduler must produce the same bits. Audio path: allocates nothing.
/// </summary>
public sealed class SingleThreadExecutor : IGraphExecutor
{
    private SingleThreadExecutor()
    {
    }

    /// <summary>The executor as an <see cref="IGraphExecutor"/>; it holds no state.</summary>
    public static SingleThreadExecutor Instance { get; } = new();

    int IGraphExecutor.Threads => 1;

    void IGraphExecutor.Prepare(GraphSnapshot snapshot)
    {
    }

    void IGraphExecutor.Process(GraphSnapshot snapshot, int frames, long sampleTime) => Process(snapshot, frames, sampleTime);

    /// <summary>Renders one block of <paramref name="frames"/> frames starting at stream position <paramref name="sampleTime"/>.</summary>
    public static void Process(GraphSnapshot snapshot, int frames, long sampleTime)
    {
        Debug.Assert(frames >= 1 && frames <= snapshot.MaxBlockFrames, "Block larger than the snapshot's maxBlockFrames: split it.");
        foreach (int job in snapshot.TopologicalOrder)
        {
            JobRunner.Run(snapshot, job, frames, sampleTime);
        }
    }

    /// <summary>As <see cref="Process"/>, also adding each job's measured time to <paramref name="timings"/>.</summary>
    public static void ProcessMeasured(GraphSnapshot snapshot, int frames, long sampleTime, JobTimings timings)
    {
        Debug.Assert(frames >= 1 && frames <= snapshot.MaxBlockFrames, "Block larger than the snapshot's maxBlockFrames: split it.");
        long start = Stopwatch.GetTimestamp();
        foreach (int job in snapshot.TopologicalOrder)
        {
            JobRunner.Run(snapshot, job, frames, sampleTime);
            long end = Stopwatch.GetTimestamp();
            timings.Add(job, end - start);
            start = end;
        }

        timings.Blocks++;
    }
}
