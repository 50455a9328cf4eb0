using LiveEngine.Buffers;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Snapshots;

public sealed class SnapshotCompilerTests
{
    private static GraphSnapshot Compile(GraphDescription graph, int maxBlock = 64) =>
        GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = maxBlock });

    private static Dictionary<string, double> Value(double v) => new() { ["value"] = v };

    [Fact]
    public void FanIn_IsABalancedMixTreeInSourceOrder()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        float[] values = [1e8f, 1f, -1e8f, 3f, 0.5f];

        // Declared in reverse: the tree order follows node order, not edge order.
        for (int i = 0; i < values.Length; i++)
        {
            graph.Add("c" + i, "const", Value(values[i]));
        }

        for (int i = values.Length - 1; i >= 0; i--)
        {
            graph.Connect("c" + i, "out");
        }

        GraphSnapshot snapshot = Compile(graph);
        int mixJobs = snapshot.Jobs.Count(j => j.Kind == JobKind.Mix);
        Assert.Equal(4, mixJobs);
        Assert.Equal(3, snapshot.Levels.Max());

        // ((c0 + c1) + (c2 + c3)) + c4 in float: not the same as summing left to right.
        float expected = (((values[0] + values[1]) + (values[2] + values[3])) + values[4]);
        float[] output = OfflineRender.Render(snapshot, 8, _ => 8)[0];
        Assert.All(output, x => Assert.Equal(expected, x));
    }

    [Fact]
    public void Chain_ReusesBuffers()
    {
        var graph = new GraphDescription();
        graph.Add("src", "ramp");
        string previous = "src";
        for (int i = 0; i < 100; i++)
        {
            previous = graph.Add("s" + i, "scale", new Dictionary<string, double> { ["factor"] = 1 });
            graph.Connect(i == 0 ? "src" : "s" + (i - 1), previous);
        }

        graph.Add("out", "out", channels: 1);
        graph.Connect(previous, "out");
        GraphSnapshot snapshot = Compile(graph);

        // Silence, and two buffers alternating along the chain (the last one pinned for the output).
        Assert.True(snapshot.Arena.BufferCount <= 4, $"A chain needs a handful of buffers, not {snapshot.Arena.BufferCount}.");
        float[] output = OfflineRender.Render(snapshot, 256, _ => 64)[0];
        for (int i = 0; i < output.Length; i++)
        {
            Assert.Equal(i * 1e-3f, output[i]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomDags_SharedBuffersAreOrderedByTheDag(int seed) => AssertSharedBuffersAreOrdered(Compile(RandomGraph(seed, 120)));

    [Fact]
    public void AWideGraph_SharedBuffersAreOrderedByTheDag_AndTheMixTreeReusesBuffers()
    {
        // 300 chains into one input: their buffers are freed hundreds at a time, which only the mix jobs (whose
        // ancestors freed them) may take; buffer assignment then looks past its latest freed buffers.
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        for (int i = 0; i < 300; i++)
        {
            string id = "c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            graph.Chain(graph.Add(id, "const", Value(i)), graph.Add(id + ".a", "scale"), graph.Add(id + ".b", "scale"), "out");
        }

        GraphSnapshot snapshot = Compile(graph);

        AssertSharedBuffersAreOrdered(snapshot);
        int values = snapshot.Jobs.Sum(j => j.OutputCount);
        Assert.True(snapshot.Arena.BufferCount < values * 3 / 4, $"{snapshot.Arena.BufferCount} buffers for {values} values: the mix tree should reuse what the chains freed.");
        float[] output = OfflineRender.Render(snapshot, 8, _ => 8)[0];
        Assert.All(output, sample => Assert.Equal(300 * 299 / 2, sample));
    }

    private static void AssertSharedBuffersAreOrdered(GraphSnapshot snapshot)
    {
        var ancestors = Ancestors(snapshot);
        var touches = new Dictionary<int, List<(int Job, bool Writes)>>();
        for (int j = 0; j < snapshot.Jobs.Length; j++)
        {
            JobInfo job = snapshot.Jobs[j];
            for (int k = 0; k < job.InputCount; k++)
            {
                Touch(snapshot.ChannelOffsets[job.InputStart + k], j, writes: false);
            }

            for (int k = 0; k < job.OutputCount; k++)
            {
                Touch(snapshot.ChannelOffsets[job.OutputStart + k], j, writes: true);
            }
        }

        foreach ((int offset, List<(int Job, bool Writes)> users) in touches)
        {
            Assert.False(offset == 0 && users.Any(u => u.Writes), "Nothing may write the silence buffer.");
            foreach ((int writer, bool writes) in users)
            {
                if (!writes)
                {
                    continue;
                }

                foreach ((int other, _) in users)
                {
                    Assert.True(
                        other == writer || ancestors[other].Contains(writer) || ancestors[writer].Contains(other),
                        $"Jobs {snapshot.DescribeJob(writer)} and {snapshot.DescribeJob(other)} share a buffer but no path orders them: a parallel run could race.");
                }
            }
        }

        void Touch(int offset, int job, bool writes)
        {
            if (!touches.TryGetValue(offset, out List<(int, bool)>? list))
            {
                touches[offset] = list = [];
            }

            list.Add((job, writes));
        }
    }

    [Fact]
    public void TopologyArrays_AreConsistent()
    {
        GraphSnapshot snapshot = Compile(RandomGraph(7, 200));
        var position = new int[snapshot.Jobs.Length];
        for (int k = 0; k < snapshot.TopologicalOrder.Length; k++)
        {
            position[snapshot.TopologicalOrder[k]] = k;
        }

        var predecessorCounts = new int[snapshot.Jobs.Length];
        for (int j = 0; j < snapshot.Jobs.Length; j++)
        {
            double longest = 0;
            for (int s = snapshot.SuccessorStarts[j]; s < snapshot.SuccessorStarts[j + 1]; s++)
            {
                int successor = snapshot.Successors[s];
                Assert.True(position[j] < position[successor], "A job must come before its successors in the topological order.");
                Assert.True(snapshot.Levels[successor] > snapshot.Levels[j]);
                predecessorCounts[successor]++;
                longest = Math.Max(longest, snapshot.Ranks[successor]);
            }

            Assert.Equal(snapshot.Jobs[j].CostNsPerFrame + longest, snapshot.Ranks[j], 9);
        }

        Assert.Equal(predecessorCounts, snapshot.DependencyCounts);
    }

    [Fact]
    public void MeasuredCosts_ReplaceEstimatesInRanks()
    {
        var graph = new GraphDescription();
        graph.Add("a", "const");
        graph.Add("b", "scale");
        graph.Add("c", "const");
        graph.Add("out", "out", channels: 1);
        graph.Chain("a", "b", "out");
        graph.Connect("c", "out");
        GraphSnapshot estimated = Compile(graph);
        int a = estimated.IndexOfNode("a");
        int c = estimated.IndexOfNode("c");
        Assert.True(estimated.Ranks[a] > estimated.Ranks[c], "By the estimates, the chain a → b is the critical path.");

        var measured = new Dictionary<string, double> { ["c"] = 500 };
        GraphSnapshot remeasured = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64, MeasuredNodeCostNsPerFrame = measured });
        Assert.InRange(remeasured.Ranks[c], 500, 501);
        Assert.True(remeasured.Ranks[c] > remeasured.Ranks[a], "A measured 500 ns/frame makes c the critical path.");
    }

    [Fact]
    public void Arena_BuffersAre64ByteAligned()
    {
        var arena = new AlignedBufferArena(5, 33);
        Assert.Equal(48, arena.StrideFrames);
        unsafe
        {
            for (int b = 0; b < arena.BufferCount; b++)
            {
                fixed (float* p = arena.GetBuffer(b, 33))
                {
                    Assert.Equal(0, (long)p % AlignedBufferArena.AlignmentBytes);
                }
            }
        }
    }

    [Fact]
    public void Recompile_WithPrevious_HandsTheSameIdsOldInstances()
    {
        var graph = new GraphDescription();
        graph.Add("fb", "feedback", new Dictionary<string, double> { ["delayMs"] = 10 });
        graph.Add("src", "impulse");
        graph.Add("out", "out", channels: 1);
        graph.Chain("src", "fb", "out");
        GraphSnapshot first = Compile(graph);
        OfflineRender.Render(first, 64, _ => 64);

        // The impulse written into the old ring must come out of the new instance 480 frames after it went in.
        GraphSnapshot second = GraphCompiler.Compile(graph, TestNodes.CreateRegistry(), new CompileOptions { MaxBlockFrames = 64, Previous = first });
        float[] output = new float[512];
        for (long t = 64; t < 512; t += 64)
        {
            SingleThreadExecutor.Process(second, 64, t);
            second.GetOutput(0, 64).CopyTo(output.AsSpan((int)t));
        }

        Assert.Equal(1f, output[480]);
        Assert.Equal(1, output.Count(x => x != 0));
    }

    [Fact]
    public void Recompile_WithPrevious_NeverCarriesACrossfade_ButCarriesTheNodesAroundIt()
    {
        var graph = new GraphDescription();
        graph.Add("a", "impulse");
        graph.Add("b", "impulse");
        graph.Add("fade", CoreNodeTypes.Crossfade, channels: 1);
        graph.Add("out", "out", channels: 1);
        graph.Connect("a", "fade", toPort: "old");
        graph.Connect("b", "fade", toPort: "new");
        graph.Connect("fade", "out");
        NodeTypeRegistry registry = TestNodes.CreateRegistry();
        GraphSnapshot first = GraphCompiler.Compile(graph, registry, new CompileOptions { MaxBlockFrames = 64 });

        GraphSnapshot second = GraphCompiler.Compile(graph, registry, new CompileOptions { MaxBlockFrames = 64, Previous = first });

        int fade = second.IndexOfNode("fade");
        Assert.IsType<CrossfadeNode>(second.Nodes[fade]);
        Assert.NotSame(first.Nodes[first.IndexOfNode("fade")], second.Nodes[fade]);
        Assert.Same(first.Nodes[first.IndexOfNode("a")], second.Nodes[second.IndexOfNode("a")]);
        Assert.Same(first.Nodes[first.IndexOfNode("b")], second.Nodes[second.IndexOfNode("b")]);
    }

    internal static GraphDescription RandomGraph(int seed, int nodes)
    {
        var random = new Random(seed);
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        var ids = new List<string>();
        for (int i = 0; i < nodes; i++)
        {
            string id = "n" + i;
            if (ids.Count == 0 || random.Next(8) == 0)
            {
                graph.Add(id, "ramp", new Dictionary<string, double> { ["scale"] = random.NextDouble() * 1e-3 });
            }
            else
            {
                graph.Add(id, "scale", new Dictionary<string, double> { ["factor"] = 0.5 + random.NextDouble() });
                int inputs = 1 + random.Next(3);
                for (int k = 0; k < inputs; k++)
                {
                    graph.Connect(ids[random.Next(ids.Count)], id);
                }
            }

            ids.Add(id);
        }

        for (int i = ids.Count - 5; i < ids.Count; i++)
        {
            graph.Connect(ids[i], "out");
        }

        return graph;
    }

    private static HashSet<int>[] Ancestors(GraphSnapshot snapshot)
    {
        var sets = new HashSet<int>[snapshot.Jobs.Length];
        for (int j = 0; j < sets.Length; j++)
        {
            sets[j] = [];
        }

        foreach (int j in snapshot.TopologicalOrder)
        {
            for (int s = snapshot.SuccessorStarts[j]; s < snapshot.SuccessorStarts[j + 1]; s++)
            {
                int successor = snapshot.Successors[s];
                sets[successor].Add(j);
                sets[successor].UnionWith(sets[j]);
            }
        }

        return sets;
    }
}
