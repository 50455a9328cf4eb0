using LiveEngine.Admission;
using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Dsp.Tests.Convolution;

/// <summary>The convolution's registered cost follows its response, so admission control predicts a long one as costlier.</summary>
public sealed class ConvolutionCostTests
{
    private const int Block = 128;

    // One registry: measured costs are keyed by the type's descriptor.
    private readonly NodeTypeRegistry _registry = BuiltinNodeTypes.CreateRegistry();

    [Fact]
    public void EstimatedCost_GrowsWithTheResponse_AndAPredictionWithoutMeasurementsFollowsIt()
    {
        SampleLibrary.Shared.Add("cost-ir-short", [Decay(4_800)], 48_000);
        SampleLibrary.Shared.Add("cost-ir-long", [Decay(480_000)], 48_000);

        CostPrediction shortPrediction = CostPredictor.Predict(Compile("cost-ir-short"), new JobCostTable(), threads: 1, Block);
        CostPrediction longPrediction = CostPredictor.Predict(Compile("cost-ir-long"), new JobCostTable(), threads: 1, Block);

        // 0.1 s against 10 s: the convolution's share of each prediction scales by its arithmetic per frame.
        double expected = PartitionedConvolver.OperationsPerFrame(480_000) / PartitionedConvolver.OperationsPerFrame(4_800);
        Assert.True(expected > 1.5, $"the model gives a 10 s response only {expected:F2} times a 0.1 s one");
        Assert.Equal(expected, ConvolutionNs(longPrediction) / ConvolutionNs(shortPrediction), 6);
        Assert.True(longPrediction.WorkNs > shortPrediction.WorkNs);
        Assert.True(PartitionedConvolver.OperationsPerFrame(480_000) > PartitionedConvolver.OperationsPerFrame(48_000));
        Assert.True(PartitionedConvolver.OperationsPerFrame(48_000, ConvolutionScheme.Uniform, 512) > PartitionedConvolver.OperationsPerFrame(4_800, ConvolutionScheme.Uniform, 512));
    }

    [Fact]
    public void CostMeasuredOnAShortResponse_PredictsALongerOneAsCostlier()
    {
        SampleLibrary.Shared.Add("cost-ir-measured", [Decay(4_800)], 48_000);
        SampleLibrary.Shared.Add("cost-ir-predicted", [Decay(240_000)], 48_000);
        var table = new JobCostTable();
        GraphSnapshot measured = Compile("cost-ir-measured");
        CostPredictor.Measure(measured, table, Block);

        GraphSnapshot predicted = Compile("cost-ir-predicted");
        CostPrediction shortPrediction = CostPredictor.Predict(measured, table, threads: 1, Block);
        CostPrediction longPrediction = CostPredictor.Predict(predicted, table, threads: 1, Block);

        // Measured, not estimated, and scaled from the short response by the arithmetic per frame.
        Assert.Equal(1, longPrediction.MeasuredShare);
        double expected = PartitionedConvolver.OperationsPerFrame(240_000) / PartitionedConvolver.OperationsPerFrame(4_800);
        Assert.Equal(expected, ConvolutionNs(longPrediction) / ConvolutionNs(shortPrediction), 6);
        Assert.True(longPrediction.WorkNs > shortPrediction.WorkNs);
    }

    private static double ConvolutionNs(CostPrediction prediction) => prediction.Costliest.Single(c => c.Node == "conv").Ns;

    private static float[] Decay(int frames)
    {
        var random = new Random(frames);
        var response = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            response[i] = (float)((random.NextDouble() - 0.5) * Math.Exp(-6.9 * i / frames));
        }

        return response;
    }

    private GraphSnapshot Compile(string ir)
    {
        var graph = new GraphDescription();
        graph.Add("osc", "saw", channels: 2);
        graph.Add("conv", "convolution", channels: 2);
        graph.Nodes[^1].Options[ConvolutionNode.ImpulseResponseOption] = ir;
        graph.Add("out", CoreNodeTypes.Output, channels: 2);
        graph.Chain("osc", "conv", "out");
        return GraphCompiler.Compile(graph, _registry, new CompileOptions { SampleRate = 48_000, MaxBlockFrames = Block });
    }
}
