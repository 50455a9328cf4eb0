using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LiveEngine.CSharp;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;

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
    /// <summary>The user's version of "rlpf": the same filter and arithmetic, written as a snippet would.</summary>
    public const string UserLowPassSource = """
        [Node("userlpf")]
        [Param("cutoffHz", 10, 20000, 2000, Unit = "Hz")]
        [Param("q", 0.5f, 40, 3.333f)]
        class UserLowPass : UserNode
        {
            private double _ic1;
            private double _ic2;
            private float _cutoffHz = -1;
            private float _q = -1;
            private double _a1;
            private double _a2;
            private double _a3;

            protected override void Render(in ProcessContext context)
            {
                float cutoffHz = context.Parameters[0];
                float q = context.Parameters[1];
                if (cutoffHz != _cutoffHz || q != _q)
                {
                    _cutoffHz = cutoffHz;
                    _q = q;
                    double g = Math.Tan(Math.PI * Math.Clamp(cutoffHz, 10.0, 0.49 * SampleRate) / SampleRate);
                    double k = 1.0 / Math.Max(q, 0.01);
                    _a1 = 1.0 / (1.0 + (g * (g + k)));
                    _a2 = g * _a1;
                    _a3 = g * _a2;
                }

                double a1 = _a1, a2 = _a2, a3 = _a3;
                double ic1 = _ic1, ic2 = _ic2;
                ReadOnlySpan<float> input = context.Input(0);
                Span<float> output = context.Output(0);
                for (int i = 0; i < input.Length; i++)
                {
                    double v3 = input[i] - ic2;
                    double v1 = (a1 * ic1) + (a2 * v3);
                    double v2 = ic2 + (a2 * ic1) + (a3 * v3);
                    ic1 = (2.0 * v1) - ic1;
                    ic2 = (2.0 * v2) - ic2;
                    output[i] = (float)v2;
                }

                // Flush denormals once per block, as the built-in does on its grid.
                _ic1 = Math.Abs(ic1) < 1e-30 ? 0 : ic1;
                _ic2 = Math.Abs(ic2) < 1e-30 ? 0 : ic2;
            }
        }
        """;

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
        EvalResult result = workspace.EvaluateAsync(UserLowPassSource).GetAwaiter().GetResult();
        if (!result.Success || !registry.TryGet("userlpf", out NodeTypeDescriptor? user) || !registry.TryGet("rlpf", out NodeTypeDescriptor? builtIn))
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
