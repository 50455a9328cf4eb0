using System.Diagnostics;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Snapshots;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Live;

public sealed class NodeProbeTests(ITestOutputHelper output)
{
    private const int Block = 100;

    /// <summary>A ramp (position × 1e-3, "loud") and a silent ramp (× 0, "quiet"), both into the output.</summary>
    private static LiveSession NewSession()
    {
        var graph = new GraphDescription();
        graph.Add("loud", "ramp", new Dictionary<string, double> { ["scale"] = 1e-3 });
        graph.Add("quiet", "ramp", new Dictionary<string, double> { ["scale"] = 0 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("loud", "out");
        graph.Connect("quiet", "out");
        return new LiveSession(TestNodes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1 });
    }

    [Fact]
    public void ReadMeters_GivesEachNodesPeakAndRmsSinceThePreviousRead_ASilentNodeAtZero()
    {
        LiveSession session = NewSession();
        var probe = new NodeProbe { Metering = true };
        session.Renderer.Probe = probe;
        for (int b = 0; b < 10; b++)
        {
            session.Renderer.Render(Block);
        }

        var peak = new float[NodeProbe.MaxNodes];
        var rms = new float[NodeProbe.MaxNodes];
        int count = probe.ReadMeters(peak, rms, out (float Peak, float Rms) output, out GraphSnapshot? read);
        Assert.Same(probe.MeteredSnapshot, read);
        Assert.Equal(probe.MeteredSnapshot!.Nodes.Length, count);
        int loud = probe.MeteredSnapshot.IndexOfNode("loud");
        int quiet = probe.MeteredSnapshot.IndexOfNode("quiet");

        // The ramp's last frame (position 999) is its peak; its RMS is that of 0..999 × 1e-3.
        Assert.Equal(0.999f, peak[loud], 1e-5f);
        double expectedRms = Math.Sqrt(Enumerable.Range(0, 1000).Sum(i => i * 1e-3 * (i * 1e-3)) / 1000);
        Assert.Equal(expectedRms, rms[loud], 1e-4);
        Assert.Equal(0f, peak[quiet]);
        Assert.Equal(0f, rms[quiet]);

        // The output as played: the sum, here the loud ramp's.
        Assert.Equal(0.999f, output.Peak, 1e-5f);

        // The next read covers only the blocks since: 1000..1099.
        session.Renderer.Render(Block);
        probe.ReadMeters(peak, rms, out _, out _);
        Assert.Equal(1.099f, peak[loud], 1e-5f);

        // No block since: nothing to report.
        probe.ReadMeters(peak, rms, out _, out _);
        Assert.Equal(0f, peak[loud]);
    }

    [Fact]
    public void Scope_PointedAtOneNode_CopiesThatNodesOutput_NotTheMastersAndNothingFromBefore()
    {
        LiveSession session = NewSession();
        var probe = new NodeProbe { ScopeNodeId = "quiet" };
        session.Renderer.Probe = probe;
        for (int b = 0; b < 5; b++)
        {
            session.Renderer.Render(Block);
        }

        var frames = new float[1000];
        Assert.Equal(500, probe.CopyScope(frames, out _));
        Assert.All(frames[..500], x => Assert.Equal(0f, x));

        // Pointed elsewhere: only frames of the new node, from the next block on.
        probe.ScopeNodeId = "loud";
        Assert.Equal(0, probe.CopyScope(frames, out _));
        session.Renderer.Render(Block);
        Assert.Equal(Block, probe.CopyScope(frames, out _));
        for (int i = 0; i < Block; i++)
        {
            Assert.Equal((500 + i) * 1e-3f, frames[i], 1e-5f);
        }

        // A node not in the graph: nothing.
        probe.ScopeNodeId = "nosuch";
        session.Renderer.Render(Block);
        Assert.Equal(0, probe.CopyScope(frames, out _));
    }

    [Fact]
    public void Render_WithMetersOnAndANodeScope_AllocatesNothing_WhileAnotherThreadReadsThem()
    {
        LiveSession session = NewSession();
        var probe = new NodeProbe { Metering = true, ScopeNodeId = "loud" };
        session.Renderer.Probe = probe;

        // Tiered compilation allocates on the calling thread while it installs optimised code: warm up past it.
        for (int b = 0; b < 200; b++)
        {
            session.Renderer.Render(Block);
        }

        Thread.Sleep(300);
        for (int b = 0; b < 200; b++)
        {
            session.Renderer.Render(Block);
        }

        using var stop = new CancellationTokenSource();
        long reads = 0;
        var reader = new Thread(() =>
        {
            var peak = new float[NodeProbe.MaxNodes];
            var rms = new float[NodeProbe.MaxNodes];
            var frames = new float[2048];
            while (!stop.IsCancellationRequested)
            {
                probe.ReadMeters(peak, rms, out _, out _);
                probe.CopyScope(frames, out _);
                reads++;
            }
        });
        reader.Start();
        IReadOnlyList<long> windows = SteadyAllocation.Windows(() =>
        {
            for (int b = 0; b < 10_000; b++)
            {
                session.Renderer.Render(Block);
            }
        });
        stop.Cancel();
        reader.Join();
        Assert.True(windows[^1] == 0, $"bytes allocated in each window of 10,000 blocks while a reader copies meters and scope: {string.Join(", ", windows)}");
        Assert.True(reads > 0, "the reader never ran");

        // The probe's cost, for docs/performance.md (reported, not asserted: timings under load are noise). Reads at
        // the page's rate are too rare to matter; the reader above, spinning, is not what a page does.
        for (int round = 0; round < 3; round++)
        {
            session.Renderer.Probe = probe;
            TimeSpan withProbe = TimeBlocks(session);
            session.Renderer.Probe = null;
            TimeSpan without = TimeBlocks(session);
            output.WriteLine($"10,000 blocks of {Block} frames, 3 nodes: {withProbe.TotalMilliseconds:F1} ms with meters and a node scope, {without.TotalMilliseconds:F1} ms without.");
        }
    }

    private static TimeSpan TimeBlocks(LiveSession session)
    {
        long start = Stopwatch.GetTimestamp();
        for (int b = 0; b < 10_000; b++)
        {
            session.Renderer.Render(Block);
        }

        return Stopwatch.GetElapsedTime(start);
    }
}
