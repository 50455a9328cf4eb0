using LiveEngine.Dsp.Nodes;

namespace LiveEngine.Tests.Dsp.Processors;

public sealed class PanNodeTests
{
    [Fact]
    public void Pan_Centre_GivesBothChannelsOneOverRootTwoOfTheInput()
    {
        float[] noise = TestSignals.Noise(512, seed: 9);
        float[][] output = ProcessorHarness.Render("pan", null, [noise], 48_000, noise.Length);
        for (int i = 0; i < noise.Length; i++)
        {
            Assert.Equal(noise[i] * (float)Math.Sqrt(0.5), output[0][i]);
            Assert.Equal(output[0][i], output[1][i]);
        }
    }

    [Theory]
    [InlineData(-1.0, 0)]
    [InlineData(1.0, 1)]
    public void Pan_HardSide_LeavesTheOtherChannelExactlySilent(double pan, int loudChannel)
    {
        float[] noise = TestSignals.Noise(512, seed: 10);
        float[][] output = ProcessorHarness.Render("pan", new Dictionary<string, double> { ["pan"] = pan }, [noise], 48_000, noise.Length);
        Assert.Equal(noise, output[loudChannel]);
        Assert.All(output[1 - loudChannel], x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData(-0.7)]
    [InlineData(-0.2)]
    [InlineData(0.4)]
    [InlineData(0.9)]
    public void Pan_AnyPosition_KeepsThePowerOfTheInput(double pan)
    {
        float left = PanNode.LeftGain((float)pan);
        float right = PanNode.RightGain((float)pan);
        Assert.Equal(1.0, (left * left) + (right * right), 6);
        Assert.True(pan < 0 ? left > right : right > left);
    }

    [Fact]
    public void Pan_Output_DoesNotDependOnBlockSize()
    {
        float[] noise = TestSignals.Noise(3_000, seed: 11);
        ProcessorHarness.AssertBlockSizeInvariant(
            () =>
            {
                var snapshot = ProcessorHarness.Compile("pan", null, 48_000, null, new ProcessorHarness.Feed("in", [noise]));
                ProcessorHarness.SetParameter(snapshot, "pan", -0.8f);
                return snapshot;
            },
            noise.Length);
    }
}
