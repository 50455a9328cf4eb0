using LiveEngine.Scheduling;

namespace LiveEngine.Tests.Scheduling;

/// <summary>The serial/parallel choice, fed measured block costs directly: a preempted block must not decide it.</summary>
public sealed class AdaptiveChoiceTests
{
    // Ticks per frame of each mode: parallel is slower (a tiny graph).
    private const double Serial = 1.0;
    private const double Parallel = 3.0;
    private const double Preempted = 5_000.0;

    /// <summary>Runs <paramref name="blocks"/> blocks; <paramref name="cost"/> gives a block's cost from its index and mode.</summary>
    private static bool Run(ref AdaptiveChoice choice, int blocks, Func<long, bool, double> cost, long start = 0)
    {
        for (long b = start; b < start + blocks; b++)
        {
            bool serial = choice.NextBlockSerial();
            choice.Record(serial, cost(b, serial));
        }

        return choice.Serial;
    }

    [Fact]
    public void APreemptedBlockInTheSerialWindow_DoesNotMakeParallelWin()
    {
        var choice = default(AdaptiveChoice);

        // Blocks 16..31 are the serial window; its counted half starts at 24.
        bool serial = Run(ref choice, 3 * AdaptiveChoice.WindowBlocks, (b, s) => b == 26 ? Preempted : s ? Serial : Parallel);
        Assert.True(serial);
    }

    [Fact]
    public void APreemptedBlockWhileFollowingTheChoice_DoesNotFlipIt()
    {
        var choice = default(AdaptiveChoice);
        Assert.True(Run(ref choice, 100, (_, s) => s ? Serial : Parallel));
        Assert.True(Run(ref choice, 1, (_, _) => Preempted, start: 100));
        Assert.True(Run(ref choice, 100, (_, s) => s ? Serial : Parallel, start: 101));
    }

    [Fact]
    public void Deciding_AllocatesNothing()
    {
        // It runs on the audio thread: the windows' median (a sort) included.
        var choice = default(AdaptiveChoice);
        Func<long, bool, double> cost = (b, s) => (b % 7 == 0 ? 2 : 1) * (s ? Serial : Parallel);
        Run(ref choice, 3 * AdaptiveChoice.ProbeInterval, cost);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(ref choice, 3 * AdaptiveChoice.ProbeInterval, cost, start: 3 * AdaptiveChoice.ProbeInterval);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AGraphThatBecomesHeavy_MovesToParallel_AtTheNextProbe()
    {
        var choice = default(AdaptiveChoice);
        Assert.True(Run(ref choice, 100, (_, s) => s ? Serial : Parallel));

        // From now on parallel is twice as fast: the probe of the parallel mode at block 2048 finds it out.
        Assert.False(Run(ref choice, AdaptiveChoice.ProbeInterval + AdaptiveChoice.WindowBlocks, (_, s) => s ? 10.0 : 5.0, start: 100));
    }

    [Fact]
    public void AChoiceThatStartUpNoiseMadeSerial_IsRedoneWithinAFewHundredBlocks()
    {
        var choice = default(AdaptiveChoice);

        // The parallel window of start-up (blocks 32..47) is disturbed (another thread on the second core); from then
        // on two threads render twice as fast.
        Assert.True(Run(ref choice, 3 * AdaptiveChoice.WindowBlocks, (_, s) => s ? Serial : Parallel));
        Assert.False(Run(ref choice, AdaptiveChoice.MinProbeGap + AdaptiveChoice.WindowBlocks, (_, s) => s ? Serial : Serial / 2, start: 3 * AdaptiveChoice.WindowBlocks));
    }

    [Fact]
    public void ParallelThatPaysToWakeTheWorkers_AfterSerialBlocks_IsChosenAndKept()
    {
        // Start-up disturbed the parallel window, so serial is chosen first. Then two threads render twice as fast, but
        // the first parallel block after serial ones costs twenty serial blocks (the parked workers wake): switching to
        // parallel for single blocks kept such a graph serial until the next probe, 2,048 blocks on.
        var choice = default(AdaptiveChoice);
        Assert.True(Run(ref choice, 3 * AdaptiveChoice.WindowBlocks, (_, s) => s ? Serial : Parallel));
        bool lastSerial = true;
        int serialBlocks = 0;
        const int Blocks = 4 * AdaptiveChoice.ProbeInterval;
        for (long b = 3 * AdaptiveChoice.WindowBlocks; b < Blocks; b++)
        {
            bool serial = choice.NextBlockSerial();
            choice.Record(serial, serial ? Serial : lastSerial ? 20 * Serial : Serial / 2);
            lastSerial = serial;
            serialBlocks += serial && b >= 256 ? 1 : 0;
        }

        Assert.False(choice.Serial);

        // Past the first few hundred blocks, only the probes of the serial mode run serially: one window each, ever
        // further apart.
        Assert.InRange(serialBlocks, 1, 8 * AdaptiveChoice.WindowBlocks);
    }

    [Fact]
    public void AMovingAverageThatFavoursTheOtherMode_ProbesIt_InsteadOfSwitching()
    {
        var choice = default(AdaptiveChoice);
        Assert.True(Run(ref choice, 3 * AdaptiveChoice.WindowBlocks, (_, s) => s ? Serial : Parallel));

        // Serial blocks become slower than the parallel estimate, but a parallel window still measures parallel slower:
        // the choice stays serial, and parallel runs only in windows (not block by block).
        int parallelBlocks = 0;
        for (long b = 3 * AdaptiveChoice.WindowBlocks; b < 1000; b++)
        {
            bool serial = choice.NextBlockSerial();
            choice.Record(serial, serial ? 4 * Serial : 5 * Serial);
            parallelBlocks += serial ? 0 : 1;
        }

        Assert.True(choice.Serial);
        Assert.Equal(0, parallelBlocks % AdaptiveChoice.WindowBlocks);
        Assert.InRange(parallelBlocks, AdaptiveChoice.WindowBlocks, 1000 / AdaptiveChoice.MinProbeGap * AdaptiveChoice.WindowBlocks);
    }

    [Fact]
    public void RunsOfBlocks_EndWhereAWindowEnds_SoEveryBlockOfARunIsInTheModeTheChoiceGivesIt()
    {
        var choice = default(AdaptiveChoice);
        long block = 0;
        int serialBlocks = 0;
        while (block < 5000)
        {
            // Runs of up to 37 blocks (a superblock), cut where the choice says the mode may change.
            bool serial = choice.NextBlockSerial();
            int run = choice.StartRun(37);
            for (int b = 0; b < run; b++)
            {
                Assert.Equal(serial, choice.NextBlockSerial());

                // Parallel turns slower half-way: the moving average calls a probe in at once, wherever the run is.
                choice.Record(serial, serial ? Serial : block + b < 2500 ? Serial / 2 : Serial * 2);
            }

            serialBlocks += serial ? run : 0;
            block += run;
        }

        Assert.InRange(serialBlocks, AdaptiveChoice.WindowBlocks, 4000);
        Assert.True(choice.Serial);
    }
}
