using System.Diagnostics;
using System.Runtime.CompilerServices;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Admission;

/// <summary>
/// Predicts a snapshot's block time before it plays, from a <see cref="JobCostTable"/> of measured job costs, the
/// scheduler's bound max(W/P, span) and, for several workers, the scheduler's measured costs (<see cref="SchedulerCosts"/>). Kinds of job the table does not know yet are measured first on a trial copy
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
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="table">The measured costs.</param>
    /// <param name="threads">Workers P.</param>
    /// <param name="blockFrames">Frames per block.</param>
    /// <param name="include">Which jobs count (all when null).</param>
    /// <param name="serialWhenFaster">Whether the executor runs a block on one worker when that is faster (an adaptive <see cref="ParallelExecutor"/>).</param>
    public static CostPrediction Predict(GraphSnapshot snapshot, JobCostTable table, int threads, int blockFrames, Func<int, bool>? include = null, bool serialWhenFaster = false)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(table);

        // Every commit of a live session is predicted, so this allocates only the prediction: the per-job costs and
        // per-node sums live in the thread's compile scratch, and only the ten costliest get their names (a dictionary
        // by name and a name per mix job made ~180 KB per commit of the 1,200-node 'session').
        CompileScratch scratch = CompileScratch.Current;
        int jobCount = snapshot.Jobs.Length;
        int nodeCount = snapshot.Nodes.Length;
        double[] jobNs = scratch.Doubles(CompileScratch.JobNs, jobCount);
        double[] nodeNs = scratch.Doubles(CompileScratch.NodeNs, nodeCount);
        double[] mixNs = scratch.Doubles(CompileScratch.MixNs, nodeCount);
        double[] bankNs = scratch.Doubles(CompileScratch.BankNs, snapshot.BankArray.Length);
        // NaN: no job charged there (a sum of 0 ns is still an entry).
        Array.Fill(nodeNs, double.NaN, 0, nodeCount);
        Array.Fill(mixNs, double.NaN, 0, nodeCount);
        Array.Fill(bankNs, double.NaN, 0, snapshot.BankArray.Length);
        double work = 0;
        double measured = 0;
        int included = 0;
        for (int j = 0; j < jobCount; j++)
        {
            if (include is not null && !include(j))
            {
                continue;
            }

            included++;
            double ns = table.JobNs(snapshot, j, blockFrames, out bool fromMeasurement);
            jobNs[j] = ns;
            work += ns;
            measured += fromMeasurement ? ns : 0;
            JobInfo job = snapshot.Jobs[j];
            switch (job.Kind)
            {
                case JobKind.Bank:
                    Add(bankNs, job.BankIndex, ns);
                    break;
                case JobKind.Mix:
                    Add(mixNs, job.NodeIndex, ns);
                    break;
                default:
                    Add(nodeNs, job.NodeIndex, ns);
                    break;
            }
        }

        double span = Span(snapshot, jobNs, scratch.Doubles(CompileScratch.BottomLevels, jobCount));
        double deadline = blockFrames * 1e9 / snapshot.SampleRate;
        SchedulerCosts? scheduler = threads > 1 && table.TryGetSchedulerCosts(threads, out SchedulerCosts costs) ? costs : null;
        return new CostPrediction(blockFrames, Math.Max(1, threads), work, span, deadline, Costliest(snapshot, nodeNs, mixNs, bankNs), work <= 0 ? 1 : measured / work, included, scheduler, serialWhenFaster);
    }

    private static void Add(double[] sums, int index, double ns) => sums[index] = double.IsNaN(sums[index]) ? ns : sums[index] + ns;

    /// <summary>The longest path through <paramref name="snapshot"/>'s jobs at <paramref name="jobNs"/> (as <see cref="CriticalPath.Span"/>), in <paramref name="levels"/>.</summary>
    private static double Span(GraphSnapshot snapshot, double[] jobNs, double[] levels)
    {
        int[] order = snapshot.TopologicalOrder;
        double span = 0;
        for (int k = order.Length - 1; k >= 0; k--)
        {
            int j = order[k];
            double after = 0;
            for (int s = snapshot.SuccessorStarts[j]; s < snapshot.SuccessorStarts[j + 1]; s++)
            {
                after = Math.Max(after, levels[snapshot.Successors[s]]);
            }

            levels[j] = jobNs[j] + after;
            span = Math.Max(span, levels[j]);
        }

        return span;
    }

    /// <summary>
    /// The ten costliest entries of the per-node, per-mix-tree and per-bank sums (a voice bank named with its voices), costliest
    /// first and by name among equals. Entries with the same name are one (all banks of a kind into one node are).
    /// </summary>
    private static (string Node, double Ns)[] Costliest(GraphSnapshot snapshot, double[] nodeNs, double[] mixNs, double[] bankNs)
    {
        const int Count = 10;
        Span<Entry> top = stackalloc Entry[Count];
        int kept = 0;
        for (int n = 0; n < snapshot.Nodes.Length; n++)
        {
            if (!double.IsNaN(nodeNs[n]))
            {
                Offer(snapshot, top, ref kept, new Entry(EntryKind.Node, n, nodeNs[n]));
            }

            if (!double.IsNaN(mixNs[n]))
            {
                Offer(snapshot, top, ref kept, new Entry(EntryKind.Mix, n, mixNs[n]));
            }
        }

        BankInfo[] banks = snapshot.BankArray;
        for (int b = 0; b < banks.Length; b++)
        {
            // A bank of the same kind into the same node as an earlier one is in that one's sum.
            int first = FirstBankNamedAs(banks, b);
            if (first == b)
            {
                double ns = double.NaN;
                for (int other = b; other < banks.Length; other++)
                {
                    if (FirstBankNamedAs(banks, other) == b && !double.IsNaN(bankNs[other]))
                    {
                        ns = double.IsNaN(ns) ? bankNs[other] : ns + bankNs[other];
                    }
                }

                if (!double.IsNaN(ns))
                {
                    Offer(snapshot, top, ref kept, new Entry(EntryKind.Bank, b, ns));
                }
            }
        }

        var result = new (string Node, double Ns)[kept];
        for (int i = 0; i < kept; i++)
        {
            Entry entry = top[i];
            string name = NameOf(snapshot, entry);
            if (entry.Kind == EntryKind.Bank)
            {
                int lanes = 0;
                for (int b = 0; b < banks.Length; b++)
                {
                    lanes += FirstBankNamedAs(banks, b) == entry.Index ? banks[b].LaneCount : 0;
                }

                name = $"{name} ({lanes} voices)";
            }

            result[i] = (name, entry.Ns);
        }

        return result;
    }

    private static int FirstBankNamedAs(BankInfo[] banks, int bank)
    {
        for (int b = 0; b < bank; b++)
        {
            if (banks[b].ConsumerNode == banks[bank].ConsumerNode && string.Equals(banks[b].Name, banks[bank].Name, StringComparison.Ordinal))
            {
                return b;
            }
        }

        return bank;
    }

    /// <summary>Inserts <paramref name="entry"/> into the sorted <paramref name="top"/> if it ranks among them.</summary>
    private static void Offer(GraphSnapshot snapshot, Span<Entry> top, ref int kept, Entry entry)
    {
        int at = kept;
        while (at > 0 && Ranks(snapshot, entry, top[at - 1]))
        {
            at--;
        }

        if (at >= top.Length)
        {
            return;
        }

        int last = Math.Min(kept, top.Length - 1);
        top[at..last].CopyTo(top[(at + 1)..(last + 1)]);
        top[at] = entry;
        kept = Math.Min(kept + 1, top.Length);
    }

    /// <summary>Whether <paramref name="a"/> comes before <paramref name="b"/>: costlier, or as costly with the lower name.</summary>
    private static bool Ranks(GraphSnapshot snapshot, Entry a, Entry b) =>
        a.Ns > b.Ns || (a.Ns == b.Ns && CompareNames(snapshot, a, b) < 0);

    /// <summary>Compares the names of two entries ordinally without making them (a name is up to four parts).</summary>
    private static int CompareNames(GraphSnapshot snapshot, Entry a, Entry b)
    {
        NameParts x = PartsOf(snapshot, a);
        NameParts y = PartsOf(snapshot, b);
        int i = 0;
        while (true)
        {
            int cx = x.CharAt(i);
            int cy = y.CharAt(i);
            if (cx != cy || cx < 0)
            {
                return cx - cy;
            }

            i++;
        }
    }

    private static string NameOf(GraphSnapshot snapshot, Entry entry)
    {
        NameParts parts = PartsOf(snapshot, entry);
        return string.Concat(parts.A, parts.B, parts.C, parts.D);
    }

    /// <summary>The name a job's cost is charged to: its node, "mix into" its node, or "bank KIND → CONSUMER" for a voice bank.</summary>
    private static NameParts PartsOf(GraphSnapshot snapshot, Entry entry) => entry.Kind switch
    {
        EntryKind.Bank => new NameParts("bank ", snapshot.BankArray[entry.Index].Name, " → ", snapshot.NodeIds[snapshot.BankArray[entry.Index].ConsumerNode]),
        EntryKind.Mix => new NameParts("mix into ", snapshot.NodeIds[entry.Index], "", ""),
        _ => new NameParts(snapshot.NodeIds[entry.Index], "", "", ""),
    };

    private enum EntryKind
    {
        Node,
        Mix,
        Bank,
    }

    private readonly record struct Entry(EntryKind Kind, int Index, double Ns);

    private readonly record struct NameParts(string A, string B, string C, string D)
    {
        /// <summary>The character at <paramref name="i"/> of the concatenation, or -1 past its end.</summary>
        public int CharAt(int i)
        {
            if (i < A.Length)
            {
                return A[i];
            }

            i -= A.Length;
            if (i < B.Length)
            {
                return B[i];
            }

            i -= B.Length;
            if (i < C.Length)
            {
                return C[i];
            }

            i -= C.Length;
            return i < D.Length ? D[i] : -1;
        }
    }

    /// <summary>
    /// Measures every job of <paramref name="trial"/> on the calling thread (a warm-up of a second of audio or <see cref="WarmUpBudget"/>, then
    /// <see cref="TrialBlocks"/> timed ones in <see cref="TrialRounds"/> rounds, half whole blocks and half job by job) and teaches <paramref name="table"/> their costs. <paramref name="trial"/> must
    /// be a snapshot nobody else renders: a compile of the same graph with no previous snapshot, whose nodes are its own.
    /// It renders from <paramref name="startSample"/> on (where the graph will play: a sequenced graph costs what its
    /// score plays there).
    /// </summary>
    /// <param name="trial">The trial compile.</param>
    /// <param name="table">What learns the costs.</param>
    /// <param name="blockFrames">The block size to measure at.</param>
    /// <param name="startSample">Where the trial renders from.</param>
    /// <param name="threads">Workers the graph will run on: above one, the scheduler's costs for that many are measured on the trial too (<see cref="MeasureScheduler"/>).</param>
    public static void Measure(GraphSnapshot trial, JobCostTable table, int blockFrames, long startSample = 0, int threads = 1)
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
        if (threads > 1)
        {
            MeasureScheduler(trial, table, threads, blockFrames, position);
        }
    }

    /// <summary>Blocks each scheduler measurement times (their median counts); fewer when a block is long (<see cref="SchedulerBudget"/>).</summary>
    public const int SchedulerBlocks = 96;

    /// <summary>The most time each of the scheduler's three measurements takes.</summary>
    public static readonly TimeSpan SchedulerBudget = TimeSpan.FromMilliseconds(60);

    /// <summary>
    /// Measures what <paramref name="threads"/> workers cost beyond the bound max(W/P, span) (<see cref="SchedulerCosts"/>)
    /// on a throwaway <see cref="ParallelExecutor"/> of that many, and teaches <paramref name="table"/>: the median block
    /// of a graph with no job (the fixed cost per block); of <paramref name="trial"/> with every job skipped (its jobs
    /// scheduled but not run: the cost per job); of <paramref name="trial"/> itself (what is left over: the work's
    /// share, above or below W, spread over the workers). <paramref name="table"/> must already know
    /// <paramref name="trial"/>'s jobs (<see cref="Measure"/>). The median, not the mean: a block in which a worker was
    /// preempted says nothing of the scheduler. Control side; starts and stops the executor's threads.
    /// </summary>
    public static SchedulerCosts MeasureScheduler(GraphSnapshot trial, JobCostTable table, int threads, int blockFrames, long startSample = 0)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 2);
        GraphSnapshot empty = GraphCompiler.Compile(new GraphDescription(), new NodeTypeRegistry(), new CompileOptions { SampleRate = trial.SampleRate, MaxBlockFrames = blockFrames });
        using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads, AdaptiveSerial = false });
        long position = startSample;
        executor.Prepare(empty);
        double blockNs = MedianBlockNs(executor, empty, blockFrames, ref position);

        executor.Prepare(trial);
        int jobs = trial.Jobs.Length;
        bool[]? skippedBefore = trial.SkippedJobs;
        bool[] all = new bool[jobs];
        Array.Fill(all, true);
        trial.SkippedJobs = all;
        double scheduledNs = MedianBlockNs(executor, trial, blockFrames, ref position);
        trial.SkippedJobs = skippedBefore;
        double jobNs = jobs == 0 ? 0 : Math.Max(0, scheduledNs - blockNs) * threads / jobs;

        double parallelNs = MedianBlockNs(executor, trial, blockFrames, ref position);
        CostPrediction bound = Predict(trial, table, 1, blockFrames);
        // The share c that makes the model give the measured block: the work term (W·(1 + c) + J·job) / P or the span
        // term S·(1 + c), whichever is the larger at that c (the model is increasing in c: the smaller solution).
        double left = Math.Max(0, parallelNs - blockNs);
        double byWork = bound.WorkNs > 0 ? (((threads * left) - (jobs * jobNs)) / bound.WorkNs) - 1 : double.PositiveInfinity;
        double bySpan = bound.SpanNs > 0 ? (left / bound.SpanNs) - 1 : double.PositiveInfinity;
        double contention = double.IsFinite(Math.Min(byWork, bySpan)) ? Math.Clamp(Math.Min(byWork, bySpan), -0.5, 3) : 0;

        executor.Release(trial);
        executor.Release(empty);
        var costs = new SchedulerCosts(threads, blockNs, jobNs, contention);
        table.LearnScheduler(costs);
        return costs;
    }

    /// <summary>The median time of a block of <paramref name="snapshot"/> on <paramref name="executor"/>, after as many untimed ones.</summary>
    private static double MedianBlockNs(ParallelExecutor executor, GraphSnapshot snapshot, int blockFrames, ref long position)
    {
        var times = new double[SchedulerBlocks];
        long budgetStart = Stopwatch.GetTimestamp();
        for (int b = 0; b < SchedulerBlocks / 2 && Stopwatch.GetElapsedTime(budgetStart) < SchedulerBudget / 3; b++, position += blockFrames)
        {
            executor.Process(snapshot, blockFrames, position);
        }

        int count = 0;
        budgetStart = Stopwatch.GetTimestamp();
        while (count < SchedulerBlocks && (count < 8 || Stopwatch.GetElapsedTime(budgetStart) < SchedulerBudget))
        {
            long start = Stopwatch.GetTimestamp();
            executor.Process(snapshot, blockFrames, position);
            times[count++] = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            position += blockFrames;
        }

        Array.Sort(times, 0, count);
        return times[count / 2];
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
}
