using System.Globalization;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Banks;

/// <summary>The bank kinds besides saw>rlpf>gain>pan: biquad chains (chains-MxL) and the stdlib synth voice.</summary>
public sealed class BankKindTests
{
    /// <summary>The stated bound of banking on against off, relative to the output's peak (docs/performance.md).</summary>
    private const double RelativeTolerance = 1e-5;

    /// <summary>
    /// The bound for biquad chains: float coefficients and state in series, at random types and cutoffs down to
    /// 300 Hz (largest seen over these tests 1.2e-5, −98 dB); chains-16x16 itself stays within <see cref="RelativeTolerance"/>.
    /// </summary>
    private const double BiquadRelativeTolerance = 1e-4;

    public static TheoryData<string> Kinds => new(["chains", "synth", "synth-panned", "enveloped", "filtered", "samplers"]);

    [Fact]
    public void Chains16x16_FormOneBiquadBankOf16Lanes()
    {
        GraphSnapshot snapshot = Compile(StandardWorkloads.Chains(16, 16), 128);
        BankInfo bank = Assert.Single(snapshot.Banks);
        Assert.Equal(BiquadChainVoiceBank.KindName, bank.Name);
        Assert.Equal(16, bank.LaneCount);
        Assert.All(bank.LaneNodes, lane => Assert.Equal(18, lane.Length));
        Assert.Single(snapshot.Jobs);
        Assert.Equal("1 × osc>biquad…>pan → out: 16 voices in lanes of 16", snapshot.DescribeBanks());
    }

    [Fact]
    public void BiquadChainsOfDifferentLengths_FormSeparateBanks()
    {
        // Lanes of one bank have the same number of biquads; 3 chains of 2 and 3 of 5 make two banks.
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int m = 0; m < 6; m++)
        {
            string previous = graph.Add($"c{m}.osc", "saw", P(("freqHz", 100 + m)));
            for (int k = 0; k < (m < 3 ? 2 : 5); k++)
            {
                string stage = graph.Add($"c{m}.f{k}", k % 2 == 0 ? "lpf" : "peak", P(("cutoffHz", 500 + (100 * k))));
                graph.Connect(previous, stage);
                previous = stage;
            }

            graph.Chain(previous, graph.Add($"c{m}.pan", "pan"), "out");
        }

