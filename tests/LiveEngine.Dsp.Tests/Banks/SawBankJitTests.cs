using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Nodes;

namespace LiveEngine.Tests.Dsp.Banks;

/// <summary>
/// The saw bank's render path is compiled fully optimized at its first call. Left to tiered compilation, its loops run
/// as quickly compiled code until 30 calls after a pause in compiling: a graph of a few banks (voices-256, 4 banks of
/// 64 lanes) rendered its first second about five times slower per voice than voices-1024 did, in bench and in
/// every offline render's first part.
/// </summary>
public sealed class SawBankJitTests
{
    public static TheoryData<Type, string> HotMethods => new()
    {
        { typeof(SawFilterVoiceBank), nameof(SawFilterVoiceBank.Process) },
        { typeof(SawFilterVoiceBank), "RefreshLanes" },
        { typeof(SawFilterVoiceBank), "EndSaws" },
        { typeof(VoiceBankKernels), nameof(VoiceBankKernels.ProcessSawRing) },
        { typeof(VoiceBankKernels), "ProcessSawRing512Full" },
        { typeof(VoiceBankKernels), "Process512Full" },
        { typeof(VoiceBankKernels), "Process512" },
        { typeof(VoiceBankKernels), "Process256" },
        { typeof(VoiceBankKernels), "Process128" },
        { typeof(VoiceBankSawKernels), nameof(VoiceBankSawKernels.InsertWraps) },
        { typeof(VoiceBankSawKernels), nameof(VoiceBankSawKernels.AddWrap) },
        { typeof(VoiceBankSawKernels), "RenderRing512" },
        { typeof(VoiceBankSawKernels), "RenderRing256" },
        { typeof(VoiceBankSawKernels), "RenderRing128" },
    };

    [Theory]
    [MemberData(nameof(HotMethods))]
    public void SawBankRenderPath_IsCompiledOptimizedFromItsFirstCall(Type type, string name) => RenderPathJitTests.AssertOptimizedFromFirstCall(type, name);
}
