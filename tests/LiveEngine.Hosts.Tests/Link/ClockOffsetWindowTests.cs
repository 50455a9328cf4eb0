using LiveEngine.Hosts.Link;

namespace LiveEngine.Tests.Hosts.Link;

public sealed class ClockOffsetWindowTests
{
    // 48 kHz: a millisecond is 48 samples.
    private static ClockOffsetWindow Window() => new(capacity: 100, shiftReadings: 5, shiftThreshold: 48);

    [Fact]
    public void LateReadings_HereAndThere_NeverLowerTheEstimate()
    {
        ClockOffsetWindow window = Window();
        for (int i = 1; i < 300; i++)
        {
            // Every tenth reading a block that started 2.5 ms late (120 samples), and once four in a row.
            double estimate = window.Add(i % 10 == 0 || (i >= 100 && i < 104) ? 1_000 - 120 : 1_000);
            Assert.Equal(1_000, estimate);
        }
    }

    [Fact]
    public void ReadingsThatStayLow_AreTheScheduleMoved_AndTheWindowStartsAgainFromThem()
    {
        ClockOffsetWindow window = Window();
        for (int i = 0; i < 50; i++)
        {
            window.Add(1_000);
        }

        // A stall after which the driver started its periods again from now: 10 ms (480 samples) later for good.
        Assert.Equal(1_000, window.Add(520));
        Assert.Equal(1_000, window.Add(521));
        Assert.Equal(1_000, window.Add(519));
        Assert.Equal(1_000, window.Add(520));
        Assert.Equal(521, window.Add(518));
        Assert.Equal(5, window.Count);
        Assert.Equal(521, window.Add(520));

        // The largest of the new schedule's readings from then on, a higher one at once.
        Assert.Equal(530, window.Add(530));
    }

    [Fact]
    public void ReadingsLowerByLessThanTheThreshold_KeepTheLargest()
    {
        ClockOffsetWindow window = Window();
        window.Add(1_000);
        for (int i = 0; i < 99; i++)
        {
            Assert.Equal(1_000, window.Add(1_000 - 40));
        }

        // The window's length passed: the old reading has gone.
        Assert.Equal(960, window.Add(960));
    }

    [Fact]
    public void Clear_ForgetsEveryReading()
    {
        ClockOffsetWindow window = Window();
        window.Add(1_000);
        window.Clear();
        Assert.Equal(0, window.Count);
        Assert.Equal(400, window.Add(400));
    }
}
