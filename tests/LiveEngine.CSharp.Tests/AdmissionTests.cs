using System.Runtime.CompilerServices;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.CSharp.Tests;

public sealed class AdmissionTests
{
    private const string Square = """
        [Node("sq", Inputs = new string[0])]
        [Param("periodFrames", 2, 1000, 100)]
        class Square : UserNode
        {
            private long _n;

            protected override void Render(in ProcessContext context)
            {
                Span<float> output = context.Output(0);
                int period = (int)context.Parameters[0];
                for (int i = 0; i < output.Length; i++)
                {
                    output[i] = (_n++ % period) < period / 2 ? 0.5f : -0.5f;
                }
            }
        }
        """;

    [Fact]
    public void NodeBytes_CompiledInOnePlace_AreAdmittedAndPlayElsewhere()
    {
        NodeAssembly compiled = NodeCompiler.Compile(Square);
        Assert.True(compiled.Success, string.Join("\n", compiled.Diagnostics));
        Assert.Equal(["Square"], compiled.ClassNames);

        // The engine side: bytes in, a registered type out.
        AdmissionResult result = NodeAdmission.Admit(compiled.Image!, compiled.Pdb, new AdmissionOptions { BlockFrames = 128 });
        Assert.Empty(result.Rejections);
        NodeTypeDescriptor type = Assert.Single(result.Generation!.Types);
        Assert.Equal("sq", type.Name);
        Assert.Equal(NodeTypeFlags.Untrusted, type.Flags);
        Assert.Equal(result.Generation.Measurements[0].CostNsPerFrame, type.CostNsPerFrame);

        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        registry.Register(type);
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("q", "sq", new Dictionary<string, double> { ["periodFrames"] = 4 });
        graph.Connect("q", "out");
        var session = new LiveSession(registry, graph, new LiveSessionOptions { OutputChannels = 1, CrossfadeMs = 0 });
        session.Renderer.Render(8);
        Assert.Equal([0.5f, 0.5f, -0.5f, -0.5f, 0.5f, 0.5f, -0.5f, -0.5f], session.Renderer.Output(0, 8).ToArray());
    }

    [Fact]
    public void AnUnloadedGeneration_StaysWhileItsTypeIsReferenced_AndIsCollectedAfter()
    {
        var held = new List<NodeTypeDescriptor>();
        NodeGeneration generation = AdmitAndUnload(held);
        Collect(generation);
        Assert.False(generation.IsCollected);

        held.Clear();
        Collect(generation);
        Assert.True(generation.IsCollected);
    }

    private static void Collect(NodeGeneration generation)
    {
        for (int i = 0; i < 10 && !generation.IsCollected; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static NodeGeneration AdmitAndUnload(List<NodeTypeDescriptor> held)
    {
        NodeAssembly compiled = NodeCompiler.Compile(Square);
        NodeGeneration generation = NodeAdmission.Admit(compiled.Image!, compiled.Pdb, new AdmissionOptions()).Generation!;
        held.Add(generation.Types[0]);
        generation.Unload();
        return generation;
    }

    [Fact]
    public void ASnippetWithoutANodeClass_CompilesToNothing()
    {
        NodeAssembly compiled = NodeCompiler.Compile("var x = 1;");
        Assert.False(compiled.Success);
        Assert.Equal("error NODE: no class deriving from UserNode", Assert.Single(compiled.Diagnostics).ToString());
    }

    [Fact]
    public async Task WarmUp_LeavesTheSessionsRegistryAndGraphAlone()
    {
        using var f = new SessionFixture();
        string before = f.Session.Graph.ToJson();
        int types = f.Registry.Types.Count();
        await f.Workspace.WarmUpAsync();
        Assert.Equal(types, f.Registry.Types.Count());
        Assert.Equal(before, f.Session.Graph.ToJson());
        Evaluation result = await f.Workspace.EvaluateAsync("1 + 1");
        Assert.Equal(2, result.Value);
    }
}
