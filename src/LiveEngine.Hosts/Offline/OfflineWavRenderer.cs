using System.Diagnostics;
using LiveEngine.Execution;
using LiveEngine.Hosts.Wav;
using LiveEngine.Snapshots;

namespace LiveEngine.Hosts.Offline;

/// <summary>What an offline render did and how fast.</summary>
/// <param name="Frames">Frames written.</param>
/// <param name="Channels">Channels written.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="Elapsed">Wall time spent rendering (writing included).</param>
public sealed record RenderReport(long Frames, int Channels, int SampleRate, TimeSpan Elapsed)
{
    /// <summary>Blocks the render counts separately in <see cref="FirstBlocks"/>: its start, where code, caches and the workers warm up.</summary>
    public const int StartBlocks = 1000;

    /// <summary>Wall time of the first block (zero where not measured).</summary>
    public TimeSpan FirstBlock { get; init; }

    /// <summary>Wall time of the first <see cref="StartBlocks"/> blocks, or of all of them in a shorter render (zero where not measured).</summary>
    public TimeSpan FirstBlocks { get; init; }

    /// <summary>Blocks rendered in all.</summary>
    public long Blocks { get; init; }

    /// <summary>Wall time spent handing chunks to the WAV writer (encoding and the write calls), part of <see cref="Elapsed"/>.</summary>
    public TimeSpan Writing { get; init; }

    /// <summary>Seconds of audio per second of wall time.</summary>
    public double RealTimeFactor => Elapsed.TotalSeconds <= 0 ? double.PositiveInfinity : Frames / (double)SampleRate / Elapsed.TotalSeconds;
}

/// <summary>Renders a snapshot faster than real time into a WAV file: the offline host.</summary>
public static class OfflineWavRenderer
{
    /// <summary>
    /// Renders <paramref name="frames"/> frames of <paramref name="snapshot"/> in blocks of
    /// <paramref name="blockFrames"/> into <paramref name="path"/>. <paramref name="progress"/>, if given, is
    /// called about every 50 ms with the fraction done (0..1) on the rendering thread. The
    /// <paramref name="executor"/> (single-thread when null) runs the blocks; every executor gives the same bits.
    /// </summary>
    public static RenderReport Render(GraphSnapshot snapshot, long frames, int blockFrames, string path, WavSampleFormat format, Action<double>? progress = null, IGraphExecutor? executor = null)
    {
        executor ??= SingleThreadExecutor.Instance;
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockFrames, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockFrames, snapshot.MaxBlockFrames);
        if (snapshot.OutputChannels == 0)
        {
            throw new InvalidOperationException("The graph has no 'out' node, so there is nothing to render.");
        }

        // Render into chunk-sized planar buffers and write them in one go: fewer, larger writes.
        int chunkFrames = Math.Max(blockFrames, 8192 / blockFrames * blockFrames);
        var chunk = new float[snapshot.OutputChannels][];
        for (int c = 0; c < chunk.Length; c++)
        {
            chunk[c] = new float[chunkFrames];
        }

        executor.PrepareBlockRuns(snapshot);
        using var writer = new WavWriter(path, snapshot.SampleRate, snapshot.OutputChannels, format);
        long start = Stopwatch.GetTimestamp();
        long lastReport = start;
        long reportTicks = Stopwatch.Frequency / 20;
        long position = 0;

        // Where the time goes (render --timing): the first block, the first StartBlocks, the writes.
        long blocks = 0;
        long firstBlockEnd = 0;
        long startBlocksEnd = 0;
        long writingTicks = 0;
        while (position < frames)
        {
            int filled = 0;
            while (filled < chunkFrames && position < frames)
            {
                // Whole blocks back to back as one call (an executor may render them in superblocks), ending where the
                // timing below looks: the first block, the first StartBlocks.
                int size = (int)Math.Min(blockFrames, Math.Min(chunkFrames - filled, frames - position));
                long run = size < blockFrames || blocks == 0 ? 1 : Math.Min((chunkFrames - filled) / blockFrames, (frames - position) / blockFrames);
                if (blocks < RenderReport.StartBlocks)
                {
                    run = Math.Min(run, RenderReport.StartBlocks - blocks);
                }

                executor.ProcessBlocks(snapshot, (int)run, size, position, chunk, filled);
                filled += (int)run * size;
                position += run * size;
                blocks += run;
                if (blocks <= RenderReport.StartBlocks && (blocks == 1 || blocks == RenderReport.StartBlocks))
                {
                    long end = Stopwatch.GetTimestamp();
                    firstBlockEnd = blocks == 1 ? end : firstBlockEnd;
                    startBlocksEnd = end;
                }
            }

            long writeStart = Stopwatch.GetTimestamp();
            writer.WritePlanar(chunk, 0, filled);
            long now = Stopwatch.GetTimestamp();
            writingTicks += now - writeStart;
            if (progress is not null && now - lastReport >= reportTicks)
            {
                lastReport = now;
                progress(position / (double)frames);
            }
        }

        progress?.Invoke(1.0);
        long closeStart = Stopwatch.GetTimestamp();
        writer.Dispose();
        long finished = Stopwatch.GetTimestamp();
        writingTicks += finished - closeStart;
        startBlocksEnd = blocks < RenderReport.StartBlocks ? finished : startBlocksEnd;
        return new RenderReport(frames, snapshot.OutputChannels, snapshot.SampleRate, Stopwatch.GetElapsedTime(start, finished))
        {
            Blocks = blocks,
            FirstBlock = blocks == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(start, firstBlockEnd),
            FirstBlocks = Stopwatch.GetElapsedTime(start, startBlocksEnd),
            Writing = Stopwatch.GetElapsedTime(0, writingTicks),
        };
    }
}
