using System.Runtime.CompilerServices;
using LiveEngine.Kernels;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Execution;

/// <summary>
/// Runs one job of a snapshot: the piece every executor shares. Audio path: allocates nothing, takes no lock,
/// and turns an exception escaping a node into state (the node is silenced and the exception kept for the
/// control plane) rather than letting it reach the audio callback. A node of an untrusted type (user code) that
/// writes NaN or infinity is treated the same way: its outputs are scanned after every block, before any
/// successor reads them, so nothing non-finite reaches the rest of the mix.
/// </summary>
public static unsafe class JobRunner
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(GraphSnapshot snapshot, int jobIndex, int frames, long sampleTime)
    {
        if (snapshot.SkippedJobs is { } skipped && skipped[jobIndex])
        {
            // Render-ahead's deferred pass: a live job runs later, one device block ahead (LiveRenderer.RenderLive).
            return;
        }

        RunUnmasked(snapshot, jobIndex, frames, sampleTime);
    }

    /// <summary>Runs job <paramref name="jobIndex"/> whatever <see cref="GraphSnapshot.SkippedJobs"/> says: render-ahead's live pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunUnmasked(GraphSnapshot snapshot, int jobIndex, int frames, long sampleTime) =>
        RunIn(snapshot, jobIndex, frames, sampleTime, snapshot.Arena.BasePointer);

    /// <summary>
    /// Runs job <paramref name="jobIndex"/> on the buffers at <paramref name="arena"/>: the snapshot's own, or a worker's
    /// copy of them laid out the same (a superblock run, <see cref="Scheduling.SuperblockPlan"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunIn(GraphSnapshot snapshot, int jobIndex, int frames, long sampleTime, float* arena)
    {
        JobInfo job = snapshot.Jobs[jobIndex];
        ReadOnlySpan<int> inputs = new(snapshot.ChannelOffsets, job.InputStart, job.InputCount);
        ReadOnlySpan<int> outputs = new(snapshot.ChannelOffsets, job.OutputStart, job.OutputCount);
        if (job.Kind == JobKind.Mix)
        {
            int channels = job.OutputCount;
            for (int c = 0; c < channels; c++)
            {
                VectorKernels.Binary<AddOperator>(
                    new ReadOnlySpan<float>(arena + inputs[c], frames),
                    new ReadOnlySpan<float>(arena + inputs[channels + c], frames),
                    new Span<float>(arena + outputs[c], frames));
            }

            return;
        }

        int node = job.NodeIndex;
        if (Volatile.Read(ref snapshot.NodeFaulted[node]) != 0)
        {
            Silence(arena, outputs, frames);
            return;
        }

        int parameterStart = snapshot.ParameterStarts[node];
        ReadOnlySpan<float> parameters = new(snapshot.ParameterValues, parameterStart, snapshot.ParameterStarts[node + 1] - parameterStart);
        var context = new ProcessContext(arena, inputs, outputs, parameters, frames, sampleTime);
        try
        {
            if (job.Kind == JobKind.Node)
            {
                snapshot.Nodes[node].Process(in context);
                if (snapshot.NodeUntrusted[node] && !AllFinite(arena, outputs, frames))
                {
                    Fault(snapshot, node, snapshot.NonFiniteOutputFault!);
                    Silence(arena, outputs, frames);
                }
            }
            else if (job.Kind == JobKind.Bank)
            {
                // A bank reads its lanes' parameters itself; the context carries only its summed outputs.
                snapshot.BankProcessors[job.BankIndex].Process(new ProcessContext(arena, inputs, outputs, default, frames, sampleTime));
            }
            else
            {
                Unsafe.As<FeedbackBoundaryNode>(snapshot.Nodes[node]).ProcessWrite(in context);
                return;
            }

            // Before any successor runs, so before any job may reuse these buffers.
            snapshot.Probe?.Observe(node, arena, outputs, frames);
        }
        catch (Exception exception)
        {
            Fault(snapshot, node, exception);
            Silence(arena, outputs, frames);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fault(GraphSnapshot snapshot, int node, Exception exception)
    {
        snapshot.NodeExceptions[node] = exception;

        // Release: the exception is visible to a control thread that sees the flag.
        Volatile.Write(ref snapshot.NodeFaulted[node], 1);
    }

    /// <summary>Writes silence to every output of job <paramref name="jobIndex"/> (a watchdog standing in for a stuck job).</summary>
    public static void SilenceOutputs(GraphSnapshot snapshot, int jobIndex, int frames)
    {
        JobInfo job = snapshot.Jobs[jobIndex];
        Silence(snapshot.Arena.BasePointer, new ReadOnlySpan<int>(snapshot.ChannelOffsets, job.OutputStart, job.OutputCount), frames);
    }

    private static bool AllFinite(float* arena, ReadOnlySpan<int> outputs, int frames)
    {
        foreach (int offset in outputs)
        {
            if (FiniteScan.IndexOfNonFinite(new ReadOnlySpan<float>(arena + offset, frames)) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static void Silence(float* arena, ReadOnlySpan<int> outputs, int frames)
    {
        foreach (int offset in outputs)
        {
            new Span<float>(arena + offset, frames).Clear();
        }
    }
}
