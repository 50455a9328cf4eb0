using LiveEngine.Graph;
using LiveEngine.Live;

namespace LiveEngine.Tests.Live;

public sealed class OutputTapTests
{
    private const int Block = 100;

    /// <summary>A ramp (the stream position × 1e-3) into the output: every frame says where it was rendered.</summary>
    private static LiveSession NewSession()
    {
        var graph = new GraphDescription();
        graph.Add("r", "ramp", new Dictionary<string, double> { ["scale"] = 1e-3 });
        graph.Add("out", "out", channels: 1);
        graph.Connect("r", "out");
        return new LiveSession(TestNodes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1 });
    }

    [Fact]
    public void CopyLatest_GivesTheLastRenderedFrames_OldestFirst()
    {
        LiveSession session = NewSession();
        var tap = new OutputTap();
        session.Renderer.Tap = tap;
        for (int b = 0; b < 30; b++)
        {
            session.Renderer.Render(Block);
        }

        var frames = new float[1000];
        int copied = tap.CopyLatest(frames, out long end);
        Assert.Equal(1000, copied);
        Assert.Equal(3000, end);
        Assert.Equal(3000, tap.Written);

        // Frame i of the copy was rendered at stream position 2000 + i.
        for (int i = 0; i < copied; i++)
        {
            Assert.Equal((2000 + i) * 1e-3f, frames[i], 1e-4f);
        }
    }

    [Fact]
    public void CopyLatest_BeforeAnythingWasRendered_CopiesNothing_AndAtMostHalfTheRing()
    {
        LiveSession session = NewSession();
        var tap = new OutputTap();
        session.Renderer.Tap = tap;
        var frames = new float[OutputTap.Capacity];
        Assert.Equal(0, tap.CopyLatest(frames, out long end));
        Assert.Equal(0, end);
        for (int b = 0; b < OutputTap.Capacity / Block + 10; b++)
        {
            session.Renderer.Render(Block);
        }

        Assert.Equal(OutputTap.MaxReadFrames, tap.CopyLatest(frames, out _));
    }

    [Fact]
    public void Render_WithATap_AllocatesNothing_WhileAnotherThreadReadsIt()
    {
        LiveSession session = NewSession();
        var tap = new OutputTap();
        session.Renderer.Tap = tap;

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
            var frames = new float[2048];
            while (!stop.IsCancellationRequested)
            {
                tap.CopyLatest(frames, out _);
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
        Assert.True(windows[^1] == 0, $"bytes allocated in each window of 10,000 blocks while a reader copies the tap: {string.Join(", ", windows)}");
        Assert.True(reads > 0, "the reader never ran");
    }
}
