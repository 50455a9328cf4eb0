using LiveEngine.Dsp;
using LiveEngine.Dsp.Workloads;
using LiveEngine.Frontend;
using LiveEngine.Live;

namespace LiveEngine.Tests.Frontend;

public sealed class DescribeGraphBanksTests
{
    [Fact]
    public void DescribeGraph_ShowsTheVoiceBanksPlaying()
    {
        using var performance = new Performance(BuiltinNodeTypes.CreateRegistry(), new PerformanceOptions
        {
            Session = new LiveSessionOptions { SampleRate = 48_000, MaxBlockFrames = 128 },
            BlockFrames = 128,
            InitialGraph = StandardWorkloads.Voices(20),
        });
        Assert.Contains("voice banks: 1 × saw>rlpf>gain>pan → out: 20 voices in lanes of 20", performance.DescribeGraph(), StringComparison.Ordinal);
    }
}
