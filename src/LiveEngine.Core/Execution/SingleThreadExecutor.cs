using System.Diagnostics;
using System.Runtime.CompilerServices;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Process(GraphSnapshot snapshot, int frames, long sampleTime)
    {
        Debug.Assert(frames >= 1 && frames <= snapshot.MaxBlockFrames, "Block larger than the snapshot's maxBlockFrames: split it.");
        if (snapshot.Timeline is { } timeline)
        {
            ProcessTimed(snapshot, frames, sampleTime, timeline);
            return;
        }

        foreach (int job in snapshot.TopologicalOrder)
        {
            JobRunner.Run(snapshot, job, frames, sampleTime);
        }
    }

    /// <summary>As <see cref="Process"/>, recording each job's start and end on worker 0's lane of <paramref name="timeline"/>. Allocation-free.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ProcessTimed(GraphSnapshot snapshot, int frames, long sampleTime, JobTimeline timeline)
    {
        long block = timeline.BeginBlock();
        long blockStart = Stopwatch.GetTimestamp();
        long start = blockStart;
        foreach (int job in snapshot.TopologicalOrder)
        {
            JobRunner.Run(snapshot, job, frames, sampleTime);
            long end = Stopwatch.GetTimestamp();
            timeline.RecordJob(0, block, job, start, end);
            start = end;
        }

        timeline.EndBlock(block, blockStart, start, frames, serial: true, snapshot);
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
