using System.Globalization;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Banks;

public sealed class VoiceBankTests
{
    /// <summary>
    /// The stated bound of banking on against off, relative to the output's peak: the float SVF against the
    /// double one, and the bank's lane sum against the mix tree's order (docs/performance.md).
    /// </summary>
    private const double RelativeTolerance = 1e-5;

    [Fact]
    public void Voices_FormBanksOfAtMost64LanesFeedingTheOutput()
    {
        GraphSnapshot snapshot = Compile(StandardWorkloads.Voices(150), 128);
        Assert.Equal([50, 50, 50], snapshot.Banks.Select(b => b.LaneCount));
        Assert.All(snapshot.Banks, b => Assert.Equal(SawFilterVoiceBank.KindName, b.Name));
        Assert.All(snapshot.Banks, b => Assert.Equal("out", snapshot.NodeIds[b.ConsumerNode]));

        // 150 voices of 4 nodes became 3 bank jobs and the 2 adds that sum them.
        Assert.Equal(5, snapshot.Jobs.Length);
        Assert.Equal(3, snapshot.Jobs.Count(j => j.Kind == JobKind.Bank));
    }

    [Fact]
    public void DescribeBanks_NamesTheKindTheConsumerAndTheLanes()
    {
        Assert.Equal("3 × saw>rlpf>gain>pan → out: 150 voices in lanes of 50 50 50", Compile(StandardWorkloads.Voices(150), 64).DescribeBanks());
        Assert.Equal("none", Compile(StandardWorkloads.Voices(150), 64, banking: false).DescribeBanks());
    }

    [Fact]
    public void Banking_TurnsOffGloballyAndPerNode()
    {
        GraphSnapshot off = Compile(StandardWorkloads.Voices(20), 64, banking: false);
        Assert.Empty(off.Banks);

        GraphDescription graph = StandardWorkloads.Voices(20);
        graph.Nodes.Single(n => n.Id == "v3.lpf").Options["bank"] = "off";
        GraphSnapshot optedOut = Compile(graph, 64);
        BankInfo bank = Assert.Single(optedOut.Banks);
        Assert.Equal(19, bank.LaneCount);
        Assert.DoesNotContain(bank.LaneNodes, lane => lane.Contains(optedOut.IndexOfNode("v3.osc")));
        Assert.Contains(optedOut.Jobs, j => j.Kind == JobKind.Node && optedOut.NodeIds[j.NodeIndex] == "v3.lpf");
    }

