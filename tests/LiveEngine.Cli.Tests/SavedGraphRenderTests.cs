using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Tests.Cli;

/// <summary>The REPL's <c>:save</c> writes what <c>liveengine render</c> renders, the session's own C# node types included.</summary>
public sealed class SavedGraphRenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-save-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SavedGraphWithAUserCSharpNode_RendersThroughTheCommand_WithoutTheSession()
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        string json = Path.Combine(_dir, "song.json");
        string message;
        using (var performance = new Performance(registry, new PerformanceOptions()))
        {
            foreach (Func<ILiveSession, ILiveLanguage> language in FrontendLanguages.Create(registry))
            {
                performance.AddLanguage(language);
            }

            Evaluation defined = await performance.EvaluateAsync("cs", """
                using System.Numerics;

                [Node("dc", Inputs = new string[0], Channels = 2)]
                [Param("level", 0, 1, 0.25f)]
                class Dc : UserNode
                {
                    protected override void Render(in ProcessContext context)
                    {
                        for (int c = 0; c < context.OutputChannelCount; c++)
                        {
                            context.Output(c).Fill(context.Parameters[0]);
                        }
                    }
                }

                Graph().Add("d", "dc", ("level", 0.375)).Chain("d", "out").Commit(Now);
                """, "dc.csx", Quantization.Now);
            Assert.True(defined.Ok, defined.Error);
            message = performance.Save(json);
        }

        string piece = Path.Combine(_dir, "song.csx");
        Assert.Contains("song.csx", message);
        Assert.Contains("\"dc\"", File.ReadAllText(json));
        Assert.Contains("class Dc : UserNode", File.ReadAllText(piece));

        // The graph alone names a type no fresh process knows; the piece beside it renders.
        string wav = Path.Combine(_dir, "song.wav");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", piece, "--seconds", "0.5", "--out", wav, "--bits", "32");
        Assert.True(result.ExitCode == 0, result.Error);
        float[] left = WavFile.Read(wav).Channels[0];
        Assert.Equal(24_000, left.Length);
        // After the 20 ms crossfade from the silent start graph, the node's level exactly.
        Assert.All(left[960..], s => Assert.Equal(0.375f, s));
    }

    [Fact]
    public void SavedGraphOfBuiltInNodes_IsPlainJson_ThatRenders()
    {
        var graph = new Graph.GraphDescription();
        graph.Add("osc", "saw", new Dictionary<string, double> { ["freqHz"] = 440 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "pan", "out");
        string json = Path.Combine(_dir, "tone.json");
        using (var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions { InitialGraph = graph }))
        {
            Assert.StartsWith($"saved the graph to {json}", performance.Save(json));
        }

        Assert.False(File.Exists(Path.Combine(_dir, "tone.csx")));
        string wav = Path.Combine(_dir, "tone.wav");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "render", json, "--seconds", "0.25", "--out", wav, "--bits", "32");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(WavFile.Read(wav).Channels[0].Max(MathF.Abs) > 0.1f);
    }
}
