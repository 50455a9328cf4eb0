using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Workloads;

public sealed class StandardWorkloadTests
{
    public static TheoryData<string> Names => new(StandardWorkloads.Names.Where(n => n != "voices-1024"));

    [Theory]
    [MemberData(nameof(Names))]
    public void Workload_RendersFiniteNonSilentStereo(string name)
    {
        GraphSnapshot snapshot = Compile(name, 64);
        float[][] output = OfflineRender.Render(snapshot, 24_000, _ => 64);
        Assert.Equal(2, output.Length);
        foreach (float[] channel in output)
        {
            Assert.All(channel, x => Assert.True(float.IsFinite(x)));
            double rms = Math.Sqrt(channel.Skip(4_800).Average(x => (double)x * x));
            Assert.True(rms > 1e-3, $"{name}: RMS {rms} is silence");
            Assert.True(channel.Max(Math.Abs) < 4, $"{name}: peak {channel.Max(Math.Abs)} is far beyond full scale");
        }
    }

    [Fact]
    public void SessionT_IsTheSessionMixWithTTracks_AndSession32IsSession()
    {
        GraphDescription session = StandardWorkloads.Create("session");
        Assert.Equal(session.ToJson(), StandardWorkloads.Create("session-32").ToJson());
        GraphDescription big = StandardWorkloads.Create("session-512");
        Assert.Equal(512, big.Nodes.Count(n => n.Id.EndsWith(".eq", StringComparison.Ordinal)));
        Assert.Equal(512 * 8 * 4, big.Nodes.Count(n => n.Id.Contains(".v", StringComparison.Ordinal)));

        // Every parameter of the largest is in range (track 40's EQ is track 8's).
        GraphSnapshot snapshot = Compile("session-512", 64);
        Assert.NotNull(snapshot);
    }

    [Theory]
    [InlineData("voices-64")]
    [InlineData("voices-256")]
    [InlineData("voices-1024")]
    public void Voices_StartNoLouderThanTheyGoOn(string name)
    {
        // Voices of one pitch class that started in phase summed to 1.66 (voices-256) and 3.41 (voices-1024) in the
        // first milliseconds (at twice today's level), against about 1.0 afterwards. The later peaks are those of a
        // sum of many incoherent voices: about 0.12 RMS per channel, so peaks of 4 to 5 RMS stay below full scale.
        float[][] output = OfflineRender.Render(Compile(name, 128), 96_000, _ => 128);
        for (int c = 0; c < output.Length; c++)
        {
            float start = Peak(output[c].AsSpan(0, 12_000));
            float after = Peak(output[c].AsSpan(12_000));
            Console.WriteLine($"{name}: channel {c} peak {start:F3} in the first 0.25 s, {after:F3} in the next 1.75 s");
            Assert.True(start < 1.25f * after, $"{name}: channel {c} peaks at {start} in its first 0.25 s, {after} afterwards: the voices start coherently");
        }
    }

    [Theory]
    [InlineData("voices-64")]
    [InlineData("voices-256")]
    [InlineData("voices-1024")]
    [InlineData("chains-16x16")]
    [InlineData("random-layered")]
    [InlineData("session")]
    public void Render_StaysBelowFullScaleOverItsFirstTwoSeconds(string name)
    {
        float[][] output = OfflineRender.Render(Compile(name, 128), 96_000, _ => 128);
        for (int c = 0; c < output.Length; c++)
        {
            float peak = Peak(output[c]);
            Console.WriteLine($"{name}: channel {c} peak {peak:F3}");
            Assert.True(peak < 1f, $"{name}: channel {c} peaks at {peak}, above 0 dBFS");
        }
    }

