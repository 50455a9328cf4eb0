using LiveEngine.Execution;
using LiveEngine.Snapshots;

namespace LiveEngine.Tests.Dsp.Processors;

public sealed class ProcessorAllocationTests
{
    public static TheoryData<string> Types => ["gain", "pan", "mixer", "lpf", "highshelf", "rlpf", "delay", "reverb", "master"];

    [Theory]
    [MemberData(nameof(Types))]
    public void Processor_ProcessWhileGliding_AllocatesNothing(string type)
    {
        float[] noise = TestSignals.Noise(4_096, seed: 17);
        string port = type == "mixer" ? "in1" : "in";
        int channels = type == "pan" ? 1 : 2;
        GraphSnapshot snapshot = ProcessorHarness.Compile(type, null, 48_000, channels, new ProcessorHarness.Feed(port, channels == 1 ? [noise] : [noise, noise]));
        SingleThreadExecutor.Process(snapshot, 256, 0);
        ProcessorHarness.SetParameter(snapshot, snapshot.NodeTypes[snapshot.IndexOfNode(ProcessorHarness.NodeId)].Parameters[0].Name, 0.5f);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int block = 1; block < 16; block++)
        {
            SingleThreadExecutor.Process(snapshot, 256, block * 256L);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
