using LiveEngine.Snapshots;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class AdsrTests
{
    // At 48 kHz: attack 10 ms = 480 frames, decay 20 ms = 960, release 30 ms = 1,440.
    private const int Attack = 480;
    private const int Decay = 960;
    private const int Release = 1_440;

    [Fact]
    public void Segments_EndExactlyOnTheirFrames()
    {
        const int gateOff = 4_800;
        float[] env = Render(10_000, [new(gateOff, "src", "gate", 0)]);

        Assert.Equal(0f, env[0]);
        Assert.Equal(1f / Attack, env[1], 6);
        Assert.True(env[Attack - 1] < 1f, $"Frame {Attack - 1} is {env[Attack - 1]}: the peak came early.");
        Assert.Equal(1f, env[Attack]);
        Assert.True(env[Attack + 1] < 1f);
        Assert.True(env[Attack + Decay - 1] > 0.5f, $"Frame {Attack + Decay - 1} is {env[Attack + Decay - 1]}: the decay ended early.");
        Assert.Equal(0.5f, env[Attack + Decay]);
        Assert.Equal(0.5f, env[gateOff - 1]);
        Assert.Equal(0.5f, env[gateOff]);
        Assert.True(env[gateOff + 1] < 0.5f);
        Assert.True(env[gateOff + Release - 1] > 0f, $"Frame {gateOff + Release - 1} is {env[gateOff + Release - 1]}: the release ended early.");
        Assert.Equal(0f, env[gateOff + Release]);
        Assert.All(env.AsSpan(gateOff + Release).ToArray(), x => Assert.Equal(0f, x));
        AssertMonotonic(env, 0, Attack, rising: true);
        AssertMonotonic(env, Attack, Attack + Decay, rising: false);
        AssertMonotonic(env, gateOff, gateOff + Release, rising: false);
    }

    [Fact]
    public void Attack_IsLinear()
    {
        float[] env = Render(Attack, []);
        for (int n = 0; n < Attack; n++)
        {
            Assert.Equal((double)n / Attack, env[n], 6);
        }
    }

    [Fact]
    public void Decay_IsExponentialWithFiveTimeConstants()
    {
        float[] env = Render(Attack + Decay, []);

        // Halfway through the decay: (e^-2.5 - e^-5) / (1 - e^-5) of the way from sustain to peak.
        double shape = (Math.Exp(-2.5) - Math.Exp(-5)) / (1 - Math.Exp(-5));
        Assert.Equal(0.5 + (0.5 * shape), env[Attack + (Decay / 2)], 5);
    }

    [Fact]
    public void GateClosedDuringAttack_ReleasesFromTheCurrentValue()
    {
        float[] env = Render(3_000, [new(240, "src", "gate", 0)]);
        Assert.Equal(0.5f, env[240]);
        Assert.True(env[241] < 0.5f);
        Assert.True(env[240 + Release - 1] > 0f);
        Assert.Equal(0f, env[240 + Release]);
    }

    [Fact]
    public void GateReopenedDuringRelease_AttacksFromTheCurrentValue()
    {
        float[] env = Render(6_000, [new(2_000, "src", "gate", 0), new(2_500, "src", "gate", 1)]);
        Assert.True(Math.Abs(env[2_500] - env[2_499]) < 0.01, "The retrigger jumped instead of rising from where the release was.");
        Assert.True(env[2_501] > env[2_500]);
        Assert.Equal(1f, env[2_500 + Attack]);
    }

    [Fact]
    public void GateClosedFromStart_StaysSilent_UntilItOpens()
    {
        float[] env = Render(2_000, [new(0, "src", "gate", 0), new(1_000, "src", "gate", 1)]);
        Assert.All(env.AsSpan(0, 1_000).ToArray(), x => Assert.Equal(0f, x));
        Assert.Equal(0f, env[1_000]);
        Assert.Equal(1f / Attack, env[1_001], 6);
    }

    [Fact]
    public void ZeroTimes_JumpToPeakAndSustain()
    {
        var graph = SourceRendering.Graph("adsr", SourceRendering.ToDictionary(("attackMs", 0), ("decayMs", 0), ("sustain", 0.25), ("releaseMs", 0)));
        GraphSnapshot snapshot = SourceRendering.Compile(graph, 48_000, 64);
        float[] env = SourceRendering.RenderScripted(snapshot, 200, _ => 64, [new(100, "src", "gate", 0)])[0];
        Assert.Equal(0.25f, env[0]);
        Assert.Equal(0.25f, env[99]);
        Assert.Equal(0f, env[100]);
    }

    [Fact]
    public void Level_ScalesTheEnvelope()
    {
        var graph = SourceRendering.Graph("adsr", SourceRendering.ToDictionary(("attackMs", 10), ("decayMs", 20), ("sustain", 0.5), ("level", 0.5)));
        float[] env = SourceRendering.Render(graph, 48_000, 2_000);
        Assert.Equal(0.5f, env[Attack]);
        Assert.Equal(0.25f, env[Attack + Decay]);
    }

    private static float[] Render(int frames, IReadOnlyList<ParameterChange> changes)
    {
        var graph = SourceRendering.Graph("adsr", SourceRendering.ToDictionary(("attackMs", 10), ("decayMs", 20), ("sustain", 0.5), ("releaseMs", 30), ("gate", 1)));
        GraphSnapshot snapshot = SourceRendering.Compile(graph, 48_000, 64);
        return SourceRendering.RenderScripted(snapshot, frames, _ => 64, changes)[0];
    }

    private static void AssertMonotonic(float[] env, int start, int end, bool rising)
    {
        for (int i = start + 1; i < end; i++)
        {
            Assert.True(rising ? env[i] > env[i - 1] : env[i] < env[i - 1], $"Frame {i} ({env[i]}) breaks the {(rising ? "rise" : "fall")} from {env[i - 1]}.");
        }
    }
}
