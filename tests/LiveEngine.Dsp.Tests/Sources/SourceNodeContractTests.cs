using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Snapshots;

namespace LiveEngine.Dsp.Tests.Sources;

/// <summary>The node contract for every source type: block-split independence, state adoption, no allocation.</summary>
public sealed class SourceNodeContractTests
{
    private const int Frames = 6_000;

    // The "#N" sample the dirt node plays (high, so no other test's indexed sample takes its place).
    private const int ContractIndex = 60_001;

    public static TheoryData<string> Types() =>
        ["sine", "saw", "square", "triangle", "whitenoise", "pinknoise", "adsr", "lag", "sampler", "dirt"];

    [Theory]
    [MemberData(nameof(Types))]
    public void Output_DoesNotDependOnBlockSplit(string type)
    {
        float[]? reference = null;
        foreach (Func<int, int> split in SourceRendering.Splits())
        {
            GraphSnapshot snapshot = SourceRendering.Compile(ScriptedGraph(type), 48_000, 512);
            float[] rendered = SourceRendering.RenderScripted(snapshot, Frames, split, Script(type))[0];
            if (reference is null)
            {
                reference = rendered;
                continue;
            }

            for (int i = 0; i < Frames; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(reference[i]) == BitConverter.SingleToInt32Bits(rendered[i]),
                    $"{type}: frame {i} is {rendered[i]} with this split and {reference[i]} in blocks of 1.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Recompile_WithSameGraph_ContinuesBitIdentically(string type)
    {
        GraphDescription graph = ScriptedGraph(type);
        float[] straight = SourceRendering.RenderScripted(SourceRendering.Compile(graph), Frames, _ => 100, Script(type))[0];

        GraphSnapshot first = SourceRendering.Compile(graph);
        float[] head = SourceRendering.RenderScripted(first, Frames / 2, _ => 100, Script(type))[0];
        foreach (ParameterChange change in Script(type))
        {
            graph.Nodes.Find(n => n.Id == change.NodeId)!.Parameters[change.Parameter] = change.Value;
        }

        GraphSnapshot second = SourceRendering.Compile(graph, previous: first);
        float[] tail = OfflineRender.Render(second, Frames / 2, _ => 100)[0];

        // The scripted changes all happen in the first half; the second snapshot is compiled with their values.
        for (int i = 0; i < Frames / 2; i++)
        {
            Assert.Equal(straight[i], head[i]);
            Assert.True(straight[(Frames / 2) + i] == tail[i], $"{type}: frame {(Frames / 2) + i} is {tail[i]} after the recompile, {straight[(Frames / 2) + i]} without.");
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Process_AllocatesNothing(string type)
    {
        GraphSnapshot snapshot = SourceRendering.Compile(ScriptedGraph(type), 48_000, 256);
        for (int block = 0; block < 8; block++)
        {
            SingleThreadExecutor.Process(snapshot, 256, block * 256L);
        }

        int next = 8;
        SteadyAllocation.AssertNone($"32 blocks of {type} at sizes 1-256", () =>
        {
            for (int block = next; block < next + 32; block++)
            {
                SingleThreadExecutor.Process(snapshot, 1 + (block * 7 % 256), block * 256L);
            }

            next += 32;
        });
    }

    /// <summary>A graph that exercises the type's state: glides, gates, an input for the lag, a sample for the sampler.</summary>
    private static GraphDescription ScriptedGraph(string type)
    {
        switch (type)
        {
            case "lag":
                {
                    var graph = new GraphDescription();
                    graph.Add("input", "square", SourceRendering.ToDictionary(("freqHz", 97)));
                    graph.Add("src", "lag", SourceRendering.ToDictionary(("timeMs", 3)));
                    graph.Add("out", "out", channels: 1);
                    graph.Chain("input", "src", "out");
                    return graph;
                }

            case "sampler":
                SampleLibrary();
                return SourceRendering.Graph("sampler", SourceRendering.ToDictionary(("rate", 1.37), ("loop", 1)), 1, new Dictionary<string, string> { ["sample"] = "contract-noise" });
            case "dirt":
                SampleLibrary();
                return SourceRendering.Graph("dirt", SourceRendering.ToDictionary(("sound", ContractIndex), ("speed", 1.37), ("cutoff", 2_000), ("resonance", 0.5)), 2);
            case "adsr":
                return SourceRendering.Graph("adsr", SourceRendering.ToDictionary(("attackMs", 7), ("decayMs", 11), ("sustain", 0.4), ("releaseMs", 13)));
            case "whitenoise" or "pinknoise":
                return SourceRendering.Graph(type, SourceRendering.ToDictionary(("level", 0.9)));
            default:
                return SourceRendering.Graph(type, SourceRendering.ToDictionary(("freqHz", 3_210)));
        }
    }

    private static IReadOnlyList<ParameterChange> Script(string type) => type switch
    {
        "adsr" => [new(1_500, "src", "gate", 0), new(2_200, "src", "gate", 1), new(2_500, "src", "level", 0.5f)],
        "sampler" => [new(1_000, "src", "rate", 0.61f), new(1_700, "src", "gate", 0), new(1_900, "src", "gate", 1), new(2_100, "src", "loop", 0)],
        "lag" => [new(1_000, "src", "timeMs", 1)],
        "dirt" =>
        [
            new(100, "src", "trig", 1), new(900, "src", "pan", 0.2f), new(900, "src", "speed", -0.8f), new(900, "src", "lengthSec", 0.01f),
            new(900, "src", "trig", 2), new(1_500, "src", "begin", 0.5f), new(1_500, "src", "trig", 3), new(2_400, "src", "trig", 4),
        ],
        "whitenoise" or "pinknoise" => [new(1_000, "src", "level", 0.3f)],
        "square" => [new(1_000, "src", "freqHz", 1_234), new(2_000, "src", "level", 0.7f), new(2_345, "src", "pulseWidth", 0.3f)],
        _ => [new(1_000, "src", "freqHz", 1_234), new(2_000, "src", "level", 0.7f)],
    };

    private static void SampleLibrary()
    {
        var random = new Random(7);
        var frames = new float[1_000];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = (float)((random.NextDouble() * 2) - 1);
        }

        Nodes.SampleLibrary.Shared.Add("contract-noise", [frames], 44_100);
        Nodes.SampleLibrary.Shared.Add(Nodes.SampleLibrary.IndexedName(ContractIndex), [frames], 44_100);
    }
}
