using System.Globalization;
using LiveEngine.Execution;
using LiveEngine.Hosts.Wav;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Hosts.Offline;

/// <summary>
/// What an offline render of a graph says, word for word, in <c>liveengine render</c> and <c>liveengine-render</c>
/// alike: the line before it, the parallel executor's account after it, the nodes that threw, and the line that names
/// the file written (on standard output, for scripts).
/// </summary>
public static class OfflineRenderLines
{
    /// <summary>The line before the render: what, how long, in what blocks, how large, on how many threads, into which file.</summary>
    public static string Rendering(string name, double seconds, GraphSnapshot snapshot, int blockFrames, int threads, string output) =>
        $"Rendering {name}: {seconds.ToString("0.###", CultureInfo.InvariantCulture)} s at {snapshot.SampleRate} Hz, {blockFrames}-frame blocks, {snapshot.Nodes.Length} nodes, {snapshot.Jobs.Length} jobs, {threads} thread(s) → {output}";

    /// <summary>
    /// After a render on more than one thread: how many blocks the measured serial/parallel choice ran on all threads
    /// (a render at load runs serially), and how many of those in superblocks. Nothing for one thread.
    /// </summary>
    public static IEnumerable<string> ParallelAccount(IGraphExecutor executor)
    {
        if (executor is not ParallelExecutor { Threads: > 1 } parallel)
        {
            yield break;
        }

        yield return string.Create(CultureInfo.InvariantCulture, $"{parallel.ParallelBlocks} of {parallel.ParallelBlocks + parallel.SerialBlocks} blocks ran on {parallel.Threads} threads, the rest on one (the measured choice).");
        if (parallel.SuperblockCounts is { Runs: > 0 } superblocks)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{superblocks.Blocks} of them in {superblocks.Runs} superblocks (each worker its own jobs, one synchronisation per superblock).");
        }
    }

    /// <summary>One line for each node that threw during the render and was silenced, with its exception's message.</summary>
    public static IEnumerable<string> SilencedNodes(GraphSnapshot snapshot)
    {
        for (int n = 0; n < snapshot.Nodes.Length; n++)
        {
            if (snapshot.NodeFaulted[n] != 0)
            {
                yield return $"Node '{snapshot.NodeIds[n]}' threw and was silenced: {snapshot.NodeExceptions[n]?.Message}";
            }
        }
    }

    /// <summary>The line after the render (standard output): the file, its length and format, the wall time and the real-time factor.</summary>
    public static string Wrote(string output, RenderReport report, WavSampleFormat format) => string.Create(
        CultureInfo.InvariantCulture,
        $"Wrote {output}: {report.Frames / (double)report.SampleRate:0.###} s, {report.Channels} ch, {report.SampleRate} Hz, {format.BitsPerSample()}-bit in {report.Elapsed.TotalSeconds:0.###} s — real-time factor {report.RealTimeFactor:0.0}×");
}
