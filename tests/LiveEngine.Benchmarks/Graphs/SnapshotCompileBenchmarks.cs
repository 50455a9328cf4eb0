using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;

namespace LiveEngine.Benchmarks.Graphs;

/// <summary>
/// Warm compile time of a snapshot (validation, jobs, topology, buffer liveness, node preparation) for graphs of
/// about 10, 100 and 1,000 nodes (voices-N has 4N + 1 nodes), with and without a previous snapshot whose
/// unchanged nodes are carried over: the control-side part of a live edit's publish-to-audible latency.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class SnapshotCompileBenchmarks
{
    private readonly NodeTypeRegistry _registry = BuiltinNodeTypes.CreateRegistry();
    private GraphDescription _graph = new();
    private GraphSnapshot _previous = null!;

    [Params(2, 25, 250)]
    public int Voices { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _graph = StandardWorkloads.Voices(Voices);
        _previous = GraphCompiler.Compile(_graph, _registry, new CompileOptions { MaxBlockFrames = 128 });
    }

    [Benchmark(Baseline = true)]
    public GraphSnapshot Fresh() => GraphCompiler.Compile(_graph, _registry, new CompileOptions { MaxBlockFrames = 128 });

    [Benchmark]
    public GraphSnapshot Edit() => GraphCompiler.Compile(_graph, _registry, new CompileOptions { MaxBlockFrames = 128, Previous = _previous });
}
