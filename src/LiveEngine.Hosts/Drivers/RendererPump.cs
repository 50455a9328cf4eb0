using System.Diagnostics;
using LiveEngine.Live;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// What every real-time driver does in its callback: render the device's buffer in blocks of at most the
/// session's maximum, copy each block into the device's per-channel buffers, and record the callback's time
/// (a callback longer than its period is logged as a deadline miss). Audio thread only; allocation-free.
/// </summary>
internal static unsafe class RendererPump
{
    /// <param name="renderer">The session's audio side.</param>
    /// <param name="channels">One device buffer per output channel, each <paramref name="frames"/> long (null: render, discard).</param>
    /// <param name="frames">The device's buffer size for this callback.</param>
    /// <param name="stats">Where the callback's time goes.</param>
    /// <param name="backupThread">The null driver's backup pacer renders it (<see cref="BlockTimeStats.RecordBlock"/>).</param>
    public static void Pump(LiveRenderer renderer, float** channels, int frames, BlockTimeStats stats, bool backupThread = false)
    {
        long start = Stopwatch.GetTimestamp();
        long sample = renderer.Position;
        int block = renderer.MaxBlockFrames;
        for (int done = 0; done < frames; done += block)
        {
            int n = Math.Min(block, frames - done);
            renderer.Render(n);
            if (channels is null)
            {
                continue;
            }

            for (int c = 0; c < renderer.OutputChannels; c++)
            {
                renderer.Output(c, n).CopyTo(new Span<float>(channels[c] + done, n));
            }
        }

        stats.RecordBlock(Stopwatch.GetTimestamp() - start, frames, sample, backupThread);
    }
}
