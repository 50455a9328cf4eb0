using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Execution;

/// <summary>
/// Renders a snapshot into memory faster than real time, block after block, with fixed or varying block
/// sizes. The plain path that tests, benchmarks and the WAV renderer share.
/// </summary>
public static class OfflineRender
{
    /// <summary>Compiles <paramref name="description"/> and renders <paramref name="frames"/> frames of its output.</summary>
    public static float[][] Render(GraphDescription description, NodeTypeRegistry registry, int sampleRate, int frames, int blockFrames = 64) =>
        Render(GraphCompiler.Compile(description, registry, new CompileOptions { SampleRate = sampleRate, MaxBlockFrames = blockFrames }), frames, _ => blockFrames);

    /// <summary>
    /// Renders <paramref name="frames"/> frames of the snapshot's output (one array per channel).
    /// <paramref name="nextBlockFrames"/> gets the block index and returns that block's size (clamped to
    /// 1..MaxBlockFrames and to what is left), so tests can split the stream any way they like. The
    /// <paramref name="executor"/> (single-thread when null) is given the snapshot to prepare first.
    /// </summary>
    public static float[][] Render(GraphSnapshot snapshot, int frames, Func<int, int> nextBlockFrames, IGraphExecutor? executor = null)
    {
        executor ??= SingleThreadExecutor.Instance;
        executor.Prepare(snapshot);
        var output = new float[snapshot.OutputChannels][];
        for (int c = 0; c < output.Length; c++)
        {
            output[c] = new float[frames];
        }

        long position = 0;
        for (int block = 0; position < frames; block++)
        {
            int size = Math.Clamp(nextBlockFrames(block), 1, snapshot.MaxBlockFrames);
            size = (int)Math.Min(size, frames - position);
            executor.Process(snapshot, size, position);
            for (int c = 0; c < output.Length; c++)
            {
                snapshot.GetOutput(c, size).CopyTo(output[c].AsSpan((int)position, size));
            }

            position += size;
        }

        return output;
    }
}
