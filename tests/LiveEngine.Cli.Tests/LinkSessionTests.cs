using System.Diagnostics;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// Two LiveEngines (<c>liveengine link probe</c>: a silent engine on the real-time null driver whose clock follows
/// Link) in one private network namespace with only a loopback interface, so Link's discovery never leaves the
/// machine: a tempo set on one reaches the other's engine clock within a second, and their engine clocks agree on
/// the beat phase within a millisecond (compared at the same Link host time, which every process shares).
/// </summary>
[Collection("TimingSensitive")]
public sealed class LinkSessionTests(ITestOutputHelper output)
{
    private const double Quantum = 4;
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);

    [Fact]
    public void TwoEnginesShareTempoWithinASecondAndBeatPhaseWithinAMillisecond()
    {
        using var network = new PrivateNetwork();
        string interfaces = network.Interfaces();
        Assert.Single(interfaces.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(": lo:", interfaces);

        using var a = new LinkProbe(network, 120);
        using var b = new LinkProbe(network, 100);
        double bpm = WaitUntilSettled(a, b);
        AssertPhasesAgree(a, b, bpm);

        double seconds = TimeUntilEngineTempo(a, b, 135m);
        output.WriteLine($"135 BPM set on A reached B's engine clock in {seconds * 1000:F0} ms");
        Assert.True(seconds < 1, $"B's engine took {seconds:F2} s to follow A's tempo");
        AssertPhasesAgree(a, b, WaitUntilSettled(a, b));

        seconds = TimeUntilEngineTempo(b, a, 90.5m);
        output.WriteLine($"90.5 BPM set on B reached A's engine clock in {seconds * 1000:F0} ms");
        Assert.True(seconds < 1, $"A's engine took {seconds:F2} s to follow B's tempo");
        AssertPhasesAgree(a, b, WaitUntilSettled(a, b));

        // Ticks that changed nothing allocated nothing (the engine process's steady state allocates nothing).
        Assert.Equal(0, a.ReadStatus().QuietTickAllocatedBytes);
        Assert.Equal(0, b.ReadStatus().QuietTickAllocatedBytes);
    }

    [Fact]
    public void StartAndStopReachTheOtherPeer()
    {
        using var network = new PrivateNetwork();
        using var a = new LinkProbe(network, 120);
        using var b = new LinkProbe(network, 120);
        WaitUntilSettled(a, b);

        // Seconds in Link time from the start (stop) on one peer to the first tick of the other's follower that saw it:
        // Link's propagation and the 10 ms tick, not how quickly the test's polls through the probes' pipes come back.
        long started = a.SetPlaying(true);
        LinkProbe.Status? seen = null;
        Assert.True(WaitFor(() => (seen = b.ReadStatus()).IsPlaying, TimeSpan.FromSeconds(10)), "B never saw A start");
        double seconds = (seen!.PlayingSeenAtMicros - started) / 1e6;
        output.WriteLine($"A's start reached B's follower in {seconds * 1000:F0} ms");
        Assert.True(seconds < 1, $"B saw A start {seconds:F2} s later");

        long stopped = b.SetPlaying(false);
        Assert.True(WaitFor(() => !(seen = a.ReadStatus()).IsPlaying, TimeSpan.FromSeconds(10)), "A never saw B stop");
        seconds = (seen!.PlayingSeenAtMicros - stopped) / 1e6;
        output.WriteLine($"B's stop reached A's follower in {seconds * 1000:F0} ms");
        Assert.True(seconds < 1, $"A saw B stop {seconds:F2} s later");

        // The session's stop stopped both engines' transports (B's own, too: the probe stopped its Link session,
        // not its engine); a start starts them again, in phase with the session and with each other.
        Assert.True(WaitFor(() => !a.ReadStatus().TransportPlaying && !b.ReadStatus().TransportPlaying, TimeSpan.FromSeconds(10)), "the session's stop did not stop both engines");
        Thread.Sleep(700);
        a.SetPlaying(true);
        Assert.True(WaitFor(() => a.ReadStatus().TransportPlaying && b.ReadStatus().TransportPlaying, TimeSpan.FromSeconds(10)), "the session's start did not start both engines within a quantum");
        AssertPhasesAgree(a, b, WaitUntilSettled(a, b));
    }

    /// <summary>Waits until both see each other, agree on the tempo and have no phase error left; returns the tempo.</summary>
    private static double WaitUntilSettled(LinkProbe a, LinkProbe b)
    {
        int calm = 0;
        LinkProbe.Status? sa = null;
        LinkProbe.Status? sb = null;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_settle)
        {
            sa = a.ReadStatus();
            sb = b.ReadStatus();
            bool settled = sa.Peers == 1 && sb.Peers == 1 && SameTempo(sa.EngineBpm, sa.LinkBpm) && SameTempo(sb.EngineBpm, sb.LinkBpm) && SameTempo(sa.LinkBpm, sb.LinkBpm)
                && Math.Abs(sa.PhaseErrorMs) < 0.5 && Math.Abs(sb.PhaseErrorMs) < 0.5 && TimelinesAgree(a, b, sa.LinkBpm);

            // Link settles a merged session's timeline over a few measurements after the peers first see each other.
            calm = settled ? calm + 1 : 0;
            if (calm == 20)
            {
                return sa.LinkBpm;
            }

            Thread.Sleep(50);
        }

        Assert.Fail($"The peers did not settle within {s_settle.TotalSeconds} s: A {sa}, B {sb}");
        return 0;
    }

    /// <summary>
    /// Link sends a tempo as whole microseconds per beat (135 BPM arrives as 135.0001) and the engine rounds it to
    /// 0.01 BPM; what is left is corrected as phase.
    /// </summary>
    private static bool SameTempo(double x, double y) => Math.Abs(x - y) < 0.006;

    /// <summary>Both Link timelines and both engine clocks agree within 0.5 ms now.</summary>
    private static bool TimelinesAgree(LinkProbe a, LinkProbe b, double bpm)
    {
        long now = a.Now();
        (double engineA, double linkA, _) = a.BeatAt(now);
        (double engineB, double linkB, _) = b.BeatAt(now);
        return Math.Abs(Wrap(linkA - linkB)) * 60_000 / bpm < 0.5 && Math.Abs(Wrap(engineA - engineB)) * 60_000 / bpm < 0.5;
    }

    /// <summary>
    /// Sets <paramref name="bpm"/> on <paramref name="from"/>; seconds from the moment its engine plays it until
    /// <paramref name="to"/>'s engine first plays it, both in Link time (what the audiences hear, read from the
    /// engines' tempo maps, so a status poll that falls inside a later phase-correcting ramp does not count it late).
    /// </summary>
    private double TimeUntilEngineTempo(LinkProbe from, LinkProbe to, decimal bpm)
    {
        var clock = Stopwatch.StartNew();
        long setAt = from.SetTempo(bpm);
        long? reachedAt = null;
        Assert.True(WaitFor(() => (reachedAt = to.TempoReachedAt(bpm, setAt)) is not null, TimeSpan.FromSeconds(10)), $"{bpm} BPM never reached the other engine");
        output.WriteLine($"  (the test saw it {clock.Elapsed.TotalMilliseconds:F0} ms after asking, polling through both probes' pipes)");
        return (reachedAt!.Value - setAt) / 1e6;
    }

    /// <summary>At ten Link host times, each engine's beat there agrees with the other's (modulo the quantum) and with Link's within 1 ms.</summary>
    private void AssertPhasesAgree(LinkProbe a, LinkProbe b, double bpm)
    {
        double worst = 0;
        for (int i = 0; i < 10; i++)
        {
            long now = a.Now();
            (double engineA, double linkA, _) = a.BeatAt(now);
            (double engineB, double linkB, _) = b.BeatAt(now);
            double enginesMs = Wrap(engineA - engineB) * 60_000 / bpm;
            double linkMs = Wrap(linkA - linkB) * 60_000 / bpm;
            double followMs = Math.Max(Math.Abs(Wrap(engineA - linkA)), Math.Abs(Wrap(engineB - linkB))) * 60_000 / bpm;
            worst = Math.Max(worst, Math.Abs(enginesMs));
            Assert.True(Math.Abs(enginesMs) < 1, $"at {now} µs the engines' phases differ by {enginesMs:F3} ms (A beat {engineA}, B beat {engineB})");
            Assert.True(Math.Abs(linkMs) < 1, $"at {now} µs Link's timelines differ by {linkMs:F3} ms");
            Assert.True(followMs < 1, $"at {now} µs an engine is {followMs:F3} ms off its Link timeline");
            Thread.Sleep(100);
        }

        output.WriteLine($"at {bpm} BPM the engines' beat phases differ by at most {worst:F4} ms");
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(5);
        }

        return condition();
    }

    private static double Wrap(double beats)
    {
        double r = beats - (Quantum * Math.Floor(beats / Quantum));
        return r >= Quantum / 2 ? r - Quantum : r;
    }
}
