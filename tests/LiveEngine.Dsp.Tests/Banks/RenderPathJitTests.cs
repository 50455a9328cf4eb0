using System.Reflection;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Execution;
using LiveEngine.Kernels;
using LiveEngine.Scheduling;

namespace LiveEngine.Tests.Dsp.Banks;

/// <summary>
/// What every block runs besides the saw bank (<see cref="SawBankJitTests"/>) is compiled fully optimized at its first
/// call too: the executors' block loops and job dispatch, the mix tree's add, the other bank kinds and the output node,
/// the biquad chain bank's kernels and the node methods it calls per lane (left out, the quickly compiled biquad
/// kernel took about 6 % of a 20 s chains-16x16 render's CPU time), and the BLEP table's build.
/// Left to tiered compilation they run as quickly compiled code for the first thousand or so blocks of every process
/// (an offline render's first part, a live engine's first seconds), and on two threads the runtime's background
/// compiler competes with both workers for the cores while it recompiles them.
/// </summary>
public sealed class RenderPathJitTests
{
    public static TheoryData<Type, string> HotMethods => new()
    {
        { typeof(SingleThreadExecutor), nameof(SingleThreadExecutor.Process) },
        { typeof(JobRunner), nameof(JobRunner.RunUnmasked) },
        { typeof(ParallelExecutor), nameof(ParallelExecutor.Process) },
        { typeof(ParallelExecutor), "ProcessOnCallingThread" },
        { typeof(ParallelExecutor), "ProcessAdaptive" },
        { typeof(ParallelExecutor), "ProcessParallel" },
        { typeof(ParallelExecutor), "WaitForWorkersToLeave" },
        { typeof(ParallelExecutor), "PushSeeds" },
        { typeof(ParallelExecutor), "WorkerMain" },
        { typeof(ParallelExecutor), "WaitForBlock" },
        { typeof(ParallelExecutor), "RunBlock" },
        { typeof(ParallelExecutor), "FindWork" },
        { typeof(ParallelExecutor), "RunWavefront" },
        { typeof(ParallelExecutor), "Remaining" },
        { typeof(VectorKernels), nameof(VectorKernels.Binary) },
        { typeof(MixerNode), nameof(MixerNode.Process) },
        { typeof(MasterNode), nameof(MasterNode.Process) },
        { typeof(SynthVoiceBank), nameof(SynthVoiceBank.Process) },
        { typeof(SynthVoiceBank), "PrepareFilters" },
        { typeof(SourceVoiceBank), nameof(SourceVoiceBank.Process) },
        { typeof(SourceVoiceBank), "FillLevelRamp" },
        { typeof(BiquadChainVoiceBank), nameof(BiquadChainVoiceBank.Process) },
        { typeof(BankBiquads), nameof(BankBiquads.Process) },
        { typeof(BankBiquads), "RunStages" },
        { typeof(BankBiquads), "FillRamps" },
        { typeof(BankEnvelopes), nameof(BankEnvelopes.Render) },
        { typeof(BankEnvelopes), "ApplyLevels" },
        { typeof(BankOscillators), nameof(BankOscillators.Render) },
        { typeof(BankOscillators), "FinishBandLimited" },
        { typeof(BankPanGains), nameof(BankPanGains.Begin) },
        { typeof(BankPanGains), nameof(BankPanGains.Finish) },
        { typeof(BankLaneRows), nameof(BankLaneRows.Transpose) },
        { typeof(BiquadBankKernels), nameof(BiquadBankKernels.Process) },
        { typeof(BiquadBankKernels), "Validate" },
        { typeof(BiquadBankKernels), "ProcessLanes" },
        { typeof(BiquadBankKernels), nameof(BiquadBankKernels.PanSum) },
        { typeof(BiquadBankKernels), "ValidatePanSum" },
        { typeof(BiquadBankKernels), "PanSum512" },
        { typeof(BiquadBankKernels), "PanSum256" },
        { typeof(BiquadBankKernels), "PanSum128" },
        { typeof(BankOscillatorKernels), nameof(BankOscillatorKernels.Advance) },
        { typeof(BiquadNode), nameof(BiquadNode.BeginBlock) },
        { typeof(OscillatorNode), nameof(OscillatorNode.TryBeginBankBlock) },
        { typeof(BandLimitedOscillatorNode), nameof(BandLimitedOscillatorNode.EndBankBlock) },
        { typeof(PanNode), nameof(PanNode.BeginBankBlock) },
        { typeof(BlepTableDesign), nameof(BlepTableDesign.Build) },
    };

    [Theory]
    [MemberData(nameof(HotMethods))]
    public void BlockPath_IsCompiledOptimizedFromItsFirstCall(Type type, string name) => AssertOptimizedFromFirstCall(type, name);

    /// <summary>A method named <paramref name="name"/> of <paramref name="type"/> carries AggressiveOptimization.</summary>
    internal static void AssertOptimizedFromFirstCall(Type type, string name)
    {
        MethodInfo[] methods = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name == name)
            .ToArray();
        Assert.NotEmpty(methods);
        Assert.Contains(methods, m => m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization));
    }
}
