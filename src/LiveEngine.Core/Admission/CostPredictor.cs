using System.Diagnostics;
using System.Runtime.CompilerServices;
using LiveEngine.Execution;
using LiveEngine.Snapshots;

namespace LiveEngine.Admission;

/// <summary>
/// Predicts a snapshot's block time before it plays, from a <see cref="JobCostTable"/> of measured job costs and the
/// scheduler's bound max(W/P, span). Kinds of job the table does not know yet are measured first on a trial copy
/// (<see cref="Measure"/>). Control side: it allocates, and a trial measurement takes the control thread's time.
/// </summary>
public static class CostPredictor
{
    /// <summary>Blocks per chunk of a trial's warm-up.</summary>
    public const int TrialWarmUpBlocks = 16;

    /// <summary>The most time a trial's warm-up takes.</summary>
    public static readonly TimeSpan WarmUpBudget = TimeSpan.FromMilliseconds(150);

    /// <summary>Blocks a trial measurement times.</summary>
    public const int TrialBlocks = 32;

    /// <summary>Rounds the timed blocks are split into; the cheapest round is learned.</summary>
    public const int TrialRounds = 4;

    /// <summary>
    /// Predicts one block of <paramref name="blockFrames"/> frames of the jobs of <paramref name="snapshot"/> for which
    /// <paramref name="include"/> is true (all when null) on <paramref name="threads"/> workers.
    /// </summary>
    public static CostPrediction Predict(GraphSnapshot snapshot, JobCostTable table, int threads, int blockFrames, Func<int, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(table);
        var jobNs = new double[snapshot.Jobs.Length];
        double work = 0;
        double measured = 0;
        var byNode = new Dictionary<string, double>(StringComparer.Ordinal);
        var bankLanes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < jobNs.Length; j++)
        {
            if (include is not null && !include(j))
            {
                continue;
            }

            double ns = table.JobNs(snapshot, j, blockFrames, out bool fromMeasurement);
            jobNs[j] = ns;
            work += ns;
            measured += fromMeasurement ? ns : 0;
            string name = NameOf(snapshot, j);
            byNode[name] = byNode.GetValueOrDefault(name) + ns;
            if (snapshot.Jobs[j].Kind == JobKind.Bank)
            {
                bankLanes[name] = bankLanes.GetValueOrDefault(name) + snapshot.Banks[snapshot.Jobs[j].BankIndex].LaneCount;
            }
        }

        double span = CriticalPath.Span(snapshot, j => jobNs[j]);
        double deadline = blockFrames * 1e9 / snapshot.SampleRate;
        (string, double)[] costliest = [.. byNode.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(10)
            .Select(p => (bankLanes.TryGetValue(p.Key, out int lanes) ? $"{p.Key} ({lanes} voices)" : p.Key, p.Value))];
        return new CostPrediction(blockFrames, Math.Max(1, threads), work, span, deadline, costliest, work <= 0 ? 1 : measured / work);
    }

    /// <summary>
    /// Measures every job of <paramref name="trial"/> on the calling thread (a warm-up of a second of audio or <see cref="WarmUpBudget"/>, then
    /// <see cref="TrialBlocks"/> timed ones in <see cref="TrialRounds"/> rounds, half whole blocks and half job by job) and teaches <paramref name="table"/> their costs. <paramref name="trial"/> must
    /// be a snapshot nobody else renders: a compile of the same graph with no previous snapshot, whose nodes are its own.
    /// It renders from <paramref name="startSample"/> on (where the graph will play: a sequenced graph costs what its
    /// score plays there).
    /// </summary>
    public static void Measure(GraphSnapshot trial, JobCostTable table, int blockFrames, long startSample = 0)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentNullException.ThrowIfNull(table);
        // Warm up for a second of audio or WarmUpBudget of time, whichever comes first: a fresh graph's nodes settle
        // (glides from their first values, envelopes, reverb tails) before their cost does; the 'session' workload
        // measured 60 % over its steady cost after 64 blocks, within 10 % of it after 640.
        long position = startSample;
        long warmUpStart = Stopwatch.GetTimestamp();
        while (position - startSample < trial.SampleRate && Stopwatch.GetElapsedTime(warmUpStart) < WarmUpBudget)
        {
            RenderPlain(trial, blockFrames, ref position, TrialWarmUpBlocks);
        }

        // Per-job timing costs more than the clock reads it subtracts (about 30 ns a job here: a graph of 1,400 small
        // jobs measured 40 % over its plain block time), so each round also times whole blocks without it, and the
        // per-job costs are scaled to that total: the jobs give the shares, the plain blocks the sum. The least of
        // the rounds counts, so a round in which the thread was preempted (a loaded machine) does not.
        int perRound = Math.Max(1, TrialBlocks / TrialRounds / 2);
        JobTimings? best = null;
        double plainNs = double.MaxValue;
        for (int round = 0; round < TrialRounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            RenderPlain(trial, blockFrames, ref position, perRound);
            plainNs = Math.Min(plainNs, Stopwatch.GetElapsedTime(start).TotalNanoseconds / perRound);
            var timings = new JobTimings(trial.Jobs.Length);
            for (int b = 0; b < perRound; b++, position += blockFrames)
            {
                SingleThreadExecutor.ProcessMeasured(trial, blockFrames, position, timings);
            }

            if (best is null || timings.WorkNs() < best.WorkNs())
            {
                best = timings;
            }
        }

        double measuredNs = best!.WorkNs();
        table.Learn(trial, best, blockFrames, scale: measuredNs > 0 ? plainNs / measuredNs : 1);
    }

    /// <summary>
    /// Renders <paramref name="blocks"/> blocks job by job, as <see cref="SingleThreadExecutor"/> does. Fully optimised from
    /// its first call, so that with tiered compilation (in-process sessions, bench) a trial times the graph, not a tier-0 loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RenderPlain(GraphSnapshot trial, int blockFrames, ref long position, int blocks)
    {
        int[] order = trial.TopologicalOrder;
        for (int b = 0; b < blocks; b++, position += blockFrames)
        {
            for (int k = 0; k < order.Length; k++)
            {
                JobRunner.Run(trial, order[k], blockFrames, position);
            }
        }
    }

    /// <summary>The node a job's cost is charged to: its node, or for a voice bank, the bank's kind and where it plays (all such banks together).</summary>
    private static string NameOf(GraphSnapshot snapshot, int job)
    {
        JobInfo info = snapshot.Jobs[job];
        return info.Kind switch
        {
            JobKind.Bank => $"bank {snapshot.Banks[info.BankIndex].Name} → {snapshot.NodeIds[snapshot.Banks[info.BankIndex].ConsumerNode]}",
            JobKind.Mix => $"mix into {snapshot.NodeIds[info.NodeIndex]}",
            _ => snapshot.NodeIds[info.NodeIndex],
        };
    }
}
