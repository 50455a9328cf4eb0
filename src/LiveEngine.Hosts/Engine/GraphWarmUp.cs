using System.Diagnostics;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Renders a copy of the graph about to play, in a throwaway session and off the audio thread, until the JIT has
/// finished optimizing its render path. .NET first runs a method as quickly compiled code and recompiles it optimized
/// only after 30 calls and a pause in compiling; a render-ahead pass in 1,024-frame blocks makes those 30 calls in
/// 0.6 s of audio, at a fraction of the optimized speed (measured: <c>voices-8192</c> through the null driver with
/// render-ahead on played 59 blocks of silence in 10 s; 4 with the JIT's tiering off). The session that plays is
/// not touched: it starts at sample 0 with its own state.
/// </summary>
public static class GraphWarmUp
{
    /// <summary>
    /// Renders <paramref name="graph"/> in blocks of <paramref name="blockFrames"/> (and, when
    /// <paramref name="secondBlockFrames"/> differs, of that too) until no method has been compiled for 250 ms, at
    /// least 40 blocks of each and at most <paramref name="limit"/>; returns the time it took.
    /// </summary>
    public static TimeSpan Run(NodeTypeRegistry registry, GraphDescription graph, LiveSessionOptions options, IGraphExecutor? executor, int blockFrames, int secondBlockFrames, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var session = new LiveSession(registry, graph.Clone(), options, executor);
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan lastCompile = clock.Elapsed;
        int blocks = 0;
        while (clock.Elapsed < limit)
        {
            session.Renderer.Render(blockFrames);
            if (secondBlockFrames != blockFrames)
            {
                session.Renderer.Render(secondBlockFrames);
            }

            blocks++;
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                lastCompile = clock.Elapsed;
            }
            else if (blocks >= 40 && clock.Elapsed - lastCompile > TimeSpan.FromMilliseconds(250))
            {
                break;
            }
        }

        return clock.Elapsed;
    }
}
