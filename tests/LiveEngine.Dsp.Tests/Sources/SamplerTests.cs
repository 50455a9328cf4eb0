using LiveEngine.Dsp.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class SamplerTests
{
    [Fact]
    public void Sampler_AtRateOne_ReproducesTheSampleExactly()
    {
        float[] frames = RandomFrames(1_000, 3);
        SampleLibrary.Shared.Add("sampler-exact", [frames], 48_000);
        float[] output = Render("sampler-exact", 48_000, 1_500);
        for (int i = 0; i < frames.Length; i++)
        {
            Assert.Equal(frames[i], output[i]);
        }

        Assert.All(output.AsSpan(frames.Length).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Sampler_AtRateTwo_DoublesTheFrequency_AcrossSampleRates()
    {
        // A 441 Hz sine recorded at 44.1 kHz, played at 48 kHz: the rate ratio is resampled away.
        var frames = new float[88_200];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = (float)Math.Sin(2 * Math.PI * 441 * i / 44_100.0);
        }

        SampleLibrary.Shared.Add("sampler-sine", [frames], 44_100);
        float[] atOne = Render("sampler-sine", 48_000, 48_000, ("rate", 1));
        float[] atTwo = Render("sampler-sine", 48_000, 48_000, ("rate", 2));
        Assert.True(Math.Abs(SignalAnalysis.Cents(SignalAnalysis.ZeroCrossingFrequency(atOne, 48_000), 441)) < 0.1);
        Assert.True(Math.Abs(SignalAnalysis.Cents(SignalAnalysis.ZeroCrossingFrequency(atTwo, 48_000), 882)) < 0.1);

        // Cubic interpolation keeps the resampled sine clean: RMS of a full-scale sine.
        Assert.Equal(1 / Math.Sqrt(2), SignalAnalysis.Rms(atTwo.AsSpan(0, 40_000)), 3);
    }

    [Fact]
    public void Sampler_Looping_WrapsToTheStart()
    {
        float[] frames = RandomFrames(100, 5);
        SampleLibrary.Shared.Add("sampler-loop", [frames], 48_000);
        float[] output = Render("sampler-loop", 48_000, 350, ("loop", 1));
        for (int i = 0; i < output.Length; i++)
        {
            Assert.Equal(frames[i % 100], output[i]);
        }
    }

    [Fact]
    public void Sampler_RisingGate_RestartsFromTheFirstFrame()
    {
        float[] frames = RandomFrames(300, 9);
        SampleLibrary.Shared.Add("sampler-gate", [frames], 48_000);
        var graph = SourceRendering.Graph("sampler", null, 1, new Dictionary<string, string> { ["sample"] = "sampler-gate" });
        GraphSnapshot snapshot = SourceRendering.Compile(graph, 48_000, 64);
        float[] output = SourceRendering.RenderScripted(snapshot, 1_000, _ => 64, [new(100, "src", "gate", 0), new(500, "src", "gate", 1)])[0];
        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(frames[i], output[500 + i]);
        }
    }

    [Fact]
    public void Sampler_StereoNodeWithMonoSample_PlaysItOnBothChannels()
    {
        float[] frames = RandomFrames(200, 11);
        SampleLibrary.Shared.Add("sampler-mono", [frames], 48_000);
        var graph = SourceRendering.Graph("sampler", null, 2, new Dictionary<string, string> { ["sample"] = "sampler-mono" });
        float[][] output = Execution.OfflineRender.Render(SourceRendering.Compile(graph), 200, _ => 64);
        Assert.Equal(frames, output[0]);
        Assert.Equal(frames, output[1]);
    }

    [Fact]
    public void Sampler_UnknownSample_FailsAtPrepareNamingTheKnownSamples()
    {
        SampleLibrary.Shared.Add("sampler-known", [new float[10]], 48_000);
        var graph = SourceRendering.Graph("sampler", null, 1, new Dictionary<string, string> { ["sample"] = "no-such-sample" });
        Exception error = Assert.ThrowsAny<Exception>(() => SourceRendering.Compile(graph));
        Assert.Contains("'no-such-sample'", error.Message, StringComparison.Ordinal);
        Assert.Contains("sampler-known", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleLibrary_RejectsChannelsOfDifferentLengths()
    {
        var library = new SampleLibrary();
        Assert.Throws<ArgumentException>(() => library.Add("ragged", [new float[10], new float[11]], 48_000));
        Assert.Empty(library.Names);
    }

    private static float[] Render(string sample, int sampleRate, int frames, params (string Name, double Value)[] parameters)
    {
        var graph = SourceRendering.Graph("sampler", SourceRendering.ToDictionary(parameters), 1, new Dictionary<string, string> { ["sample"] = sample });
        return SourceRendering.Render(graph, sampleRate, frames, 64);
    }

    private static float[] RandomFrames(int length, int seed)
    {
        var random = new Random(seed);
        var frames = new float[length];
        for (int i = 0; i < length; i++)
        {
            frames[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return frames;
    }
}
