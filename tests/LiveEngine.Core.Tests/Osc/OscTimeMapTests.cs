using LiveEngine.Osc;

namespace LiveEngine.Tests.Osc;

public sealed class OscTimeMapTests
{
    [Fact]
    public void ATimeTag_MapsToItsSample_PlusTheLatency_RoundedToNearest()
    {
        var anchor = new OscTimeTag(3_900_000_000UL << 32);
        var map = new OscTimeMap(48_000, 960, anchor, 1_000);
        Assert.Equal(1_000 + 960, map.SampleAt(anchor));
        Assert.Equal(1_000 + 960 + 4_800, map.SampleAt(new OscTimeTag(anchor.Raw + (1UL << 32) / 10 + 1)));
        Assert.Equal(1_000 + 960 - 48_000, map.SampleAt(new OscTimeTag(anchor.Raw - (1UL << 32))));

        // k/rate seconds apart (exact in 32.32 after rounding) → k samples apart.
        for (long k = 0; k < 1000; k += 37)
        {
            ulong raw = anchor.Raw + (ulong)Math.Round(k * 4_294_967_296.0 / 48_000);
            Assert.Equal(1_960 + k, map.SampleAt(new OscTimeTag(raw)));
        }
    }

    [Fact]
    public void Resync_MovesTheAnchor_OnlyPastTheTolerance()
    {
        var anchor = new OscTimeTag(3_900_000_000UL << 32);
        var map = new OscTimeMap(48_000, 0, anchor, 0);
        OscTimeTag oneSecond = new(anchor.Raw + (1UL << 32));
        Assert.False(map.Resync(oneSecond, 48_000 + 400, 480));
        Assert.True(map.Resync(oneSecond, 48_000 + 481, 480));
        Assert.Equal(48_481, map.SampleAt(oneSecond));
        Assert.Equal(1, map.Resyncs);
    }

    [Fact]
    public void TimeTags_RoundTripThroughDateTime_ToTheTick()
    {
        var now = new DateTime(2026, 12, 7, 6, 30, 15, 123, DateTimeKind.Utc).AddTicks(4567);
        DateTime back = OscTimeTag.FromDateTime(now).ToDateTime();
        Assert.True(Math.Abs((back - now).Ticks) <= 1, $"{back:O} vs {now:O}");
        Assert.Equal(OscTimeTag.UnixEpochSeconds, (long)(OscTimeTag.FromDateTime(DateTime.UnixEpoch).Raw >> 32));
    }
}
