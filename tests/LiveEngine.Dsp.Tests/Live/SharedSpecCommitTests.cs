using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Time;

namespace LiveEngine.Tests.Dsp.Live;

/// <summary>
/// The engine process commits graphs whose unchanged nodes and edges are the very objects of the graph it committed
/// before (its decoder shares them), and the compiler then takes their resolutions without reading them again; a
/// session given copies of the same graphs resolves every node afresh. Both must play the same samples, whatever the
/// edit.
/// </summary>
public sealed class SharedSpecCommitTests
{
    private const int Block = 128;

    [Theory]
    [InlineData(20.0, 1)]
    [InlineData(20.0, 2)]
    [InlineData(0.0, 3)]
    public void ARandomSequenceOfEdits_SharingUnchangedSpecs_PlaysTheSameSamplesAsFreshCopies(double crossfadeMs, int seed)
    {
        GraphDescription graph = StandardWorkloads.Session(2);
        var options = new LiveSessionOptions { MaxBlockFrames = Block, CrossfadeMs = crossfadeMs };
        var shared = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options with { DeferTransitionSwap = true, RecycleRetiredSnapshots = true });
        var fresh = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, options);
        var random = new Random(seed);
        var editor = new Editor(random);
        GraphDescription current = new() { Nodes = [.. graph.Nodes], Edges = [.. graph.Edges] };
        var kinds = new HashSet<string>();

        for (int step = 0; step < 80; step++)
        {
            (GraphDescription next, string kind) = editor.Edit(current);
            kinds.Add(kind);
            fresh.Commit(next, Quantization.Now);
            shared.CommitTakingOwnership(next, Quantization.Now);
            // As the engine does after its answer; otherwise the next commit completes it, within the fade (7.5 blocks).
            bool completeNow = random.Next(3) > 0;
            if (completeNow)
            {
                shared.CompleteTransition();
            }

            // Some commits land while the last one's fades still play, others after them.
            RenderBoth(shared, fresh, completeNow ? random.Next(1, 12) : random.Next(1, 4), $"step {step} ({kind})");
            current = next;
        }

        Assert.Equal(Editor.Kinds, kinds.Order());
        Assert.Equal(0, shared.LateSwaps);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void ARandomSequenceOfEdits_EachTransitionGraphCompiledFromTheValidatedGraph_IsTheFreshCompilesJobForJob_AndRendersTheSame(int seed)
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var options = new CompileOptions { MaxBlockFrames = Block };
        GraphDescription graph = StandardWorkloads.Session(2);
        GraphDescription current = new() { Nodes = [.. graph.Nodes], Edges = [.. graph.Edges] };
        GraphCompiler.ValidatedGraph last = GraphCompiler.TryValidate(current, registry, out _)!;
        var editor = new Editor(new Random(seed));
        int compared = 0;
        for (int step = 0; step < 80; step++)
        {
            (GraphDescription next, string kind) = editor.Edit(current);
            GraphCompiler.ValidatedGraph validated = GraphCompiler.TryValidate(next, registry, out IReadOnlyList<GraphError> errors, last)!;
            Assert.Empty(errors);
            GraphCompiler.ValidatedGraph fresh = GraphCompiler.TryValidate(next, registry, out _)!;
            Assert.Equal(fresh.Edges, validated.Edges);
            Assert.Equal(fresh.Nodes.Select(n => (n.Spec.Id, n.Channels, n.Parameters.ToArray())), validated.Nodes.Select(n => (n.Spec.Id, n.Channels, n.Parameters.ToArray())));

            // Made with both graphs' validations, as a session makes it, the transition graph is the one made from the
            // descriptions alone (that one is made second: both fill this thread's graph).
            Transition? numbered = Transition.Create(current, next, registry, fadeMs: 20, last, validated);
            List<string>? numberedShape = numbered is null ? null : Shape(numbered);
            Transition? transition = Transition.Create(current, next, registry, fadeMs: 20);
            Assert.Equal(numberedShape, transition is null ? null : Shape(transition));

            // The transition graph begins with the very nodes and edges of the graph just validated, but for the edges
            // it moved onto crossfades: compiled with the validated graph as its prefix, those are taken unread.
            if (transition is not null)
            {
                GraphSnapshot fromPrefix = GraphCompiler.Compile(transition.Graph, registry, options, validated);
                GraphSnapshot full = GraphCompiler.Compile(transition.Graph, registry, options);
                string what = $"step {step} ({kind})";
                Assert.Equal(full.NodeIds, fromPrefix.NodeIds);
                Assert.True(full.Jobs.SequenceEqual(fromPrefix.Jobs), what);
                Assert.True(full.ChannelOffsets.SequenceEqual(fromPrefix.ChannelOffsets), what);
                Assert.True(full.TopologicalOrder.SequenceEqual(fromPrefix.TopologicalOrder), what);
                Assert.True(full.Successors.SequenceEqual(fromPrefix.Successors), what);
                Assert.True(full.ParameterValues.SequenceEqual(fromPrefix.ParameterValues), what);
                float[][] expected = OfflineRender.Render(full, 8 * Block, _ => Block);
                float[][] actual = OfflineRender.Render(fromPrefix, 8 * Block, _ => Block);
                for (int c = 0; c < expected.Length; c++)
                {
                    Assert.True(expected[c].SequenceEqual(actual[c]), $"Channel {c} differs after {what}.");
                }

                compared++;
            }

            last = validated;
            current = next;
        }

        Assert.True(compared >= 40, $"{compared} transitions compared");
    }

    private static List<string> Shape(Transition transition) =>
        [.. transition.Graph.Nodes.Select(n => $"{n.Id}:{n.Type}"), .. transition.Graph.Edges.Select(e => e.ToString()), .. transition.Crossfades];

    private static void RenderBoth(LiveSession session, LiveSession reference, int blocks, string what)
    {
        for (int i = 0; i < blocks; i++)
        {
            session.Renderer.Render(Block);
            reference.Renderer.Render(Block);
            for (int c = 0; c < session.Renderer.OutputChannels; c++)
            {
                Assert.True(session.Renderer.Output(c, Block).SequenceEqual(reference.Renderer.Output(c, Block)), $"Channel {c} differs after {what}, block {i}.");
            }
        }
    }

    /// <summary>
    /// Edits as the engine's decoder delivers them: a new graph whose lists hold the very node and edge objects of the
    /// graph before wherever they did not change, and new objects where they did.
    /// </summary>
    private sealed class Editor(Random random)
    {
        public static readonly string[] Kinds = ["add", "dropedge", "duplicate", "insert", "parameter", "remove", "rename", "retype", "rewire"];

        private int _next;

        public (GraphDescription Graph, string Kind) Edit(GraphDescription current)
        {
            var next = new GraphDescription { Nodes = [.. current.Nodes], Edges = [.. current.Edges] };
            string kind = Kinds[random.Next(Kinds.Length)];
            bool done = kind switch
            {
                "add" => AddVoice(next, next.Nodes.Count),
                "insert" => AddVoice(next, random.Next(1, next.Nodes.Count)),
                "parameter" => ChangeParameter(next),
                "remove" => Remove(next),
                "rename" => Rename(next),
                "retype" => Retype(next),
                "duplicate" => Duplicate(next),
                "dropedge" => DropEdge(next),
                _ => Rewire(next),
            };

            if (!done)
            {
                AddVoice(next, next.Nodes.Count);
                kind = "add";
            }

            return (next, kind);
        }

        private bool AddVoice(GraphDescription graph, int at)
        {
            string id = $"x{_next++}";
            graph.Nodes.Insert(at, new NodeSpec(id + ".osc", "sine", new Dictionary<string, double> { ["freqHz"] = 110 + random.Next(800), ["level"] = 0.05 }));
            graph.Nodes.Insert(at + 1, new NodeSpec(id + ".pan", "pan"));
            graph.Edges.Add(new EdgeSpec(id + ".osc", id + ".pan"));
            graph.Edges.Add(new EdgeSpec(id + ".pan", Bus(graph)));
            return true;
        }

        /// <summary>A random bus (a stereo gain, perhaps renamed) of the graph, or its output if none is left.</summary>
        private string Bus(GraphDescription graph)
        {
            int i = Pick(graph, n => n.Type == "gain");
            return i >= 0 ? graph.Nodes[i].Id : graph.Nodes.Find(n => n.Type == "out")!.Id;
        }

        private bool ChangeParameter(GraphDescription graph)
        {
            int i = Pick(graph, n => n.Type is "sine" or "saw" or "gain" or "rlpf" or "lpf");
            if (i < 0)
            {
                return false;
            }

            NodeSpec changed = graph.Nodes[i].Clone();
            (string name, double value) = changed.Type switch
            {
                "sine" or "saw" => ("freqHz", 55.0 + random.Next(1000)),
                "gain" => ("level", random.Next(1, 100) / 100.0),
                _ => ("cutoffHz", 200.0 + random.Next(4000)),
            };
            changed.Parameters[name] = value;
            graph.Nodes[i] = changed;
            return true;
        }

        private bool Remove(GraphDescription graph)
        {
            int i = Pick(graph, n => n.Type != "out");
            if (i < 0)
            {
                return false;
            }

            string id = graph.Nodes[i].Id;
            graph.Nodes.RemoveAt(i);
            graph.Edges.RemoveAll(e => e.From == id || e.To == id);
            return true;
        }

        private bool Rename(GraphDescription graph)
        {
            int i = Pick(graph, n => n.Type != "out");
            if (i < 0)
            {
                return false;
            }

            string id = graph.Nodes[i].Id;
            string renamed = $"r{_next++}";
            NodeSpec spec = graph.Nodes[i].Clone();
            spec.Id = renamed;
            graph.Nodes[i] = spec;
            for (int e = 0; e < graph.Edges.Count; e++)
            {
                EdgeSpec edge = graph.Edges[e];
                if (edge.From == id || edge.To == id)
                {
                    graph.Edges[e] = new EdgeSpec(edge.From == id ? renamed : edge.From, edge.To == id ? renamed : edge.To, edge.FromPort, edge.ToPort);
                }
            }

            return true;
        }

        private bool Retype(GraphDescription graph)
        {
            int i = Pick(graph, n => n.Type is "rlpf" or "lpf");
            if (i < 0)
            {
                return false;
            }

            NodeSpec spec = graph.Nodes[i].Clone();
            spec.Type = spec.Type == "rlpf" ? "lpf" : "rlpf";
            graph.Nodes[i] = spec;
            return true;
        }

        /// <summary>A second edge between the same ports (a new object with the same names), at the end.</summary>
        private bool Duplicate(GraphDescription graph)
        {
            if (graph.Edges.Count == 0)
            {
                return false;
            }

            EdgeSpec edge = graph.Edges[random.Next(graph.Edges.Count)];
            graph.Edges.Add(new EdgeSpec(edge.From, edge.To, edge.FromPort, edge.ToPort));
            return true;
        }

        private bool DropEdge(GraphDescription graph)
        {
            if (graph.Edges.Count == 0)
            {
                return false;
            }

            // The last edges most often: a duplicate added just before, or a voice's.
            graph.Edges.RemoveAt(random.Next(2) == 0 ? graph.Edges.Count - 1 : random.Next(graph.Edges.Count));
            return true;
        }

        private bool Rewire(GraphDescription graph)
        {
            // An edge into a bus, moved to another bus: a new edge object in the same place.
            int start = random.Next(graph.Edges.Count);
            for (int k = 0; k < graph.Edges.Count; k++)
            {
                int e = (start + k) % graph.Edges.Count;
                EdgeSpec edge = graph.Edges[e];
                if (graph.Nodes.Exists(n => n.Id == edge.To && n.Type == "gain") && Bus(graph) is var bus && bus != edge.To)
                {
                    graph.Edges[e] = new EdgeSpec(edge.From, bus, edge.FromPort, edge.ToPort);
                    return true;
                }
            }

            return false;
        }

        private int Pick(GraphDescription graph, Predicate<NodeSpec> which)
        {
            int start = random.Next(graph.Nodes.Count);
            for (int k = 0; k < graph.Nodes.Count; k++)
            {
                int i = (start + k) % graph.Nodes.Count;
                if (which(graph.Nodes[i]))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
