using System.Diagnostics;
using LiveEngine.Control;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;

namespace LiveEngine.Hosts.Offline;

/// <summary>
/// Renders a live piece (a script driving a <see cref="LiveSession"/>) faster than real time into a WAV file.
/// The piece is pumped before every block with the block's start position, so every event it emits lands on the
/// sample its musical time names, however long the script takes: the same piece and seed give the same bits.
/// </summary>
public static class OfflinePieceRenderer
{
    /// <summary>
    /// Starts <paramref name="piece"/> on <paramref name="session"/> (unless <paramref name="started"/>), then renders
    /// <paramref name="frames"/> frames in blocks of <paramref name="blockFrames"/> into <paramref name="path"/>.
    /// </summary>
    public static RenderReport Render(ILivePiece piece, LiveSession session, long frames, int blockFrames, string path, WavSampleFormat format, Action<double>? progress = null, bool started = false)
    {
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(session);
        using var writer = new WavWriter(path, session.Options.SampleRate, session.Renderer.OutputChannels, format);
        return Render(piece, session, frames, blockFrames, writer, progress, started);
    }

    /// <summary>
    /// As <see cref="Render(ILivePiece, LiveSession, long, int, string, WavSampleFormat, Action{double}?, bool)"/>, into a writer (or nowhere, when null);
    /// <paramref name="onChunk"/> sees each rendered chunk (planar channels, frame count) before the next is rendered.
    /// <paramref name="deferredBlockHook"/> (the GPU placement) is called around every block: offline, with no device to
    /// be late for, every block is a deferred one, and the hook's work (a launch) runs between blocks on this thread.
    /// </summary>
    public static RenderReport Render(ILivePiece piece, LiveSession session, long frames, int blockFrames, WavWriter? writer, Action<double>? progress = null, bool started = false, Action<IReadOnlyList<float[]>, int>? onChunk = null, IDeferredBlockHook? deferredBlockHook = null)
    {
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockFrames, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockFrames, session.Renderer.MaxBlockFrames);
        if (!started)
        {
            piece.Start(session);
        }

        LiveRenderer renderer = session.Renderer;
        int channels = renderer.OutputChannels;
        int chunkFrames = Math.Max(blockFrames, 8192 / blockFrames * blockFrames);
        var chunk = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            chunk[c] = new float[chunkFrames];
        }

        long start = Stopwatch.GetTimestamp();
        long lastReport = start;
        long reportTicks = Stopwatch.Frequency / 20;
        long position = renderer.Position;
        long end = position + frames;
        int blocks = 0;
        while (position < end)
        {
            int filled = 0;
            while (filled < chunkFrames && position < end)
            {
                int size = (int)Math.Min(blockFrames, Math.Min(chunkFrames - filled, end - position));
                piece.Pump(position);
                bool deferred = deferredBlockHook?.TryBeginDeferredBlock() ?? false;
                renderer.Render(size);
                if (deferred)
                {
                    deferredBlockHook!.DeferredBlockRendered(split: false);
                }

                for (int c = 0; c < channels; c++)
                {
                    renderer.Output(c, size).CopyTo(chunk[c].AsSpan(filled, size));
                }

                filled += size;
                position += size;
                if (++blocks % 64 == 0)
                {
                    session.Maintain();
                }
            }

            writer?.WritePlanar(chunk, 0, filled);
            onChunk?.Invoke(chunk, filled);
            long now = Stopwatch.GetTimestamp();
            if (progress is not null && now - lastReport >= reportTicks)
            {
                lastReport = now;
                progress((position - (end - frames)) / (double)Math.Max(1, frames));
            }
        }

        progress?.Invoke(1.0);
        return new RenderReport(frames, channels, session.Options.SampleRate, Stopwatch.GetElapsedTime(start));
    }
}
