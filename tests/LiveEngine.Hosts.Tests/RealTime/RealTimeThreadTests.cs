using LiveEngine.Hosts.RealTime;

namespace LiveEngine.Tests.Hosts.RealTime;

public sealed class RealTimeThreadTests
{
    [Fact]
    public void Promotion_IsWhatTheKernelReports_GrantedOrRefusedWithTheReason()
    {
        RealTimeResult result = default;
        bool fifoAfter = false;
        bool fifoAfterDemotion = true;
        var thread = new Thread(() =>
        {
            result = RealTimeThread.TryPromoteCurrentThread(10);
            fifoAfter = RealTimeThread.IsCurrentThreadFifo();
            RealTimeThread.DemoteCurrentThread();
            fifoAfterDemotion = RealTimeThread.IsCurrentThreadFifo();
        });
        thread.Start();
        thread.Join();

        // Root (this VM, CI) gets SCHED_FIFO; elsewhere the refusal names the errno. Either way the result tells the truth.
        Assert.Equal(result.Granted, fifoAfter);
        Assert.Equal(result.Granted ? "SCHED_FIFO 10" : result.Description, result.Description);
        if (!result.Granted)
        {
            Assert.StartsWith("normal priority (sched_setscheduler SCHED_FIFO 10 refused: ", result.Description);
        }

        Assert.False(fifoAfterDemotion);
        Assert.False(RealTimeThread.IsCurrentThreadFifo(), "promotion applies to the calling thread only");
    }

    [Fact]
    public void PriorityOutsideOneToNinetyNine_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RealTimeThread.TryPromoteCurrentThread(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RealTimeThread.TryPromoteCurrentThread(100));
    }
}
