using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LiveEngine.CSharp;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Tests.Shared;

namespace LiveEngine.Benchmarks;

/// <summary>
/// A node class compiled from C# source at set-up (through the REPL's path: Roslyn, collectible context, admission)
/// against the built-in node it re-implements: "rlpf", Simper's trapezoidal state-variable low-pass, one mono
/// channel, steady parameters. The goal (issue 7): the user node within ±10 % of the built-in.
/// Run: dotnet run -c Release --project tests/LiveEngine.Benchmarks -- --filter '*UserNode*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public unsafe class UserNodeBenchmarks
{

    private const int Frames = 128;
    private readonly float[] _parameters = [1_000, 2];
    private readonly int[] _inputs = [0];
    private readonly int[] _outputs = [Frames];
    private float[] _arena = [];
    private float* _base;
    private AudioNode _builtIn = null!;
    private AudioNode _user = null!;
    private long _sampleTime;

    [GlobalSetup]
    public void Setup()
    {
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var graph = new GraphDescription();
        graph.Add("out", "out");
        var session = new LiveSession(registry, graph, new LiveSessionOptions { MaxBlockFrames = Frames });
        using var workspace = new CSharpWorkspace(session, registry);
        Evaluation result = workspace.EvaluateAsync(UserLowPassSource.Code).GetAwaiter().GetResult();
        if (!result.Ok || !registry.TryGet("userlpf", out NodeTypeDescriptor? user) || !registry.TryGet("rlpf", out NodeTypeDescriptor? builtIn))
        {
            throw new InvalidOperationException("The user node did not compile: " + result);
        }

        _arena = GC.AllocateArray<float>((2 * Frames) + 16, pinned: true);
        _base = (float*)(((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_arena)) + 63) & ~(nuint)63);
        var random = new Random(7);
        for (int i = 0; i < Frames; i++)
        {
            _base[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _builtIn = Prepare(builtIn);
        _user = Prepare(user);

        // Past the built-in's parameter glide, so both run their steady path.
        for (int b = 0; b < 2_000; b++)
        {
            BuiltIn();
            User();
        }
    }

    [Benchmark(Baseline = true, Description = "rlpf (built-in)")]
    public void BuiltIn() => Run(_builtIn);

    [Benchmark(Description = "userlpf (C# snippet)")]
    public void User() => Run(_user);

    private AudioNode Prepare(NodeTypeDescriptor type)
    {
        AudioNode node = type.Create();
        node.Prepare(new PrepareContext(48_000, Frames, 1, _parameters, 1, new Dictionary<string, string>()), null);
        return node;
    }

    private void Run(AudioNode node)
    {
        var context = new ProcessContext(_base, _inputs, _outputs, _parameters, Frames, _sampleTime);
        node.Process(in context);
        _sampleTime += Frames;
    }
}