    [Fact]
    public void Voice_PlaysAtTheLevelScsynthRendersTheScoreAt()
    {
        // scsynth 3.13 renders tools/peers/scores.scd's voice alone (voices-1: Saw.ar(55) → RLPF 2 kHz, rq 0.3 →
        // × 0.5 → Pan2 hard left) at 0.1499 RMS on the left channel; SuperCollider's Saw spans half of our ±1 saw.
        float[][] output = OfflineRender.Render(Compile("voices-1", 64), 96_000, _ => 64);
        double rms = Math.Sqrt(output[0].Skip(4_800).Average(x => (double)x * x));
        Assert.InRange(rms, 0.1499 * 0.97, 0.1499 * 1.03);
        Assert.All(output[1], x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData("voices-256")]
    [InlineData("session")]
    public void Process_AllocatesNothingOver10000Blocks(string name)
    {
        GraphSnapshot snapshot = Compile(name, 64);

        // Let tiered compilation settle so that the measurement sees steady-state code.
        long position = 0;
        for (int b = 0; b < 200; b++, position += 64)
        {
            SingleThreadExecutor.Process(snapshot, 64, position);
        }

        IReadOnlyList<long> windows = SteadyAllocation.Windows(() =>
        {
            for (int b = 0; b < 10_000; b++, position += 64)
            {
                SingleThreadExecutor.Process(snapshot, 64, position);
            }
        });
        Assert.True(windows[^1] == 0, $"{name}: Process allocated {string.Join(", ", windows)} bytes in windows of 10,000 blocks; the audio path must allocate nothing.");
    }

    [Theory]
    [InlineData("voices-64")]
    [InlineData("chains-4x4")]
    [InlineData("session")]
    public void Render_IsBitIdenticalForEveryBlockSplit(string name)
    {
        const int Frames = 9_600;
        float[][] reference = OfflineRender.Render(Compile(name, 512), Frames, _ => 512);
        var random = new Random(42);
        int[] randomSplits = [.. Enumerable.Range(0, Frames).Select(_ => 1 + random.Next(512))];
        foreach ((int maxBlock, Func<int, int> split) in new (int, Func<int, int>)[] { (1, _ => 1), (31, _ => 31), (64, _ => 64), (512, b => randomSplits[b]) })
        {
            float[][] output = OfflineRender.Render(Compile(name, maxBlock), Frames, split);
            for (int c = 0; c < reference.Length; c++)
            {
                Assert.True(reference[c].AsSpan().SequenceEqual(output[c]), $"{name}: channel {c} differs with max block {maxBlock}");
            }
        }
    }

    [Theory]
    [InlineData(22_050)]
    [InlineData(44_100)]
    [InlineData(96_000)]
    [InlineData(192_000)]
    public void Render_RepeatsBitForBitAtEachSampleRate(int sampleRate)
    {
        GraphDescription graph = StandardWorkloads.Voices(16);
        var options = new CompileOptions { SampleRate = sampleRate, MaxBlockFrames = 128 };
        float[][] first = OfflineRender.Render(GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), options), sampleRate / 4, _ => 128);
        float[][] second = OfflineRender.Render(GraphCompiler.Compile(graph, BuiltinNodeTypes.CreateRegistry(), options), sampleRate / 4, b => 1 + (b * 37 % 128));
        Assert.Equal(first[0], second[0]);
        Assert.Equal(first[1], second[1]);
        Assert.Contains(first[0], x => x != 0);
    }

    [Fact]
    public void UnknownWorkload_NamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => StandardWorkloads.Create("voice-3"));
        Assert.StartsWith("Unknown workload 'voice-3'. Known: voices-N, chains-MxL, random-layered, session", e.Message);
    }

    [Theory]
    [InlineData("voices-")]
    [InlineData("voices-12a")]
    [InlineData("voices--3")]
    [InlineData("voices-+3")]
    [InlineData("voices-٣")]
    [InlineData("chains-4x")]
    [InlineData("chains-x4")]
    [InlineData("chains-4x4x4")]
    [InlineData("trivial-")]
    [InlineData("session-1 ")]
    public void MalformedSizedName_IsAnUnknownWorkload(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => StandardWorkloads.Create(name));
        Assert.StartsWith($"Unknown workload '{name}'.", e.Message);
    }

    [Fact]
    public void SizedNames_BuildTheNamedSizes()
    {
        Assert.Equal(StandardWorkloads.Voices(3).Nodes.Count, StandardWorkloads.Create("voices-3").Nodes.Count);
        Assert.Equal(StandardWorkloads.Voices(7).Nodes.Count, StandardWorkloads.Create("voices-007").Nodes.Count);
        Assert.Equal(StandardWorkloads.Trivial(5).Nodes.Count, StandardWorkloads.Create("trivial-5").Nodes.Count);
        Assert.Equal(StandardWorkloads.Chains(3, 2).Nodes.Count, StandardWorkloads.Create("chains-3x2").Nodes.Count);
        Assert.NotEqual(StandardWorkloads.Chains(2, 3).Nodes.Count, StandardWorkloads.Create("chains-3x2").Nodes.Count);
    }

    private static float Peak(ReadOnlySpan<float> samples)
    {
        float peak = 0;
        foreach (float x in samples)
        {
            peak = Math.Max(peak, Math.Abs(x));
        }

        return peak;
    }

    private static GraphSnapshot Compile(string name, int maxBlock) =>
        GraphCompiler.Compile(StandardWorkloads.Create(name), BuiltinNodeTypes.CreateRegistry(), new CompileOptions { MaxBlockFrames = maxBlock });
}
