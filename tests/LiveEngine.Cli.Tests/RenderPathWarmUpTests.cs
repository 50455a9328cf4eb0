using System.Reflection;
using LiveEngine.Cli;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Execution;
using LiveEngine.Kernels;
using LiveEngine.Scheduling;

namespace LiveEngine.Tests.Cli;

public sealed class RenderPathWarmUpTests
{
    [Theory]
    [InlineData(typeof(SingleThreadExecutor), nameof(SingleThreadExecutor.Process))]
    [InlineData(typeof(JobRunner), "RunUnmasked")]
    [InlineData(typeof(ParallelExecutor), "WorkerMain")]
    [InlineData(typeof(ParallelExecutor), "RunBlock")]
    [InlineData(typeof(SawFilterVoiceBank), nameof(SawFilterVoiceBank.Process))]
    [InlineData(typeof(VoiceBankKernels), nameof(VoiceBankKernels.Process))]
    [InlineData(typeof(MixerNode), nameof(MixerNode.Process))]
    [InlineData(typeof(MasterNode), nameof(MasterNode.Process))]
    public void Methods_HoldTheHotMethodsOfTheBlockPath(Type type, string name)
    {
        string[] names = [.. RenderPathWarmUp.Methods().Select(m => Describe(m.Method))];
        Assert.Contains($"{type.FullName}.{name}", names);
    }

    [Fact]
    public void Methods_HoldTheMixTreesAdd_InstantiatedOverAddOperator()
    {
        Assert.Contains(RenderPathWarmUp.Methods(), m =>
            Describe(m.Method) == $"{typeof(VectorKernels).FullName}.{nameof(VectorKernels.Binary)}"
            && m.Instantiation is [var only] && only.Equals(typeof(AddOperator).TypeHandle));
    }

    [Fact]
    public void Types_EachHaveAMethodCompiledOptimizedFromItsFirstCall()
    {
        // A type whose methods lost the attribute (or moved) would silently drop out of the warm-up.
        foreach (Type type in RenderPathWarmUp.Types)
        {
            Assert.Contains(RenderPathWarmUp.Methods(), m => MethodBase.GetMethodFromHandle(m.Method)!.DeclaringType == type);
        }
    }

    [Fact]
    public void CompileAll_PreparesEveryMethod_WithoutFailing()
    {
        int expected = RenderPathWarmUp.Methods().Count();
        Assert.True(expected >= 30, $"only {expected} render-path methods found: did the AggressiveOptimization attributes go?");
        int compiled = 0;
        var thread = new Thread(() => compiled = RenderPathWarmUp.CompileAll());
        thread.Start();
        thread.Join();
        Assert.Equal(expected, compiled);
    }

    [Theory]
    [InlineData(new[] { "render", "--workload", "voices-256" }, true)]
    [InlineData(new[] { "play", "x.lua" }, true)]
    [InlineData(new[] { "engine", "--socket", "/tmp/x" }, false)]
    [InlineData(new[] { "serve" }, false)]
    [InlineData(new[] { "bench", "voices-1024" }, true)]
    [InlineData(new[] { "nodes" }, false)]
    [InlineData(new[] { "--version" }, false)]
    [InlineData(new string[0], false)]
    public void PaysFor_TheCommandsThatBuildAndRenderTheirOwnGraph_NotTheEngineProcess(string[] args, bool pays) => Assert.Equal(pays, RenderPathWarmUp.PaysFor(args));

    private static string Describe(RuntimeMethodHandle handle)
    {
        MethodBase method = MethodBase.GetMethodFromHandle(handle)!;
        return $"{method.DeclaringType!.FullName}.{method.Name}";
    }
}
