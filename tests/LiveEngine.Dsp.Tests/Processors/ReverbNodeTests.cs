using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;
using Xunit.Abstractions;

namespace LiveEngine.Tests.Dsp.Processors;

public sealed class ReverbNodeTests
{
    private const int SampleRate = 48_000;
    private const int WindowFrames = SampleRate / 10;
    private readonly ITestOutputHelper _output;

    public ReverbNodeTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(2.0, 0.3)]
    [InlineData(1.0, 0.0)]
    public void Reverb_TailAfterBuildUp_LosesEnergyInEveryWindow(double decaySec, double damping)
    {
        double[] windowsDb = WindowLevelsDb(decaySec, damping, seconds: 2.0);
        for (int w = 3; w < windowsDb.Length; w++)
        {
            Assert.True(windowsDb[w] < windowsDb[w - 1], $"Window {w} ({windowsDb[w]:F2} dB) is not below window {w - 1} ({windowsDb[w - 1]:F2} dB).");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.0)]
    public void Reverb_MeasuredRt60_IsWithinTwentyPercentOfDecaySec(double decaySec)
    {
        // Fit a line to the 100 ms window levels from 0.3 s to where the tail is 40 dB down (or 3 s).
        double seconds = Math.Min(0.3 + (decaySec * 40 / 60), 3.0);
        double[] windowsDb = WindowLevelsDb(decaySec, damping: 0, seconds);
        double sumT = 0, sumL = 0, sumTT = 0, sumTL = 0;
        int n = 0;
        for (int w = 3; w < windowsDb.Length; w++)
        {
            double t = w * 0.1;
            sumT += t;
            sumL += windowsDb[w];
            sumTT += t * t;
            sumTL += t * windowsDb[w];
            n++;
        }

        double slopeDbPerSecond = ((n * sumTL) - (sumT * sumL)) / ((n * sumTT) - (sumT * sumT));
        double rt60 = -60 / slopeDbPerSecond;
        _output.WriteLine($"decaySec {decaySec}: measured RT60 {rt60:F3} s ({(rt60 / decaySec) - 1:P1})");
        Assert.InRange(rt60, decaySec * 0.8, decaySec * 1.2);
    }

    [Fact]
    public void Reverb_StereoImpulse_GivesFiniteAudibleDecorrelatedTail()
    {
        float[] impulse = TestSignals.Impulse(16);
        var parameters = new Dictionary<string, double> { ["mix"] = 1 };
        float[][] output = ProcessorHarness.Render("reverb", parameters, [impulse, impulse], SampleRate, SampleRate);
        Assert.All(output[0], x => Assert.True(float.IsFinite(x)));
        Assert.All(output[1], x => Assert.True(float.IsFinite(x)));
        double left = TestSignals.Rms(output[0]);
        double right = TestSignals.Rms(output[1]);
        Assert.True(left > 1e-3 && right > 1e-3, $"Tail RMS left {left}, right {right}: silent.");
        double cross = 0;
        for (int i = 0; i < output[0].Length; i++)
        {
            cross += (double)output[0][i] * output[1][i];
        }

        double correlation = cross / (left * right * output[0].Length);
        _output.WriteLine($"RMS L {left:F4} R {right:F4}, correlation {correlation:F3}");
        Assert.InRange(correlation, -0.3, 0.3);
    }

    [Fact]
    public void Reverb_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(2_000, seed: 14);
        float[] other = TestSignals.Noise(2_000, seed: 15);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile("reverb", new Dictionary<string, double> { ["size"] = 0.5 }, SampleRate, null, new ProcessorHarness.Feed("in", [noise, other]));
                ProcessorHarness.SetParameter(snapshot, "mix", 0.8f);
                return snapshot;
            },
            6_000);
    }

    // Every implementation the node has; each is valid on any hardware (the portable vector API and the gather
    // fall back in software), so none is skipped.
    public static TheoryData<string, double> PathsAndDamping
    {
        get
        {
            var data = new TheoryData<string, double>();
            foreach (string path in Enum.GetNames<ReverbNode.ProcessPath>())
            {
                data.Add(path, 0.0);
                data.Add(path, 0.6);
            }

            return data;
        }
    }

    public static TheoryData<string> Paths
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string path in Enum.GetNames<ReverbNode.ProcessPath>())
            {
                data.Add(path);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndDamping))]
    public void Reverb_EveryPath_MatchesPlainScalarReference(string path, double damping)
    {
        // Size 0.3 makes the lines 13 to 39 ms, so 6,000 frames recirculate the noise about ten times; the mix
        // glides from 1 to 0.4 halfway. Odd block sizes cross the node's internal chunks.
        const int Frames = 6_000;
        const float DecaySec = 1.5f;
        const float Size = 0.3f;
        float[] left = TestSignals.Noise(Frames, seed: 21);
        float[] right = TestSignals.Noise(Frames, seed: 22);
        var reference = new ReverbReference(SampleRate, DecaySec, (float)damping, mix: 1, Size);
        var expectedLeft = new float[Frames];
        var expectedRight = new float[Frames];
        for (int i = 0; i < Frames; i++)
        {
            if (i == Frames / 2)
            {
                reference.Mix = 0.4f;
            }

            (expectedLeft[i], expectedRight[i]) = reference.Next(left[i], right[i]);
        }

        float[] parameters = [DecaySec, (float)damping, 1, Size];
        ReverbNode node = Create(path, parameters);
        Assert.Equal(reference.LineLengths.ToArray(), node.LineLengths.ToArray());
        float[][] actual = new DirectRunner(node, parameters).Render(left, right, [1, 7, 64, 100, 128, 3, 511], mixAt: (Frames / 2, 0.4f));

        double peak = Math.Max(TestSignals.PeakMagnitude(expectedLeft), TestSignals.PeakMagnitude(expectedRight));
        double error = 0;
        for (int i = 0; i < Frames; i++)
        {
            Assert.True(float.IsFinite(actual[0][i]) && float.IsFinite(actual[1][i]), $"Frame {i} is not finite.");
            error = Math.Max(error, Math.Max(Math.Abs(actual[0][i] - expectedLeft[i]), Math.Abs(actual[1][i] - expectedRight[i])));
        }

        // Float rounding in another summation order, compounded over ten trips round the loop: a few ulps of the
        // peak. A wrong sign, tap or gain gives errors of the order of the signal.
        _output.WriteLine($"{path}, damping {damping}: peak {peak:F3}, largest difference {error:E2} ({error / peak:E2} of peak)");
        Assert.True(error <= 2e-6 * peak, $"Largest difference {error:E2} exceeds {2e-6 * peak:E2}.");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Reverb_EveryPath_IsDeterministicAndAllocatesNothing(string path)
    {
        float[] left = TestSignals.Noise(4_096, seed: 23);
        float[] right = TestSignals.Noise(4_096, seed: 24);
        float[] parameters = [2, 0.3f, 0.5f, 1];
        var first = new DirectRunner(Create(path, parameters), parameters);
        float[][] once = first.Render(left, right, [128]);
        float[][] again = new DirectRunner(Create(path, parameters), parameters).Render(left, right, [128]);
        Assert.Equal(once[0], again[0]);
        Assert.Equal(once[1], again[1]);

        // Tiered compilation allocates while it counts calls and installs optimised code, on the calling thread and
        // with a delay (100 ms by default): warm up past it, then nothing may allocate.
        for (int pass = 0; pass < 4; pass++)
        {
            first.Render(left, right, [128]);
        }

        Thread.Sleep(300);
        first.Render(left, right, [128]);
        first.ResetAllocated();
        float[][] more = first.Render(left, right, [128]);
        Assert.Equal(0, first.AllocatedBytes);
        Assert.All(more[0], x => Assert.True(float.IsFinite(x)));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Reverb_OutputSharingInputMemory_MatchesSeparateBuffers(string path)
    {
        float[] left = TestSignals.Noise(3_000, seed: 25);
        float[] right = TestSignals.Noise(3_000, seed: 26);
        float[] parameters = [2, 0.3f, 0.5f, 0.2f];
        float[][] separate = new DirectRunner(Create(path, parameters), parameters).Render(left, right, [100]);
        float[][] inPlace = new DirectRunner(Create(path, parameters), parameters, inPlace: true).Render(left, right, [100]);
        Assert.Equal(separate[0], inPlace[0]);
        Assert.Equal(separate[1], inPlace[1]);
    }

    [Fact]
    public void Reverb_PreparedWithPrevious_ContinuesTheTailBitForBit()
    {
        float[] left = TestSignals.Noise(6_000, seed: 27);
        float[] right = TestSignals.Noise(6_000, seed: 28);
        float[] parameters = [2, 0.3f, 0.5f, 1];
        float[][] whole = new DirectRunner(Create(nameof(ReverbNode.BestPath), parameters), parameters).Render(left, right, [128]);

        ReverbNode first = Create(nameof(ReverbNode.BestPath), parameters);
        float[][] before = new DirectRunner(first, parameters).Render(left[..3_000], right[..3_000], [128]);
        var second = new ReverbNode();
        second.Prepare(PrepareContextFor(parameters), first);
        float[][] after = new DirectRunner(second, parameters).Render(left[3_000..], right[3_000..], [128]);

        Assert.Equal(whole[0], before[0].Concat(after[0]).ToArray());
        Assert.Equal(whole[1], before[1].Concat(after[1]).ToArray());
    }

    [Fact]
    public void Reverb_AfterReset_SoundsLikeAFreshNode()
    {
        float[] left = TestSignals.Noise(3_000, seed: 29);
        float[] right = TestSignals.Noise(3_000, seed: 30);
        float[] parameters = [2, 0.3f, 0.5f, 1];
        float[][] fresh = new DirectRunner(Create(nameof(ReverbNode.BestPath), parameters), parameters).Render(left, right, [128]);

        ReverbNode node = Create(nameof(ReverbNode.BestPath), parameters);
        var runner = new DirectRunner(node, parameters);
        runner.Render(right, left, [128]);
        node.Reset();
        float[][] afterReset = runner.Render(left, right, [128]);

        Assert.Equal(fresh[0], afterReset[0]);
        Assert.Equal(fresh[1], afterReset[1]);
    }

    private static PrepareContext PrepareContextFor(float[] parameters) =>
        new(SampleRate, DirectRunner.MaxBlockFrames, 2, parameters.ToArray(), 1, new Dictionary<string, string>());

    /// <summary>A node prepared with parameters (decaySec, damping, mix, size) on <paramref name="path"/> ("BestPath": its own choice).</summary>
    private static ReverbNode Create(string path, float[] parameters)
    {
        var node = new ReverbNode();
        if (path != nameof(ReverbNode.BestPath))
        {
            node.Path = Enum.Parse<ReverbNode.ProcessPath>(path);
        }

        node.Prepare(PrepareContextFor(parameters), null);
        return node;
    }

    /// <summary>Drives one node directly, block by block, through a pinned arena (as the executor does).</summary>
    private sealed unsafe class DirectRunner
    {
        public const int MaxBlockFrames = 512;
        private readonly ReverbNode _node;
        private readonly float[] _arena = GC.AllocateArray<float>((4 * MaxBlockFrames) + 16, pinned: true);
        private readonly float* _base;
        private readonly int[] _inputs = [0, MaxBlockFrames];
        private readonly int[] _outputs;
        private readonly float[] _parameters;
        private long _sampleTime;
        private int _blocks;

        public DirectRunner(ReverbNode node, float[] parameters, bool inPlace = false)
        {
            _node = node;
            _base = (float*)(((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_arena)) + 63) & ~(nuint)63);
            _outputs = inPlace ? _inputs : [2 * MaxBlockFrames, 3 * MaxBlockFrames];
            _parameters = parameters.ToArray();
        }

        /// <summary>Bytes allocated on this thread inside Process, every block but the first (since <see cref="ResetAllocated"/>).</summary>
        public long AllocatedBytes { get; private set; }

        public void ResetAllocated() => AllocatedBytes = 0;

        /// <summary>Renders the input in blocks cycling through <paramref name="blockSizes"/>, with mix changed at a frame if asked.</summary>
        public float[][] Render(float[] left, float[] right, int[] blockSizes, (int Frame, float Value)? mixAt = null)
        {
            float[][] output = [new float[left.Length], new float[left.Length]];
            int start = 0;
            for (int b = 0; start < left.Length; b++)
            {
                int frames = Math.Min(blockSizes[b % blockSizes.Length], left.Length - start);
                if (mixAt is { } change)
                {
                    // A block ends where the change lands, as the control plane changes parameters between blocks.
                    if (start == change.Frame)
                    {
                        _parameters[2] = change.Value;
                    }
                    else if (start < change.Frame && change.Frame < start + frames)
                    {
                        frames = change.Frame - start;
                    }
                }

                left.AsSpan(start, frames).CopyTo(new Span<float>(_base + _inputs[0], frames));
                right.AsSpan(start, frames).CopyTo(new Span<float>(_base + _inputs[1], frames));
                var context = new ProcessContext(_base, _inputs, _outputs, _parameters, frames, _sampleTime);
                long before = GC.GetAllocatedBytesForCurrentThread();
                _node.Process(in context);
                AllocatedBytes += _blocks++ == 0 ? 0 : GC.GetAllocatedBytesForCurrentThread() - before;
                new Span<float>(_base + _outputs[0], frames).CopyTo(output[0].AsSpan(start));
                new Span<float>(_base + _outputs[1], frames).CopyTo(output[1].AsSpan(start));
                _sampleTime += frames;
                start += frames;
            }

            return output;
        }
    }

    /// <summary>Level in dB of each 100 ms window of the wet impulse response, left and right together.</summary>
    private static double[] WindowLevelsDb(double decaySec, double damping, double seconds)
    {
        int windows = (int)Math.Round(seconds * 10);
        float[] impulse = TestSignals.Impulse(16);
        var parameters = new Dictionary<string, double> { ["decaySec"] = decaySec, ["damping"] = damping, ["mix"] = 1 };
        float[][] output = ProcessorHarness.Render("reverb", parameters, [impulse, TestSignals.Impulse(16, amplitude: 0)], SampleRate, windows * WindowFrames);
        var levels = new double[windows];
        for (int w = 0; w < windows; w++)
        {
            double left = TestSignals.Rms(output[0].AsSpan(w * WindowFrames, WindowFrames));
            double right = TestSignals.Rms(output[1].AsSpan(w * WindowFrames, WindowFrames));
            levels[w] = 10 * Math.Log10(((left * left) + (right * right)) / 2);
        }

        return levels;
    }
}
