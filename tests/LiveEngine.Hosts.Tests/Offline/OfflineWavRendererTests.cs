using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Hosts.Offline;
using LiveEngine.Hosts.Wav;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Hosts.Offline;

public sealed class OfflineWavRendererTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("liveengine-offline-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(1500, 1500)]
    [InlineData(300, 300)]
    [InlineData(1000.5, 1001)]
    public void Render_ReportsItsBlocks_AndItsPhasesWithinTheElapsedTime(double blocksOf64, int expectedBlocks)
    {
        GraphSnapshot snapshot = GraphCompiler.Compile(StandardWorkloads.Create("voices-16", 1), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { SampleRate = 48_000, MaxBlockFrames = 64 });
        long frames = (long)(blocksOf64 * 64);

        RenderReport report = OfflineWavRenderer.Render(snapshot, frames, 64, Path.Combine(_directory, "x.wav"), WavSampleFormat.Float32);

        Assert.Equal(expectedBlocks, report.Blocks);
        Assert.InRange(report.FirstBlock, TimeSpan.FromTicks(1), report.FirstBlocks);
        Assert.InRange(report.FirstBlocks, report.FirstBlock, report.Elapsed);
        Assert.InRange(report.Writing, TimeSpan.FromTicks(1), report.Elapsed);
        if (expectedBlocks <= RenderReport.StartBlocks)
        {
            // A render no longer than the start: all of it is the start.
            Assert.Equal(report.Elapsed, report.FirstBlocks);
        }
        else
        {
            Assert.True(report.FirstBlocks < report.Elapsed, $"first {RenderReport.StartBlocks} blocks {report.FirstBlocks} of {report.Elapsed}");
        }
    }
}
