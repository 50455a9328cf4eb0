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
}
