using LiveEngine.Dsp;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.CSharp.Tests;

/// <summary>A session with the built-in node types, an empty graph and a C# workspace over it.</summary>
internal sealed class SessionFixture : IDisposable
{
    public SessionFixture(int outputChannels = 1, double crossfadeMs = 0, IGraphExecutor? executor = null)
    {
        Registry = BuiltinNodeTypes.CreateRegistry();
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: outputChannels);
        Session = new LiveSession(Registry, graph, new LiveSessionOptions { OutputChannels = outputChannels, MaxBlockFrames = 128, CrossfadeMs = crossfadeMs }, executor);
        Workspace = new CSharpWorkspace(Session, Registry);
    }

    public NodeTypeRegistry Registry { get; }

    public LiveSession Session { get; }

    public CSharpWorkspace Workspace { get; }

    /// <summary>Samples per bar at the default 120 BPM, 4/4, 48 kHz.</summary>
    public const int BarFrames = 96_000;

    public Evaluation Eval(string code) => Workspace.EvaluateAsync(code).GetAwaiter().GetResult();

    public Evaluation EvalOk(string code)
    {
        Evaluation result = Eval(code);
        Assert.True(result.Ok, string.Join("\n", result.Diagnostics));
        return result;
    }

    /// <summary>Renders <paramref name="frames"/> frames in 128-frame blocks and returns channel 0.</summary>
    public float[] Render(int frames)
    {
        var output = new float[frames];
        int done = 0;
        while (done < frames)
        {
            int size = Math.Min(128, frames - done);
            Session.Renderer.Render(size);
            Session.Renderer.Output(0, size).CopyTo(output.AsSpan(done, size));
            done += size;
            Session.Maintain();
        }

        return output;
    }

    public void Dispose() => Workspace.Dispose();
}