    [Fact]
    public void RedefinedStageType_IsNotBanked()
    {
        var registry = BuiltinNodeTypes.CreateRegistry();
        Assert.True(registry.TryGet("gain", out var gain));
        registry.Register(new LiveEngine.Nodes.NodeTypeDescriptor("gain", "redefined", gain.Inputs, gain.Outputs, gain.Parameters, static () => new GainNode()));
        GraphSnapshot snapshot = GraphCompiler.Compile(StandardWorkloads.Voices(8), registry, new CompileOptions { MaxBlockFrames = 64 });
        Assert.Empty(snapshot.Banks);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(100)]
    public void BankedRender_MatchesUnbankedWithinTheStatedTolerance(int voices)
    {
        GraphDescription graph = StandardWorkloads.Voices(voices);
        float[][] banked = OfflineRender.Render(Compile(graph, 64), 24_000, _ => 64);
        float[][] unbanked = OfflineRender.Render(Compile(graph, 64, banking: false), 24_000, _ => 64);
        AssertClose(unbanked, banked, $"voices-{voices}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomVoiceGraphs_BankedMatchUnbankedWithinTheStatedTolerance(int seed)
    {
        // Random counts, pitches, cutoffs, resonances, levels and pans, with parameter changes mid-render so that
        // every glide path (oscillator, filter, gain, pan) runs in some lanes while others hold.
        var random = new Random(seed);
        int voices = 2 + random.Next(90);
        GraphDescription graph = RandomVoices(random, voices);
        GraphSnapshot banked = Compile(graph, 96);
        GraphSnapshot unbanked = Compile(graph, 96, banking: false);
        Assert.NotEmpty(banked.Banks);
        var changes = new List<(int Block, string Node, int Parameter, float Value)>();
        for (int k = 0; k < 40; k++)
        {
            int v = random.Next(voices);
            (string stage, int parameter, float value) = random.Next(5) switch
            {
                0 => ("osc", 0, (float)(50 + random.NextDouble() * 2000)),
                1 => ("lpf", 0, (float)(80 + random.NextDouble() * 12000)),
                2 => ("lpf", 1, (float)(0.5 + random.NextDouble() * 8)),
                3 => ("gain", 0, (float)random.NextDouble() * 0.2f),
                _ => ("pan", 0, (float)(random.NextDouble() * 2 - 1)),
            };
            changes.Add((random.Next(200), $"v{v}.{stage}", parameter, value));
        }

        float[][] a = RenderWithChanges(banked, 200, 96, changes);
        float[][] b = RenderWithChanges(unbanked, 200, 96, changes);
        AssertClose(b, a, $"random voices seed {seed}");
    }

    [Fact]
    public void BankedRender_IsBitIdenticalForEveryBlockSplit()
    {
        const int Frames = 9_600;
        GraphDescription graph = StandardWorkloads.Voices(70);
        float[][] reference = OfflineRender.Render(Compile(graph, 512), Frames, _ => 512);
        var random = new Random(7);
        int[] splits = [.. Enumerable.Range(0, Frames).Select(_ => 1 + random.Next(512))];
        foreach ((int maxBlock, Func<int, int> split) in new (int, Func<int, int>)[] { (1, _ => 1), (31, _ => 31), (128, _ => 128), (512, b => splits[b]) })
        {
            float[][] output = OfflineRender.Render(Compile(graph, maxBlock), Frames, split);
            for (int c = 0; c < 2; c++)
            {
                Assert.True(reference[c].AsSpan().SequenceEqual(output[c]), $"channel {c} differs with max block {maxBlock}");
            }
        }
    }

    [Fact]
    public void BankedRender_WithGlidesAndPitchJumps_IsBitIdenticalForEveryBlockSplit()
    {
        // The saws that glide render through their nodes for those blocks and hand their state back to the bank's ring
        // and history rows, at block boundaries that depend on the split: the output must not.
        const int Frames = 9_600;
        GraphDescription graph = StandardWorkloads.Voices(70);
        var random = new Random(11);
        var changes = new List<(int Frame, string Node, int Parameter, float Value)>();
        for (int k = 0; k < 40; k++)
        {
            int voice = random.Next(70);
            string stage = random.Next(4) switch { 0 => "osc", 1 => "lpf", 2 => "gain", _ => "pan" };
            float value = stage switch
            {
                "osc" => 50 + (float)(random.NextDouble() * 1_500),
                "lpf" => 200 + (float)(random.NextDouble() * 8_000),
                "gain" => (float)(random.NextDouble() * 0.1),
                _ => (float)((random.NextDouble() * 2) - 1),
            };
            changes.Add((96 * random.Next(1, Frames / 96), $"v{voice}.{stage}", 0, value));
        }

        float[][] reference = RenderWithChangesAt(Compile(graph, 96), Frames, 96, changes);
        foreach (int block in new[] { 1, 32 })
        {
            float[][] output = RenderWithChangesAt(Compile(graph, block), Frames, block, changes);
            for (int c = 0; c < 2; c++)
            {
                Assert.True(reference[c].AsSpan().SequenceEqual(output[c]), $"channel {c} differs with {block}-frame blocks");
            }
        }
    }

    [Fact]
    public void CommitTurningBankingOff_HandsEachSawItsStateBack()
    {
        // The bank holds the saws' phase, residual and history between blocks; when a commit unbanks the voices, each
        // saw node carries on from exactly there (a stale node would jump: a click, and a different waveform).
        const int Block = 64;
        GraphDescription graph = StandardWorkloads.Voices(40);
        GraphSnapshot banked = Compile(graph, Block);
        GraphSnapshot reference = Compile(graph, Block);
        long position = 0;
        for (int b = 0; b < 100; b++, position += Block)
        {
            SingleThreadExecutor.Process(banked, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
        }

        GraphSnapshot unbanked = GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = banked, Banking = false });
        Assert.Empty(unbanked.Banks);
        var output = new List<float>[] { [], [] };
        var expected = new List<float>[] { [], [] };
        for (int b = 0; b < 50; b++, position += Block)
        {
            SingleThreadExecutor.Process(unbanked, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
            for (int c = 0; c < 2; c++)
            {
                output[c].AddRange(unbanked.GetOutput(c, Block).ToArray());
                expected[c].AddRange(reference.GetOutput(c, Block).ToArray());
            }
        }

        // The unbanked filter runs in double: within the stated tolerance of the banked render, not bit for bit.
        AssertClose([.. expected.Select(e => e.ToArray())], [.. output.Select(o => o.ToArray())], "after banking went off");
    }

    [Fact]
    public void CommitReplacingASaw_HandsItsFilterTheStateTheSawBankHeld()
    {
        // The saw bank holds the filters' state between blocks too. A voice whose saw is replaced has no saw node left
        // to ask the bank for its state: its filter must still carry on from where the bank left it (a filter starting
        // from the state it had when the bank took it would jump: a click).
        const int Block = 64;
        GraphDescription graph = StandardWorkloads.Voices(2);
        GraphDescription edited = StandardWorkloads.Voices(2);
        int osc = edited.Nodes.FindIndex(n => n.Id == "v0.osc");
        edited.Nodes[osc] = new NodeSpec("v0.osc", "sine", new Dictionary<string, double> { ["freqHz"] = 220 });
        GraphSnapshot banked = Compile(graph, Block);
        GraphSnapshot reference = Compile(graph, Block, banking: false);
        Assert.NotEmpty(banked.Banks);
        long position = 0;
        for (int b = 0; b < 100; b++, position += Block)
        {
            SingleThreadExecutor.Process(banked, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
        }

        var registry = BuiltinNodeTypes.CreateRegistry();
        GraphSnapshot bankedAfter = GraphCompiler.Compile(edited, registry, new CompileOptions { MaxBlockFrames = Block, Previous = banked });
        GraphSnapshot referenceAfter = GraphCompiler.Compile(edited, registry, new CompileOptions { MaxBlockFrames = Block, Previous = reference, Banking = false });
        var output = new List<float>[] { [], [] };
        var expected = new List<float>[] { [], [] };
        for (int b = 0; b < 20; b++, position += Block)
        {
            SingleThreadExecutor.Process(bankedAfter, Block, position);
            SingleThreadExecutor.Process(referenceAfter, Block, position);
            for (int c = 0; c < 2; c++)
            {
                output[c].AddRange(bankedAfter.GetOutput(c, Block).ToArray());
                expected[c].AddRange(referenceAfter.GetOutput(c, Block).ToArray());
            }
        }

        AssertClose([.. expected.Select(e => e.ToArray())], [.. output.Select(o => o.ToArray())], "after the saw was replaced");
    }

    [Fact]
    public void AnotherBankReadingASaw_TakesItsStateBackFromTheSawBank_WithoutChangingABit()
    {
        // A bank kind that reads its oscillators' state each block (TryBeginBankBlock) first has the saw bank that
        // holds a saw's state write it back; the saw bank takes it over again at its next block, losslessly.
        const int Block = 64;
        GraphDescription graph = StandardWorkloads.Voices(17);
        GraphSnapshot touched = Compile(graph, Block);
        GraphSnapshot reference = Compile(graph, Block);
        long position = 0;
        for (int b = 0; b < 50; b++, position += Block)
        {
            SingleThreadExecutor.Process(touched, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
        }

        int index = touched.IndexOfNode("v3.osc");
        var saw = (SawNode)touched.Nodes[index];
        Assert.NotNull(saw.BankOwner);
        saw.TryBeginBankBlock(touched.GetParameters(index), out _, out _, out _);
        Assert.Null(saw.BankOwner);
        for (int b = 0; b < 50; b++, position += Block)
        {
            SingleThreadExecutor.Process(touched, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
            Assert.NotNull(saw.BankOwner);
            for (int c = 0; c < 2; c++)
            {
                Assert.True(reference.GetOutput(c, Block).SequenceEqual(touched.GetOutput(c, Block)), $"block {b} after, channel {c}");
            }
        }
    }

    [Fact]
    public void RemovingAVoice_MovesTheOtherLanesWithoutChangingABit()
    {
        // 40 voices in one bank; voice 0 goes, so every other voice moves down a lane. Each voice's state lives in
        // its node, and every lane computes alike, so the result is exactly that of the 39 voices never moved.
        const int Block = 64;
        GraphDescription before = Subset(StandardWorkloads.Voices(40), v => true);
        GraphDescription after = Subset(StandardWorkloads.Voices(40), v => v != 0);
        GraphSnapshot first = Compile(before, Block);
        GraphSnapshot reference = Compile(after, Block);
        long position = 0;
        for (int b = 0; b < 100; b++, position += Block)
        {
            SingleThreadExecutor.Process(first, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
        }

        GraphSnapshot second = GraphCompiler.Compile(after, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = first });
        Assert.Equal(39, second.Banks.Single().LaneCount);
        for (int b = 0; b < 50; b++, position += Block)
        {
            SingleThreadExecutor.Process(second, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
            for (int c = 0; c < 2; c++)
            {
                Assert.True(reference.GetOutput(c, Block).SequenceEqual(second.GetOutput(c, Block)), $"block {b} after the commit, channel {c}");
            }
        }
    }

    [Fact]
    public void AddingAndRemovingVoicesMidBank_KeepsTheOthersContinuous()
    {
        // Voices 0..39 minus 20, then a commit adds voice 20 and removes voice 33 (and re-forms the bank). The
        // output after the commit, less the newcomer's own sound, must continue the kept voices: its sample-to-sample
        // steps stay within those of the kept voices played without any commit.
        const int Block = 64;
        GraphDescription before = Subset(StandardWorkloads.Voices(40), v => v != 20);
        GraphDescription after = Subset(StandardWorkloads.Voices(40), v => v != 33);
        GraphDescription kept = Subset(StandardWorkloads.Voices(40), v => v is not 20 and not 33);
        GraphDescription newcomer = Subset(StandardWorkloads.Voices(40), v => v == 20);
        GraphSnapshot first = Compile(before, Block);
        GraphSnapshot keptAlone = Compile(kept, Block);
        long position = 0;
        var output = new List<float>[] { [], [] };
        var reference = new List<float>[] { [], [] };
        for (int b = 0; b < 100; b++, position += Block)
        {
            SingleThreadExecutor.Process(first, Block, position);
            SingleThreadExecutor.Process(keptAlone, Block, position);
        }

        // Voice 33 leaves: the step it takes out of the mix is the performer's doing (a live session fades it); here
        // its last block is subtracted, so only what happens to the kept voices is measured.
        GraphSnapshot second = GraphCompiler.Compile(after, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = first });
        GraphSnapshot fresh = Compile(newcomer, Block);
        for (int b = 0; b < 30; b++, position += Block)
        {
            SingleThreadExecutor.Process(second, Block, position);
            SingleThreadExecutor.Process(keptAlone, Block, position);
            SingleThreadExecutor.Process(fresh, Block, position);
            for (int c = 0; c < 2; c++)
            {
                ReadOnlySpan<float> all = second.GetOutput(c, Block);
                ReadOnlySpan<float> added = fresh.GetOutput(c, Block);
                ReadOnlySpan<float> keptOutput = keptAlone.GetOutput(c, Block);
                for (int i = 0; i < Block; i++)
                {
                    output[c].Add(all[i] - added[i]);
                    reference[c].Add(keptOutput[i]);
                }
            }
        }

        float peak = reference.Max(r => r.Max(Math.Abs));
        for (int c = 0; c < 2; c++)
        {
            double maxStep = MaxStep(reference[c]);
            Assert.True(MaxStep(output[c]) <= maxStep * 1.01, $"channel {c}: a step of {MaxStep(output[c])} after the commit against {maxStep} in the kept voices' own signal");
            for (int i = 0; i < output[c].Count; i++)
            {
                Assert.True(Math.Abs(output[c][i] - reference[c][i]) <= peak * RelativeTolerance, $"channel {c} frame {i}: {output[c][i]} against {reference[c][i]}");
            }
        }
    }

    [Fact]
    public void BankedProcess_AllocatesNothingPerBlockAcrossCommitsThatReformBanks()
    {
        const int Block = 64;
        GraphSnapshot a = Compile(StandardWorkloads.Voices(100), Block);
        GraphSnapshot b = GraphCompiler.Compile(Subset(StandardWorkloads.Voices(100), v => v % 7 != 0), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = a });
        GraphSnapshot c = GraphCompiler.Compile(StandardWorkloads.Voices(100), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = b });
        GraphSnapshot[] sequence = [a, b, c];
        long position = 0;
        for (int k = 0; k < 300; k++, position += Block)
        {
            SingleThreadExecutor.Process(sequence[k % 3], Block, position);
        }

        // The warm-up runs the measured pattern once too (a snapshot for ten blocks in a row, then the next one): the
        // loop above never runs one snapshot twice in a row, and a path's first call may allocate (type loading).
        RunSwitchingEveryTenBlocks(600);
        SteadyAllocation.AssertNone("3,000 blocks switching snapshots every ten", () => RunSwitchingEveryTenBlocks(3_000));

        void RunSwitchingEveryTenBlocks(int blocks)
        {
            for (int k = 0; k < blocks; k++, position += Block)
            {
                SingleThreadExecutor.Process(sequence[(k / 10) % 3], Block, position);
            }
        }
    }

    [Fact]
    public void FloatFilter_StaysCloseToTheDoubleOneUnderFastCutoffModulation()
    {
        // The cutoff jumps every block between 60 Hz and 16 kHz at a resonance of 10, so every lane glides all the
        // time: the float SVF stays stable and within the stated bound of the double one.
        GraphDescription graph = RandomVoices(new Random(5), 16);
        foreach (NodeSpec node in graph.Nodes.Where(n => n.Type == "rlpf"))
        {
            node.Parameters["q"] = 10;
        }

        var changes = new List<(int Block, string Node, int Parameter, float Value)>();
        for (int b = 0; b < 400; b++)
        {
            for (int v = 0; v < 16; v++)
            {
                changes.Add((b, $"v{v}.lpf", 0, ((b + v) & 1) == 0 ? 60f : 16_000f));
            }
        }

        float[][] banked = RenderWithChanges(Compile(graph, 32), 400, 32, changes);
        float[][] unbanked = RenderWithChanges(Compile(graph, 32, banking: false), 400, 32, changes);
        AssertClose(unbanked, banked, "fast cutoff modulation");
    }

    private static void AssertClose(float[][] expected, float[][] actual, string what)
    {
        double peak = expected.Max(c => c.Max(x => Math.Abs((double)x)));
        Assert.True(peak > 1e-3, $"{what}: silence");
        for (int c = 0; c < expected.Length; c++)
        {
            double max = 0;
            for (int i = 0; i < expected[c].Length; i++)
            {
                Assert.True(float.IsFinite(actual[c][i]), $"{what}: channel {c} frame {i} is {actual[c][i]}");
                max = Math.Max(max, Math.Abs((double)expected[c][i] - actual[c][i]));
            }

            Assert.True(max <= peak * RelativeTolerance, $"{what}: channel {c} differs by {max} against a peak of {peak} (bound {RelativeTolerance} of the peak)");
        }
    }

    private static double MaxStep(List<float> signal)
    {
        double max = 0;
        for (int i = 1; i < signal.Count; i++)
        {
            max = Math.Max(max, Math.Abs(signal[i] - signal[i - 1]));
        }

        return max;
    }

    private static float[][] RenderWithChanges(GraphSnapshot snapshot, int blocks, int block, List<(int Block, string Node, int Parameter, float Value)> changes)
    {
        var output = new float[][] { new float[blocks * block], new float[blocks * block] };
        long position = 0;
        for (int b = 0; b < blocks; b++, position += block)
        {
            foreach ((int at, string node, int parameter, float value) in changes)
            {
                if (at == b)
                {
                    snapshot.GetParameters(snapshot.IndexOfNode(node))[parameter] = value;
                }
            }

            SingleThreadExecutor.Process(snapshot, block, position);
            for (int c = 0; c < 2; c++)
            {
                snapshot.GetOutput(c, block).CopyTo(output[c].AsSpan(b * block));
            }
        }

        return output;
    }

    /// <summary>Renders in blocks of <paramref name="block"/> frames, setting each parameter at its frame (a multiple of the block).</summary>
    private static float[][] RenderWithChangesAt(GraphSnapshot snapshot, int frames, int block, List<(int Frame, string Node, int Parameter, float Value)> changes)
    {
        var output = new float[][] { new float[frames], new float[frames] };
        for (long position = 0; position < frames; position += block)
        {
            foreach ((int at, string node, int parameter, float value) in changes)
            {
                if (at == position)
                {
                    snapshot.GetParameters(snapshot.IndexOfNode(node))[parameter] = value;
                }
            }

            SingleThreadExecutor.Process(snapshot, block, position);
            for (int c = 0; c < 2; c++)
            {
                snapshot.GetOutput(c, block).CopyTo(output[c].AsSpan((int)position));
            }
        }

        return output;
    }

    private static GraphDescription RandomVoices(Random random, int voices)
    {
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int i = 0; i < voices; i++)
        {
            string v = "v" + i.ToString(CultureInfo.InvariantCulture);
            graph.Chain(
                graph.Add(v + ".osc", "saw", new Dictionary<string, double> { ["freqHz"] = 40 + random.NextDouble() * 1500, ["level"] = 0.3 + random.NextDouble() * 0.7 }),
                graph.Add(v + ".lpf", "rlpf", new Dictionary<string, double> { ["cutoffHz"] = 100 + random.NextDouble() * 10_000, ["q"] = 0.5 + random.NextDouble() * 6 }),
                graph.Add(v + ".gain", "gain", new Dictionary<string, double> { ["level"] = 0.5 / Math.Sqrt(voices) }),
                graph.Add(v + ".pan", "pan", new Dictionary<string, double> { ["pan"] = random.NextDouble() * 2 - 1 }),
                "out");
        }

        return graph;
    }

    /// <summary>The voices of a voices-N graph for which <paramref name="keep"/> holds (by voice number).</summary>
    private static GraphDescription Subset(GraphDescription voices, Func<int, bool> keep)
    {
        var graph = new GraphDescription();
        foreach (NodeSpec node in voices.Nodes)
        {
            if (node.Id == "out" || keep(VoiceOf(node.Id)))
            {
                graph.Nodes.Add(node);
            }
        }

        foreach (EdgeSpec edge in voices.Edges)
        {
            if (keep(VoiceOf(edge.From)))
            {
                graph.Edges.Add(edge);
            }
        }

        return graph;

        static int VoiceOf(string id) => id == "out" ? -1 : int.Parse(id[1..id.IndexOf('.')], CultureInfo.InvariantCulture);
    }

    private static GraphSnapshot Compile(GraphDescription graph, int maxBlock, bool banking = true) =>
        GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = maxBlock, Banking = banking });
}
