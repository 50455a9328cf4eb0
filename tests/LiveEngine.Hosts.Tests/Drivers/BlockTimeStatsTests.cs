using System.Diagnostics;
using LiveEngine.Hosts.Drivers;

namespace LiveEngine.Tests.Hosts.Drivers;

public sealed class BlockTimeStatsTests
{
    [Fact]
    public void BlockLongerThanItsPeriod_IsADeadlineMiss_LoggedWithItsPositionAndTime()
    {
        var stats = new BlockTimeStats { SampleRate = 48_000 };
        long period = Stopwatch.Frequency * 128 / 48_000;
        long before = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        stats.RecordBlock(period - 1, 128, 0);
        stats.RecordBlock(period + 1, 128, 128);
        stats.RecordXrun(XrunSource.Server, 256);
        long after = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

        Assert.Equal(2, stats.Callbacks);
        Assert.Equal(1, stats.DeadlineMisses);
        Assert.Equal(1, stats.Xruns);
        IReadOnlyList<XrunRecord> log = stats.XrunLog();
        Assert.Equal([XrunSource.Deadline, XrunSource.Server], log.Select(x => x.Source));
        Assert.Equal([128L, 256L], log.Select(x => x.Sample));
        Assert.All(log, x => Assert.InRange(x.UnixTimeUs, before, after));
    }

    [Fact]
    public void XrunLog_KeepsTheMostRecentEntries_WhileTheCounterCountsThemAll()
    {
        var stats = new BlockTimeStats();
        int total = BlockTimeStats.XrunLogCapacity + 10;
        for (int i = 0; i < total; i++)
        {
            stats.RecordXrun(XrunSource.LatePeriod, i);
        }

        IReadOnlyList<XrunRecord> log = stats.XrunLog();
        Assert.Equal(total, stats.Xruns);
        Assert.Equal(BlockTimeStats.XrunLogCapacity, log.Count);
        Assert.Equal(10, log[0].Sample);
        Assert.Equal(total - 1, log[^1].Sample);
    }

    [Fact]
    public void AnXrun_KeepsHowLateItsBlockStartedAndHowLongItTook()
    {
        var stats = new BlockTimeStats { SampleRate = 48_000 };
        long us = Stopwatch.Frequency / 1_000_000;
        long period = Stopwatch.Frequency * 128 / 48_000;
        stats.RecordXrun(XrunSource.Server, 0);
        stats.RecordStartLate(2_400 * us);
        stats.RecordBlock(400 * us, 128, 128);
        stats.RecordXrun(XrunSource.LatePeriod, 256);
        stats.RecordStartLate(-5 * us);
        stats.RecordBlock(period + (10 * us), 128, 256);

        IReadOnlyList<XrunRecord> log = stats.XrunLog();
        Assert.Equal([XrunSource.Server, XrunSource.LatePeriod, XrunSource.Deadline], log.Select(x => x.Source));

        // Nothing measured before the first block; a start ahead of its period counts as on time.
        Assert.Equal((-1, -1), (log[0].StartLateUs, log[0].BlockUs));
        Assert.Equal((2_400, 400), (log[1].StartLateUs, log[1].BlockUs));
        Assert.Equal((0, 2_676), (log[2].StartLateUs, log[2].BlockUs));
        Assert.Equal(2, stats.StartLateSamples());
        Assert.Equal(2_400, stats.StartLateMaxUs());
        Assert.Equal(0, stats.StartLatePercentileUs(0.5));
        Assert.Equal(
            "server xruns logged: 1" + Environment.NewLine
            + "deadline misses logged: 1; started late p50 0 µs, max 0 µs; block p50 2676 µs, max 2676 µs" + Environment.NewLine
            + "late periods logged: 1; started late p50 2400 µs, max 2400 µs; block p50 400 µs, max 400 µs",
            XrunSummary.Describe(log));
        Assert.Equal(", started 2400 µs late, block 400 µs", XrunSummary.Where(log[1]));
        Assert.Equal("", XrunSummary.Where(log[0]));
    }
}
