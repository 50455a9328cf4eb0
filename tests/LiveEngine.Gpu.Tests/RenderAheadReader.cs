using LiveEngine.Live;

namespace LiveEngine.Gpu.Tests;

/// <summary>The device's side of a render-ahead session in the placement tests: reads stereo output block by block.</summary>
internal static class RenderAheadReader
{
    /// <summary>
    /// Starts <paramref name="session"/>'s render-ahead with <paramref name="hook"/> (waiting when empty, as an offline
    /// render does), reads <paramref name="frames"/> frames of its two channels in <paramref name="deviceFrames"/>-frame
    /// blocks, and stops it. <paramref name="audioThreadBytes"/>: what the reading thread allocated over the second half.
    /// </summary>
    public static float[][] Read(LiveSession session, IDeferredBlockHook? hook, int frames, int deviceFrames, out long audioThreadBytes)
    {
        session.StartRenderAhead(waitWhenEmpty: true, deferredBlockHook: hook);
        float[][] result = [new float[frames], new float[frames]];
        long allocatedBefore = 0;
        try
        {
            for (int at = 0; at < frames; at += deviceFrames)
            {
                if (at / deviceFrames == frames / deviceFrames / 2)
                {
                    allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                }

                int n = Math.Min(deviceFrames, frames - at);
                session.Renderer.Render(n);
                session.Renderer.Output(0, n).CopyTo(result[0].AsSpan(at));
                session.Renderer.Output(1, n).CopyTo(result[1].AsSpan(at));
            }

            audioThreadBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        }
        finally
        {
            session.Renderer.StopRenderAhead();
        }

        return result;
    }
}
