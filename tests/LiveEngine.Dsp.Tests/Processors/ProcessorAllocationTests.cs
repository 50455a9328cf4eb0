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
        string parameter = snapshot.NodeTypes[snapshot.IndexOfNode(ProcessorHarness.NodeId)].Parameters[0].Name;
        int next = 1;
        SteadyAllocation.AssertNone(
            $"15 blocks of {type} gliding",
            prepare: () => ProcessorHarness.SetParameter(snapshot, parameter, next == 1 ? 0.5f : 0.25f + (next % 2 * 0.5f)),
            measured: () =>
            {
                for (int block = next; block < next + 15; block++)
                {
                    SingleThreadExecutor.Process(snapshot, 256, block * 256L);
                }

                next += 15;
            });
    }
}
