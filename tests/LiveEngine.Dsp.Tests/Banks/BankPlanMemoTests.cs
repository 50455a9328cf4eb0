using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Banks;

/// <summary>
/// The bank planner searches again only the lane sources an edit can have changed (<see cref="BankPlanMemo"/>), and
/// forms the banks a full search forms.
/// </summary>
public sealed class BankPlanMemoTests(ITestOutputHelper output)
{
    private const int Block = 64;

    [Fact]
    public void VoiceEdit_OfAGraphWithNoBank_SearchesOnlyTheNewVoice_AndTheWayBackSearchesNothing()
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        GraphDescription graph = StandardWorkloads.Create("session");
        GraphDescription withVoice = WithSoakVoice(graph);
        var options = new CompileOptions { MaxBlockFrames = Block };

        BankPlanMemo.Current.Forget();
        GraphCompiler.Compile(graph, registry, options);
        int all = BankPlanMemo.Current.LastSearchedSources;
        GraphSnapshot added = GraphCompiler.Compile(withVoice, registry, options);
        int afterAdding = BankPlanMemo.Current.LastSearchedSources;
        GraphSnapshot removed = GraphCompiler.Compile(graph, registry, options);
        int afterRemoving = BankPlanMemo.Current.LastSearchedSources;
        output.WriteLine($"sources searched: {all} (first plan), {afterAdding} (voice added), {afterRemoving} (voice removed)");

        Assert.True(all > 500, $"{all} sources in the first plan");
        Assert.Equal(1, afterAdding);
        Assert.Equal(0, afterRemoving);
        AssertSamePlanAsAFullSearch(added, withVoice, registry);
        AssertSamePlanAsAFullSearch(removed, graph, registry);
    }

    [Fact]
    public void EditOfOneBankedVoice_FormsTheBanksOfAFullSearch_AndRendersTheSame()
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        GraphDescription graph = BankTestGraphs.TwoKinds(sawVoices: 10);
        var options = new CompileOptions { MaxBlockFrames = Block };
        BankPlanMemo.Current.Forget();
        GraphCompiler.Compile(graph, registry, options);

        // One chain's lane leaves its bank (opted out), then comes back; one voice's filter also feeds the output (an
        // edge inserted first, so every edge after it moves); one saw voice is added; one node's type changes.
        GraphDescription optedOut = graph.Clone();
        optedOut.Nodes.First(n => n.Id.StartsWith('c') && n.Type == "saw").Options[BankPlanner.OptOutOption] = "off";
        GraphDescription added = BankTestGraphs.TwoKinds(sawVoices: 11);
        GraphDescription retyped = graph.Clone();
        retyped.Nodes.First(n => n.Id.StartsWith('c') && n.Type == "saw").Type = "square";
        GraphDescription tapped = WithTap(graph, graph.Nodes.First(n => n.Type == "rlpf").Id, at: 0);
        foreach (GraphDescription edit in new[] { optedOut, graph, tapped, graph, added, graph, retyped, graph })
        {
            GraphSnapshot planned = GraphCompiler.Compile(edit, registry, options);
            Assert.NotEmpty(planned.Banks);
            GraphSnapshot full = AssertSamePlanAsAFullSearch(planned, edit, registry);
            for (int b = 0; b < 8; b++)
            {
                SingleThreadExecutor.Process(planned, Block, b * Block);
                SingleThreadExecutor.Process(full, Block, b * Block);
                for (int c = 0; c < 2; c++)
                {
                    Assert.True(full.GetOutput(c, Block).SequenceEqual(planned.GetOutput(c, Block)), $"block {b}, channel {c}");
                }
            }
        }
    }

    [Fact]
    public void RandomEdits_OfAMixedGraph_FormTheBanksOfAFullSearch()
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        // Saw voices, biquad chains and two tracks of 'session' (synth voices that form no bank), into one output.
        GraphDescription graph = BankTestGraphs.TwoKinds(sawVoices: 12);
        GraphDescription tracks = StandardWorkloads.Create("session-2");
        graph.Nodes.AddRange(tracks.Nodes.Where(n => n.Id != "out"));
        graph.Edges.AddRange(tracks.Edges);

        var options = new CompileOptions { MaxBlockFrames = Block };
        var random = new Random(15);
        BankPlanMemo.Current.Forget();
        int compiled = 0;
        for (int step = 0; step < 60; step++)
        {
            GraphDescription edit = graph.Clone();
            switch (random.Next(5))
            {
                case 0:
                    Dictionary<string, string> options0 = edit.Nodes[random.Next(edit.Nodes.Count)].Options;
                    if (!options0.Remove(BankPlanner.OptOutOption))
                    {
                        options0[BankPlanner.OptOutOption] = "off";
                    }

                    break;
                case 1:
                    edit.Edges.RemoveAt(random.Next(edit.Edges.Count));
                    break;
                case 2:
                    edit = WithSoakVoice(edit, "v" + step);
                    break;
                case 3:
                    edit = WithTap(edit, edit.Nodes[random.Next(edit.Nodes.Count)].Id, random.Next(edit.Edges.Count));
                    break;
                default:
                    EdgeSpec moved = edit.Edges[random.Next(edit.Edges.Count)];
                    edit.Edges.Remove(moved);
                    edit.Edges.Add(moved);
                    break;
            }

            if (GraphCompiler.Validate(edit, registry).Count > 0)
            {
                continue;
            }

            graph = edit;
            AssertSamePlanAsAFullSearch(GraphCompiler.Compile(graph, registry, options), graph, registry);
            compiled++;
        }

        Assert.True(compiled > 30, $"{compiled} edits compiled");
    }

    /// <summary>Compiles <paramref name="graph"/> again after a full search and checks the banks are the same.</summary>
    private static GraphSnapshot AssertSamePlanAsAFullSearch(GraphSnapshot planned, GraphDescription graph, NodeTypeRegistry registry)
    {
        BankPlanMemo.Current.Forget();
        GraphSnapshot full = GraphCompiler.Compile(graph, registry, new CompileOptions { MaxBlockFrames = Block });
        Assert.Equal(full.Banks.Count, planned.Banks.Count);
        for (int b = 0; b < full.Banks.Count; b++)
        {
            Assert.Equal(full.Banks[b].Name, planned.Banks[b].Name);
            Assert.Equal(full.Banks[b].ConsumerNode, planned.Banks[b].ConsumerNode);
            Assert.Equal(full.Banks[b].LaneNodes, planned.Banks[b].LaneNodes);
        }

        return full;
    }

    /// <summary>An edge from <paramref name="from"/> into the output, at <paramref name="at"/> in the edge list.</summary>
    private static GraphDescription WithTap(GraphDescription graph, string from, int at)
    {
        GraphDescription result = graph.Clone();
        result.Connect(from, graph.Nodes.First(n => n.Type == "out").Id);
        EdgeSpec tap = result.Edges[^1];
        result.Edges.RemoveAt(result.Edges.Count - 1);
        result.Edges.Insert(at, tap);
        return result;
    }

    /// <summary>The engine soak's edit: a sine through a pan into the output, appended.</summary>
    private static GraphDescription WithSoakVoice(GraphDescription graph, string prefix = "extra")
    {
        GraphDescription result = graph.Clone();
        string output = graph.Nodes.First(n => n.Type == "out").Id;
        result.Add(prefix + ".osc", "sine", new Dictionary<string, double> { ["freqHz"] = 330, ["level"] = 0.05 });
        result.Add(prefix + ".pan", "pan");
        result.Chain(prefix + ".osc", prefix + ".pan", output);
        return result;
    }
}
