using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Dsp.Live;

/// <summary>
/// A commit's crossfade and the swap to the graph itself are scheduled together on fixed samples, so events aimed
/// at any time after a commit are kept and the output does not depend on block size or on when housekeeping runs.
/// </summary>
public sealed class CrossfadeTimingTests
{
    private static GraphDescription Voice()
    {
        var next = new GraphDescription();
        next.Add("out", "out", channels: 1);
        next.Add("s", "sine", new Dictionary<string, double> { ["freqHz"] = 1000 });
        next.Add("e", "adsr", new Dictionary<string, double> { ["gate"] = 0 });
        next.Add("v", "vca");
        next.Chain("s", "v", "out");
        next.Connect("e", "v", toPort: "cv");
        return next;
    }

    private static float[] Render(double crossfadeMs, int block, int maintainEvery)
    {
        var silence = new GraphDescription();
        silence.Add("out", "out", channels: 1);
        var session = new LiveSession(LiveEngine.Dsp.BuiltinNodeTypes.CreateRegistry(), silence, new LiveSessionOptions { OutputChannels = 1, CrossfadeMs = crossfadeMs, MaxBlockFrames = 128 });
        session.Commit(Voice(), Quantization.Now);
        session.Trigger("e", Quantization.AtBeat(Fraction.Create(1, 100)), 1); // 240 samples in: inside the 20 ms fade
        session.Trigger("e", Quantization.AtBeat(1), 1);
        var output = new List<float>();
        for (int b = 0; output.Count < 48_000; b++)
        {
            int frames = Math.Min(block, 48_000 - output.Count);
            session.Renderer.Render(frames);
            output.AddRange(session.Renderer.Output(0, frames).ToArray());
            if (b % maintainEvery == 0)
            {
                session.Maintain();
            }
        }

        Assert.Equal(0, session.Renderer.DroppedEvents);
        return [.. output];
    }

    [Fact]
    public void TriggersDuringAndAfterACommitsCrossfade_AllSound()
    {
        float[] output = Render(20, 128, 64);
        double during = output.Skip(240).Take(4000).Sum(s => (double)s * s);
        double after = output.Skip(24_000).Take(4000).Sum(s => (double)s * s);
        Assert.True(during > 1, $"the trigger inside the fade was lost (energy {during})");
        Assert.True(after > 1, $"the trigger after the fade was lost (energy {after})");
    }

    [Fact]
    public void TheOutput_DoesNotDependOnBlockSize_OrOnWhenMaintainRuns()
    {
        float[] reference = Render(20, 128, 64);
        Assert.Equal(reference, Render(20, 61, 1));
        Assert.Equal(reference, Render(20, 97, 1000));
    }

    [Fact]
    public void ACommitDuringAFade_CutsItShort_InsteadOfWaitingForIt()
    {
        var silence = new GraphDescription();
        silence.Add("out", "out", channels: 1);
        var session = new LiveSession(LiveEngine.Dsp.BuiltinNodeTypes.CreateRegistry(), silence, new LiveSessionOptions { OutputChannels = 1, CrossfadeMs = 20, MaxBlockFrames = 128 });
        session.Commit(Voice(), Quantization.Now);
        session.Renderer.Render(128);
        CommitTicket second = session.Commit(silence, Quantization.Now);
        Assert.Equal(128, second.CommitSample);
        for (int i = 0; i < 40; i++)
        {
            session.Renderer.Render(128);
        }

        Assert.Equal(128, second.AppliedAtSample);
        session.Maintain();
        Assert.Equal(-1, session.Renderer.Current.IndexOfNode("s"));
    }
}