        GraphSnapshot snapshot = Compile(graph, 64);
        Assert.Equal([3, 3], snapshot.Banks.Select(b => b.LaneCount));
        Assert.Equal([4, 7], snapshot.Banks.Select(b => b.LaneNodes[0].Length).Order());
    }

    [Fact]
    public void SynthVoices_FormBanksWithTheirEnvelopes()
    {
        GraphSnapshot snapshot = Compile(SynthVoices(new Random(1), 70), 64);
        Assert.Equal([35, 35], snapshot.Banks.Select(b => b.LaneCount));
        Assert.All(snapshot.Banks, b => Assert.Equal(SynthVoiceBank.KindName, b.Name));
        BankInfo bank = snapshot.Banks[0];
        Assert.Equal(["v0.env", "v0.osc", "v0.flt", "v0.vca", "v0"], bank.LaneNodes[0].Select(n => snapshot.NodeIds[n]));

        GraphSnapshot panned = Compile(SynthVoices(new Random(1), 70, panned: true), 64);
        Assert.All(panned.Banks, b => Assert.Equal(SynthVoiceBank.PannedKindName, b.Name));
        Assert.Equal("2 × osc>rlpf>vca(adsr)>gain>pan → out: 70 voices in lanes of 35 35", panned.DescribeBanks());
    }

    [Fact]
    public void SynthVoiceWithDetune_IsNotBanked()
    {
        // A second oscillator into the filter makes the lane's shape differ from the bank kind's: it runs node by node.
        GraphDescription graph = SynthVoices(new Random(1), 4);
        graph.Add("v2.osc2", "saw", P(("freqHz", 331)));
        graph.Connect("v2.osc2", "v2.flt");
        GraphSnapshot snapshot = Compile(graph, 64);
        BankInfo bank = Assert.Single(snapshot.Banks);
        Assert.Equal(3, bank.LaneCount);
        Assert.DoesNotContain(bank.LaneNodes, lane => lane.Contains(snapshot.IndexOfNode("v2.flt")));
    }

    [Fact]
    public void EnvelopedAndSamplerVoices_FormSourceBanks()
    {
        GraphSnapshot enveloped = Compile(EnvelopedVoices(new Random(1), 20), 64);
        Assert.Equal("1 × src>vca(adsr)>gain>pan → out: 20 voices in lanes of 20", enveloped.DescribeBanks());
        GraphSnapshot samplers = Compile(SamplerVoices(new Random(1), 20), 64);
        Assert.Equal("1 × sampler>gain>pan → out: 20 voices in lanes of 20", samplers.DescribeBanks());

        // The opt-out still holds for a stage that may carry options.
        GraphDescription graph = SamplerVoices(new Random(1), 20);
        graph.Nodes.Single(n => n.Id == "v4.src").Options["bank"] = "off";
        Assert.Equal(19, Compile(graph, 64).Banks.Single().LaneCount);
    }

    [Fact]
    public void FilteredSourceVoices_FormOneBankWithTheirBiquadsAndEnvelopes()
    {
        GraphSnapshot snapshot = Compile(FilteredVoices(new Random(1), 20), 64);
        Assert.Equal("1 × src>biquad…>vca(adsr)>gain>pan → out: 20 voices in lanes of 20", snapshot.DescribeBanks());
        Assert.Equal(["v0.env", "v0.src", "v0.flt", "v0.vca", "v0", "v0.pan"], snapshot.Banks[0].LaneNodes[0].Select(n => snapshot.NodeIds[n]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomFilteredSourceVoices_BankedMatchUnbankedWithinTheBiquadBound(int seed)
    {
        // Gates, levels, pans and cutoffs change in random lanes; the biquads run in float, as in every biquad bank.
        var random = new Random(seed);
        int voices = 2 + random.Next(90);
        GraphDescription graph = FilteredVoices(random, voices);
        GraphSnapshot banked = Compile(graph, 96);
        Assert.NotEmpty(banked.Banks);
        var changes = new List<(int Block, string Node, int Parameter, float Value)>();
        for (int k = 0; k < 80; k++)
        {
            int v = random.Next(voices);
            (string node, int parameter, float value) = random.Next(4) switch
            {
                0 => ("", 0, (float)random.NextDouble() * 0.2f),
                1 => ("pan", 0, (float)((random.NextDouble() * 2) - 1)),
                2 => ("flt", 0, (float)(300 + (random.NextDouble() * 9000))),
                _ => ("env", 4, random.Next(2)),
            };
            changes.Add((random.Next(200), node.Length == 0 ? $"v{v}" : $"v{v}.{node}", parameter, value));
        }

        float[][] a = RenderWithChanges(banked, 200, 96, changes);
        float[][] b = RenderWithChanges(Compile(graph, 96, banking: false), 200, 96, changes);
        AssertClose(b, a, $"random filtered voices seed {seed}", BiquadRelativeTolerance);
    }

    [Theory]
    [InlineData("enveloped", 1)]
    [InlineData("enveloped", 2)]
    [InlineData("samplers", 3)]
    [InlineData("samplers", 4)]
    public void RandomSourceVoices_BankedMatchUnbankedWithinTheStatedTolerance(string kind, int seed)
    {
        var random = new Random(seed);
        int voices = 2 + random.Next(90);
        GraphDescription graph = kind == "samplers" ? SamplerVoices(random, voices) : EnvelopedVoices(random, voices);
        GraphSnapshot banked = Compile(graph, 96);
        Assert.NotEmpty(banked.Banks);
        var changes = new List<(int Block, string Node, int Parameter, float Value)>();
        for (int k = 0; k < 60; k++)
        {
            int v = random.Next(voices);
            (string node, int parameter, float value) = random.Next(4) switch
            {
                0 => ("", 0, (float)random.NextDouble() * 0.2f),
                1 => ("pan", 0, (float)((random.NextDouble() * 2) - 1)),
                2 when kind == "samplers" => ("src", 0, (float)(0.5 + random.NextDouble())),
                _ when kind == "samplers" => ("src", 1, random.Next(2)),
                _ => ("env", 4, random.Next(2)),
            };
            changes.Add((random.Next(200), node.Length == 0 ? $"v{v}" : $"v{v}.{node}", parameter, value));
        }

        float[][] a = RenderWithChanges(banked, 200, 96, changes);
        float[][] b = RenderWithChanges(Compile(graph, 96, banking: false), 200, 96, changes);
        AssertClose(b, a, $"random {kind} seed {seed}");
    }

    [Fact]
    public void Chains16x16_BankedMatchesUnbankedWithinTheStatedTolerance()
    {
        GraphDescription graph = StandardWorkloads.Chains(16, 16);
        float[][] banked = OfflineRender.Render(Compile(graph, 64), 24_000, _ => 64);
        float[][] unbanked = OfflineRender.Render(Compile(graph, 64, banking: false), 24_000, _ => 64);
        AssertClose(unbanked, banked, "chains-16x16");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomBiquadChains_BankedMatchUnbankedWithinTheStatedTolerance(int seed)
    {
        var random = new Random(seed);
        int chains = 2 + random.Next(70);
        GraphDescription graph = RandomChains(random, chains, 1 + random.Next(9));
        GraphSnapshot banked = Compile(graph, 96);
        Assert.NotEmpty(banked.Banks);
        var changes = new List<(int Block, string Node, int Parameter, float Value)>();
        for (int k = 0; k < 40; k++)
        {
            int v = random.Next(chains);
            (string stage, int parameter, float value) = random.Next(4) switch
            {
                0 => ("osc", 0, (float)(50 + (random.NextDouble() * 2000))),
                1 => ("f0", 0, (float)(300 + (random.NextDouble() * 8000))),
                2 => ("f0", 1, (float)(0.5 + (random.NextDouble() * 3))),
                _ => ("pan", 0, (float)((random.NextDouble() * 2) - 1)),
            };
            changes.Add((random.Next(200), $"v{v}.{stage}", parameter, value));
        }

        float[][] a = RenderWithChanges(banked, 200, 96, changes);
        float[][] b = RenderWithChanges(Compile(graph, 96, banking: false), 200, 96, changes);
        AssertClose(b, a, $"random chains seed {seed}", BiquadRelativeTolerance);
    }

    [Fact]
    public void CommitTurningBankingOff_HandsEachBiquadItsStateBack()
    {
        // The chain bank holds its biquads' state between blocks; when a commit unbanks the chains, each biquad node
        // carries on from exactly there (a node left with the state it had when the bank took it would ring off from
        // silence: a click through all 16 stages).
        const int Block = 64;
        GraphDescription graph = StandardWorkloads.Chains(16, 16);
        GraphSnapshot banked = Compile(graph, Block);
        GraphSnapshot reference = Compile(graph, Block);
        Assert.NotEmpty(banked.Banks);
        long position = 0;
        for (int b = 0; b < 100; b++, position += Block)
        {
            SingleThreadExecutor.Process(banked, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
        }

        var biquad = (BiquadNode)banked.Nodes[banked.IndexOfNode("c3.lpf9")];
        Assert.NotNull(biquad.BankOwner);
        GraphSnapshot unbanked = GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = banked, Banking = false });
        Assert.Empty(unbanked.Banks);
        var output = new float[][] { new float[50 * Block], new float[50 * Block] };
        var expected = new float[][] { new float[50 * Block], new float[50 * Block] };
        for (int b = 0; b < 50; b++, position += Block)
        {
            SingleThreadExecutor.Process(unbanked, Block, position);
            SingleThreadExecutor.Process(reference, Block, position);
            for (int c = 0; c < 2; c++)
            {
                unbanked.GetOutput(c, Block).CopyTo(output[c].AsSpan(b * Block));
                reference.GetOutput(c, Block).CopyTo(expected[c].AsSpan(b * Block));
            }
        }

        // The unbanked biquads run in double: within the stated bound of the banked render, not bit for bit.
        AssertClose(expected, output, "after banking went off");
    }

    [Fact]
    public void ABankedBiquadReset_TakesItsStateBackAndTheBankAdoptsTheClearedState()
    {
        // Reset asks the bank for the state first; the bank takes the cleared state over at its next block, so the
        // reset lands exactly where the node's own reset would: banked and unbanked still agree after it.
        const int Block = 64;
        GraphDescription graph = StandardWorkloads.Chains(4, 6);
        GraphSnapshot banked = Compile(graph, Block);
        GraphSnapshot unbanked = Compile(graph, Block, banking: false);
        Assert.NotEmpty(banked.Banks);
        var output = new float[][] { new float[100 * Block], new float[100 * Block] };
        var expected = new float[][] { new float[100 * Block], new float[100 * Block] };
        long position = 0;
        for (int b = 0; b < 100; b++, position += Block)
        {
            if (b == 50)
            {
                var node = (BiquadNode)banked.Nodes[banked.IndexOfNode("c1.lpf2")];
                Assert.NotNull(node.BankOwner);
                node.Reset();
                Assert.Null(node.BankOwner);
                unbanked.Nodes[unbanked.IndexOfNode("c1.lpf2")].Reset();
            }

            SingleThreadExecutor.Process(banked, Block, position);
            SingleThreadExecutor.Process(unbanked, Block, position);
            for (int c = 0; c < 2; c++)
            {
                banked.GetOutput(c, Block).CopyTo(output[c].AsSpan(b * Block));
                unbanked.GetOutput(c, Block).CopyTo(expected[c].AsSpan(b * Block));
            }
        }

        Assert.NotNull(((BiquadNode)banked.Nodes[banked.IndexOfNode("c1.lpf2")]).BankOwner);
        AssertClose(expected, output, "after a reset", BiquadRelativeTolerance);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LongBiquadChains_GlidingInEveryPass_BankedMatchUnbankedWithinTheBiquadBound(int seed)
    {
        // 13 stages run in four passes of the bank (4 + 4 + 4 + 1): cutoffs and qs glide, settle and glide again in
        // random stages of every pass, so each pass's kept float coefficients go stale and are renewed.
        var random = new Random(seed);
        int chains = 3 + random.Next(30);
        const int Length = 13;
        GraphDescription graph = RandomChains(random, chains, Length);
        GraphSnapshot banked = Compile(graph, 64);
        Assert.NotEmpty(banked.Banks);
        var changes = new List<(int Block, string Node, int Parameter, float Value)>();
        for (int k = 0; k < 60; k++)
        {
            string stage = "f" + random.Next(Length).ToString(CultureInfo.InvariantCulture);
            (int parameter, float value) = random.Next(2) == 0
                ? (0, (float)(300 + (random.NextDouble() * 8000)))
                : (1, (float)(0.5 + (random.NextDouble() * 3)));
            changes.Add((random.Next(240), $"v{random.Next(chains)}.{stage}", parameter, value));
        }

        float[][] a = RenderWithChanges(banked, 240, 64, changes);
        float[][] b = RenderWithChanges(Compile(graph, 64, banking: false), 240, 64, changes);
        AssertClose(b, a, $"long chains seed {seed}", BiquadRelativeTolerance);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomSynthVoices_PlayedWithNotes_BankedMatchUnbankedWithinTheStatedTolerance(int seed)
    {
        // Gates open and close (attacks, decays, releases), pitches, cutoffs, levels and pans glide, in random lanes.
        var random = new Random(seed);
        int voices = 2 + random.Next(90);
        GraphDescription graph = SynthVoices(random, voices, panned: seed % 2 == 0);
        GraphSnapshot banked = Compile(graph, 96);
        Assert.NotEmpty(banked.Banks);
        List<(int Block, string Node, int Parameter, float Value)> changes = Notes(random, voices, 200, panned: seed % 2 == 0);
        float[][] a = RenderWithChanges(banked, 200, 96, changes);
        float[][] b = RenderWithChanges(Compile(graph, 96, banking: false), 200, 96, changes);
        AssertClose(b, a, $"random synth voices seed {seed}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BankedRender_IsBitIdenticalForEveryBlockSplit(string kind)
    {
        const int Frames = 9_600;
        GraphDescription graph = Graph(kind, 40);
        float[][] reference = OfflineRender.Render(Compile(graph, 512), Frames, _ => 512);
        var random = new Random(7);
        int[] splits = [.. Enumerable.Range(0, Frames).Select(_ => 1 + random.Next(512))];
        foreach ((int maxBlock, Func<int, int> split) in new (int, Func<int, int>)[] { (1, _ => 1), (31, _ => 31), (128, _ => 128), (512, b => splits[b]) })
        {
            float[][] output = OfflineRender.Render(Compile(graph, maxBlock), Frames, split);
            for (int c = 0; c < 2; c++)
            {
                Assert.True(reference[c].AsSpan().SequenceEqual(output[c]), $"{kind}: channel {c} differs with max block {maxBlock}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BankedRender_IsBitIdenticalOnAnyThreadCount(string kind)
    {
        const int Block = 128;
        GraphDescription graph = Graph(kind, 150);
        float[][] reference = OfflineRender.Render(Compile(graph, Block), Block * 100, _ => Block);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            using var executor = new ParallelExecutor(new ParallelExecutorOptions { Threads = threads, VerifyExecution = true });
            float[][] output = OfflineRender.Render(Compile(graph, Block), Block * 100, _ => Block, executor);
            Assert.Equal(0, executor.Violations);
            for (int c = 0; c < 2; c++)
            {
                Assert.True(reference[c].AsSpan().SequenceEqual(output[c]), $"{kind}: channel {c} differs between 1 and {threads} threads");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RemovingAVoice_MovesTheOtherLanesWithoutChangingABit(string kind)
    {
        const int Block = 64;
        GraphDescription all = Graph(kind, 40);
        GraphDescription after = Subset(all, v => v != 0);
        GraphSnapshot first = Compile(all, Block);
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
                Assert.True(reference.GetOutput(c, Block).SequenceEqual(second.GetOutput(c, Block)), $"{kind}: block {b} after the commit, channel {c}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AddingAndRemovingVoicesMidBank_KeepsTheOthersContinuous(string kind)
    {
        // Voices 0..39 minus 20, then a commit adds voice 20 and removes voice 33 (and re-forms the bank); the output
        // less the newcomer continues the kept voices, with no step larger than their own.
        const int Block = 64;
        GraphDescription all = Graph(kind, 40);
        GraphSnapshot first = Compile(Subset(all, v => v != 20), Block);
        GraphSnapshot keptAlone = Compile(Subset(all, v => v is not 20 and not 33), Block);
        long position = 0;
        var output = new List<float>[] { [], [] };
        var reference = new List<float>[] { [], [] };
        for (int b = 0; b < 100; b++, position += Block)
        {
            SingleThreadExecutor.Process(first, Block, position);
            SingleThreadExecutor.Process(keptAlone, Block, position);
        }

        GraphSnapshot second = GraphCompiler.Compile(Subset(all, v => v != 33), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = first });
        GraphSnapshot fresh = Compile(Subset(all, v => v == 20), Block);
        for (int b = 0; b < 30; b++, position += Block)
        {
            SingleThreadExecutor.Process(second, Block, position);
            SingleThreadExecutor.Process(keptAlone, Block, position);
            SingleThreadExecutor.Process(fresh, Block, position);
            for (int c = 0; c < 2; c++)
            {
                ReadOnlySpan<float> mixed = second.GetOutput(c, Block);
                ReadOnlySpan<float> added = fresh.GetOutput(c, Block);
                ReadOnlySpan<float> kept = keptAlone.GetOutput(c, Block);
                for (int i = 0; i < Block; i++)
                {
                    output[c].Add(mixed[i] - added[i]);
                    reference[c].Add(kept[i]);
                }
            }
        }

        float peak = reference.Max(r => r.Max(Math.Abs));
        Assert.True(peak > 1e-3, $"{kind}: silence");
        for (int c = 0; c < 2; c++)
        {
            double maxStep = MaxStep(reference[c]);
            Assert.True(MaxStep(output[c]) <= maxStep * 1.01, $"{kind} channel {c}: a step of {MaxStep(output[c])} after the commit against {maxStep} in the kept voices' own signal");
            for (int i = 0; i < output[c].Count; i++)
            {
                Assert.True(Math.Abs(output[c][i] - reference[c][i]) <= peak * RelativeTolerance, $"{kind} channel {c} frame {i}: {output[c][i]} against {reference[c][i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BankedProcess_AllocatesNothingPerBlockAcrossCommitsThatReformBanks(string kind)
    {
        const int Block = 64;
        GraphDescription all = Graph(kind, 100);
        GraphSnapshot a = Compile(all, Block);
        GraphSnapshot b = GraphCompiler.Compile(Subset(all, v => v % 7 != 0), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = a });
        GraphSnapshot c = GraphCompiler.Compile(all, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = Block, Previous = b });
        GraphSnapshot[] sequence = [a, b, c];
        long position = 0;
        for (int k = 0; k < 300; k++, position += Block)
        {
            SingleThreadExecutor.Process(sequence[k % 3], Block, position);
        }

        // The warm-up runs the measured pattern once too (a snapshot for ten blocks in a row, then the next one), so
        // that every path the measurement takes has run before: a first call may allocate (type loading), a block may not.
        RunSwitchingEveryTenBlocks(600);
        SteadyAllocation.AssertNone("3,000 blocks switching snapshots every ten", () => RunSwitchingEveryTenBlocks(3_000));

        void RunSwitchingEveryTenBlocks(int blocks)
        {
            for (int k = 0; k < blocks; k++, position += Block)
            {
                // A gate toggles now and then, so that the envelopes take every path.
                if (kind is "synth" or "synth-panned" or "enveloped" or "filtered" && k % 50 == 0)
                {
                    GraphSnapshot s = sequence[(k / 10) % 3];
                    s.GetParameters(s.IndexOfNode("v1.env"))[4] = (k / 50) % 2;
                }

                SingleThreadExecutor.Process(sequence[(k / 10) % 3], Block, position);
            }
        }
    }

    private static GraphDescription Graph(string kind, int voices) => kind switch
    {
        "chains" => RandomChains(new Random(11), voices, 6),
        "synth-panned" => SynthVoices(new Random(11), voices, panned: true),
        "enveloped" => EnvelopedVoices(new Random(11), voices),
        "filtered" => FilteredVoices(new Random(11), voices),
        "samplers" => SamplerVoices(new Random(11), voices),
        _ => SynthVoices(new Random(11), voices),
    };

    /// <summary>Chains v{i}.osc → v{i}.f0 .. f{L-1} (random biquad types per lane) → v{i}.pan → out.</summary>
    private static GraphDescription RandomChains(Random random, int chains, int length)
    {
        string[] oscillators = ["saw", "square", "triangle", "sine"];
        string[] biquads = ["lpf", "hpf", "bpf", "notch", "peak", "lowshelf", "highshelf"];
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int m = 0; m < chains; m++)
        {
            string v = "v" + m.ToString(CultureInfo.InvariantCulture);
            string previous = graph.Add(v + ".osc", oscillators[random.Next(oscillators.Length)], P(("freqHz", 50 + (random.NextDouble() * 1500)), ("level", 0.1)));
            for (int k = 0; k < length; k++)
            {
                string stage = graph.Add(
                    $"{v}.f{k}",
                    biquads[random.Next(biquads.Length)],
                    P(("cutoffHz", 300 + (random.NextDouble() * 8000)), ("q", 0.5 + (random.NextDouble() * 2)), ("gainDb", (random.NextDouble() * 12) - 6)));
                graph.Connect(previous, stage);
                previous = stage;
            }

            graph.Chain(previous, graph.Add(v + ".pan", "pan", P(("pan", (random.NextDouble() * 2) - 1))), "out");
        }

        return graph;
    }

    /// <summary>
    /// Voices shaped like the Lua stdlib's synth: v{i}.osc → .flt → .vca (cv: v{i}.env) → gain v{i} → out, or with
    /// v{i}.pan after the gain (what <c>&gt;&gt;</c> inserts before a stereo bus).
    /// </summary>
    private static GraphDescription SynthVoices(Random random, int voices, bool panned = false)
    {
        string[] oscillators = ["saw", "square", "triangle", "sine"];
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int i = 0; i < voices; i++)
        {
            string v = "v" + i.ToString(CultureInfo.InvariantCulture);
            graph.Add(v + ".osc", oscillators[random.Next(oscillators.Length)], P(("freqHz", 50 + (random.NextDouble() * 1500))));
            graph.Add(v + ".flt", "rlpf", P(("cutoffHz", 200 + (random.NextDouble() * 6000)), ("q", 0.5 + (random.NextDouble() * 4))));
            graph.Add(v + ".vca", "vca");
            graph.Add(v + ".env", "adsr", P(("attackMs", random.Next(20)), ("decayMs", 20 + random.Next(200)), ("sustain", random.NextDouble()), ("releaseMs", 10 + random.Next(200)), ("gate", random.Next(2))));
            graph.Add(v, "gain", P(("level", 0.5 / Math.Sqrt(voices))));
            if (panned)
            {
                graph.Add(v + ".pan", "pan", P(("pan", (random.NextDouble() * 2) - 1)));
                graph.Chain(v + ".osc", v + ".flt", v + ".vca", v, v + ".pan", "out");
            }
            else
            {
                graph.Chain(v + ".osc", v + ".flt", v + ".vca", v, "out");
            }

            graph.Connect(v + ".env", v + ".vca", toPort: "cv");
        }

        return graph;
    }

    /// <summary>Voices shaped like the stdlib's kick: v{i}.src (an oscillator, noise or sampler) → .vca (cv: v{i}.env) → gain v{i} → .pan → out.</summary>
    private static GraphDescription EnvelopedVoices(Random random, int voices)
    {
        string[] sources = ["sine", "saw", "whitenoise", "sampler"];
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int i = 0; i < voices; i++)
        {
            string v = "v" + i.ToString(CultureInfo.InvariantCulture);
            string type = sources[random.Next(sources.Length)];
            graph.Add(v + ".src", type, type switch
            {
                "sampler" => P(("rate", 0.5 + random.NextDouble()), ("loop", 1)),
                "whitenoise" => P(("level", 0.3)),
                _ => P(("freqHz", 40 + (random.NextDouble() * 400)), ("level", 0.5)),
            });
            if (type == "sampler")
            {
                graph.Nodes[^1].Options["sample"] = Sample(random.Next(2));
            }

            graph.Add(v + ".vca", "vca");
            graph.Add(v + ".env", "adsr", P(("attackMs", random.Next(10)), ("decayMs", 20 + random.Next(300)), ("sustain", random.NextDouble()), ("releaseMs", 10 + random.Next(100)), ("gate", random.Next(2))));
            graph.Add(v, "gain", P(("level", 0.5 / Math.Sqrt(voices))));
            graph.Add(v + ".pan", "pan", P(("pan", (random.NextDouble() * 2) - 1)));
            graph.Chain(v + ".src", v + ".vca", v, v + ".pan", "out");
            graph.Connect(v + ".env", v + ".vca", toPort: "cv");
        }

        return graph;
    }

    /// <summary>
    /// Voices shaped like the stdlib's hat: v{i}.src (noise or an oscillator) → .flt (a biquad) → .vca (cv: v{i}.env) →
    /// gain v{i} → .pan → out.
    /// </summary>
    internal static GraphDescription FilteredVoices(Random random, int voices)
    {
        string[] sources = ["whitenoise", "sine", "saw", "square"];
        string[] biquads = ["hpf", "bpf", "lpf"];
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int i = 0; i < voices; i++)
        {
            string v = "v" + i.ToString(CultureInfo.InvariantCulture);
            string type = sources[random.Next(sources.Length)];
            graph.Add(v + ".src", type, type == "whitenoise" ? P(("level", 0.5)) : P(("freqHz", 40 + (random.NextDouble() * 800)), ("level", 0.5)));
            graph.Add(v + ".flt", biquads[random.Next(biquads.Length)], P(("cutoffHz", 300 + (random.NextDouble() * 9000)), ("q", 0.5 + random.NextDouble())));
            graph.Add(v + ".vca", "vca");
            graph.Add(v + ".env", "adsr", P(("attackMs", random.Next(5)), ("decayMs", 20 + random.Next(200)), ("sustain", random.NextDouble() * 0.5), ("releaseMs", 10 + random.Next(60)), ("gate", random.Next(2))));
            graph.Add(v, "gain", P(("level", 0.5 / Math.Sqrt(voices))));
            graph.Add(v + ".pan", "pan", P(("pan", (random.NextDouble() * 2) - 1)));
            graph.Chain(v + ".src", v + ".flt", v + ".vca", v, v + ".pan", "out");
            graph.Connect(v + ".env", v + ".vca", toPort: "cv");
        }

        return graph;
    }

    /// <summary>Sample voices: v{i}.src (a looping sampler of one of two samples) → gain v{i} → .pan → out.</summary>
    private static GraphDescription SamplerVoices(Random random, int voices)
    {
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int i = 0; i < voices; i++)
        {
            string v = "v" + i.ToString(CultureInfo.InvariantCulture);
            graph.Add(v + ".src", "sampler", P(("rate", 0.5 + random.NextDouble()), ("loop", 1), ("level", 0.5 + (random.NextDouble() * 0.5))));
            graph.Nodes[^1].Options["sample"] = Sample(random.Next(2));
            graph.Add(v, "gain", P(("level", 0.5 / Math.Sqrt(voices))));
            graph.Add(v + ".pan", "pan", P(("pan", (random.NextDouble() * 2) - 1)));
            graph.Chain(v + ".src", v, v + ".pan", "out");
        }

        return graph;
    }

    /// <summary>One of two test samples in the shared library (a decaying noise burst, a chirp), added once.</summary>
    private static string Sample(int which)
    {
        string name = which == 0 ? "bank-test-burst" : "bank-test-chirp";
        if (!SampleLibrary.Shared.Names.Contains(name))
        {
            var random = new Random(which);
            var frames = new float[20_000];
            for (int i = 0; i < frames.Length; i++)
            {
                frames[i] = which == 0
                    ? (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-i / 4000.0))
                    : (float)Math.Sin(2 * Math.PI * (100 + (i * 0.05)) * i / 48_000.0);
            }

            SampleLibrary.Shared.Add(name, [frames], 48_000);
        }

        return name;
    }

    private static List<(int Block, string Node, int Parameter, float Value)> Notes(Random random, int voices, int blocks, bool panned)
    {
        var changes = new List<(int Block, string Node, int Parameter, float Value)>();
        for (int k = 0; k < 80; k++)
        {
            int v = random.Next(voices);
            (string node, int parameter, float value) = random.Next(5) switch
            {
                0 => ("osc", 0, (float)(50 + (random.NextDouble() * 2000))),
                1 => ("flt", 0, (float)(100 + (random.NextDouble() * 8000))),
                2 => ("", 0, (float)random.NextDouble() * 0.2f),
                3 when panned => ("pan", 0, (float)((random.NextDouble() * 2) - 1)),
                _ => ("env", 4, random.Next(2)),
            };
            changes.Add((random.Next(blocks), node.Length == 0 ? $"v{v}" : $"v{v}.{node}", parameter, value));
        }

        return changes;
    }

    /// <summary>The voices v{i} (every node whose id is v{i} or starts with "v{i}.") for which <paramref name="keep"/> holds.</summary>
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

        static int VoiceOf(string id)
        {
            if (id == "out")
            {
                return -1;
            }

            int dot = id.IndexOf('.');
            return int.Parse(dot < 0 ? id[1..] : id[1..dot], CultureInfo.InvariantCulture);
        }
    }

    private static void AssertClose(float[][] expected, float[][] actual, string what, double tolerance = RelativeTolerance)
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

            Assert.True(max <= peak * tolerance, $"{what}: channel {c} differs by {max} against a peak of {peak} (bound {tolerance} of the peak)");
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

    private static Dictionary<string, double> P(params (string Name, double Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    private static GraphSnapshot Compile(GraphDescription graph, int maxBlock, bool banking = true) =>
        GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = maxBlock, Banking = banking });
}
