using LiveEngine.Scheduling;

namespace LiveEngine.Tests.Scheduling;

public sealed class WorkStealingDequeTests
{
    [Fact]
    public void Steal_FromEmptyDeque_ReturnsFalse()
    {
        var deque = new WorkStealingDeque(4);
        Assert.False(deque.TrySteal(out _));
        Assert.False(deque.TryLocalPop(out _));
    }

    [Fact]
    public void Owner_PopsNewestFirst_ThiefStealsOldestFirst()
    {
        var deque = new WorkStealingDeque(8);
        for (int i = 0; i < 5; i++)
        {
            deque.LocalPush(i);
        }

        Assert.True(deque.TryLocalPop(out int newest));
        Assert.Equal(4, newest);
        Assert.True(deque.TrySteal(out int oldest));
        Assert.Equal(0, oldest);
        Assert.Equal(1, deque.PeekTop());
        Assert.Equal(3, deque.Count);
    }

    [Fact]
    public void Clear_ThenReuse_WrapsAroundTheRing()
    {
        var deque = new WorkStealingDeque(4);
        for (int round = 0; round < 10; round++)
        {
            deque.Clear();
            for (int i = 0; i < 4; i++)
            {
                deque.LocalPush((round * 4) + i);
            }

            Assert.True(deque.TrySteal(out int first));
            Assert.Equal(round * 4, first);
            for (int i = 3; i >= 1; i--)
            {
                Assert.True(deque.TryLocalPop(out int item));
                Assert.Equal((round * 4) + i, item);
            }

            Assert.False(deque.TryLocalPop(out _));
        }
    }

    [Fact]
    public void Concurrent_ItemsPushedEqualItemsPoppedPlusStolen_EachExactlyOnce()
    {
        const int Items = 200_000;
        var deque = new WorkStealingDeque(Items);
        var seen = new int[Items];
        int stolen = 0;
        bool done = false;
        var thieves = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            while (!Volatile.Read(ref done) || deque.Count > 0)
            {
                if (deque.TrySteal(out int item))
                {
                    Interlocked.Increment(ref seen[item]);
                    Interlocked.Increment(ref stolen);
                }
            }
        })).ToArray();
        foreach (Thread thief in thieves)
        {
            thief.Start();
        }

        int popped = 0;
        var random = new Random(3);
        for (int i = 0; i < Items; i++)
        {
            deque.LocalPush(i);
            if (random.Next(3) == 0 && deque.TryLocalPop(out int item))
            {
                Interlocked.Increment(ref seen[item]);
                popped++;
            }
        }

        while (deque.TryLocalPop(out int item))
        {
            Interlocked.Increment(ref seen[item]);
            popped++;
        }

        Volatile.Write(ref done, true);
        foreach (Thread thief in thieves)
        {
            thief.Join();
        }

        Assert.Equal(Items, popped + stolen);
        Assert.All(seen, count => Assert.Equal(1, count));
    }
}
