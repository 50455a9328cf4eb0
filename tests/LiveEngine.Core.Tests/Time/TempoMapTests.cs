using LiveEngine.Time;

namespace LiveEngine.Tests.Time;

public sealed class TempoMapTests
{
    [Fact]
    public void At120Bpm48kHz_BarKStartsAtSample96000TimesK_Over24Hours()
    {
        var clock = new TempoMap(48_000, 120);
        long day = 24L * 3600 * 48_000;
        for (long k = 0; k * 96_000 <= day; k += 997)
        {
            Assert.Equal(k * 96_000, clock.SampleAtBar(k));
            Assert.Equal(Fraction.FromInteger(k), clock.BarAt(k * 96_000));
        }

        Assert.Equal(Fraction.FromInteger(day / 24_000), clock.BeatAt(day));
    }

    [Fact]
    public void NonIntegerSamplesPerBeat_HaveNoDriftAfter24Hours()
    {
        // 44.1 kHz at 133 BPM: 19894.736... samples per beat.
        var clock = new TempoMap(44_100, 133);
        long day = 24L * 3600 * 44_100;
        Fraction beat = clock.BeatAt(day);
        Assert.Equal(Fraction.Create((Int128)day * 133, 60 * 44_100), beat);
        long beatSample = clock.SampleAtBeat(beat.Ceiling());
        Assert.True(clock.BeatAt(beatSample) >= beat.Ceiling() && clock.BeatAt(beatSample - 1) < beat.Ceiling());
    }

    [Fact]
    public void TempoChange_KeepsPositionsExactOnBothSides()
    {
        var clock = new TempoMap(48_000, 120);
        clock.SetTempo(96_000, 90);
        Assert.Equal(Fraction.FromInteger(4), clock.BeatAt(96_000));

        // At 90 BPM a beat is 32,000 samples.
        Assert.Equal(96_000 + 32_000, clock.SampleAtBeat(5));
        Assert.Equal(96_000 + (4 * 32_000), clock.SampleAtBar(2));
        Assert.Equal(Fraction.FromInteger(90), clock.TempoAt(100_000));
        Assert.Equal(Fraction.FromInteger(120), clock.TempoAt(95_999));
    }

    [Fact]
    public void Quantizations_ResolveToTheFirstSampleAtOrAfterTheirTime()
    {
        var clock = new TempoMap(48_000, 120);
        Assert.Equal(30_000, clock.Resolve(Quantization.Now, 30_000));
        Assert.Equal(48_000, clock.Resolve(Quantization.NextBeat, 30_000));
        Assert.Equal(48_000, clock.Resolve(Quantization.NextBeat, 48_000));
        Assert.Equal(96_000, clock.Resolve(Quantization.NextBar, 30_000));
        Assert.Equal(96_000, clock.Resolve(Quantization.NextBar, 96_000));
        Assert.Equal(192_000, clock.Resolve(Quantization.InBars(2), 30_000));
        Assert.Equal(120_000, clock.Resolve(Quantization.AtBeat(5), 30_000));
        Assert.Equal(130_000, clock.Resolve(Quantization.AtBeat(5), 130_000));
    }

    [Fact]
    public void MeterChange_OffABarLine_IsRefusedWithTheReason()
    {
        var clock = new TempoMap(48_000, 120);
        var e = Assert.Throws<ArgumentException>(() => clock.SetTempo(24_000, 120, beatsPerBar: 3));
        Assert.StartsWith("A meter change must land on a bar line; sample 24000 is at bar 1/4.", e.Message);
        clock.SetTempo(96_000, 120, beatsPerBar: 3);
        Assert.Equal(96_000 + 72_000, clock.SampleAtBar(2));
    }

    [Fact]
    public void Fraction_ArithmeticIsExactAndReduced()
    {
        Fraction third = Fraction.Create(1, 3);
        Assert.Equal(Fraction.FromInteger(1), third + third + third);
        Assert.Equal(Fraction.Create(2, 6), third);
        Assert.Equal("257/2", Fraction.FromDecimal(128.5m).ToString());
        Assert.Equal(-1, Fraction.Create(-1, 3).Floor());
        Assert.Equal(0, Fraction.Create(-1, 3).Ceiling());
        Assert.Equal(1, Fraction.Create(1, 3).Ceiling());
        Assert.Throws<OverflowException>(() => Fraction.FromInteger(long.MaxValue) * 2);
    }

    [Fact]
    public void TempoRamp_IntegratesExactly_AndBeatsInsideItLandOnTheirFirstSample()
    {
        var clock = new TempoMap(48_000, 120);
        clock.RampTempo(96_000, 96_000, 240);

        // Two seconds averaging 180 BPM are exactly 6 beats: the ramp ends on beat 4 + 6.
        Assert.Equal(Fraction.FromInteger(10), clock.BeatAt(192_000));
        Assert.Equal(Fraction.FromInteger(180), clock.TempoAt(144_000));
        Assert.Equal(Fraction.FromInteger(240), clock.TempoAt(500_000));
        Assert.Equal(192_000 + 12_000, clock.SampleAtBeat(11));

        for (int tenth = 41; tenth < 100; tenth += 3)
        {
            Fraction beat = Fraction.Create(tenth, 10);
            long sample = clock.SampleAtBeat(beat);
            Assert.True(clock.BeatAt(sample) >= beat && clock.BeatAt(sample - 1) < beat, $"beat {beat} at sample {sample}");
        }

        // A day later, bar lines are still exact: bar 3 ends the ramp (beat 12 is 24,000 samples after beat 10).
        long day = 24L * 3600 * 48_000;
        Fraction bar = clock.BarAt(day);
        Assert.Equal(Fraction.FromInteger(10) + Fraction.Create(day - 192_000, 12_000), clock.BeatAt(day));
        Assert.Equal(clock.SampleAtBar(bar.Ceiling()), 192_000 + ((((bar.Ceiling() * 4) - 10) * 12_000)));
    }

    [Fact]
    public void FirstSampleHolding_CountsARampsEndNotARampPassingThrough()
    {
        var clock = new TempoMap(48_000, Fraction.FromInteger(120));
        clock.RampTempo(1_000, 9_000, Fraction.FromInteger(140)); // passes 130 at sample 5_500 on its way
        clock.RampTempo(10_000, 10_000, Fraction.FromInteger(130)); // arrives at 130 at sample 20_000
        clock.SetTempo(30_000, Fraction.FromInteger(100));

        Assert.Equal(Fraction.FromInteger(130), clock.TempoAt(5_500));
        Assert.Equal(20_000, clock.FirstSampleHolding(Fraction.FromInteger(130), 0));
        Assert.Equal(25_000, clock.FirstSampleHolding(Fraction.FromInteger(130), 25_000));
        Assert.Equal(30_000, clock.FirstSampleHolding(Fraction.FromInteger(100), 0));
        Assert.Equal(0, clock.FirstSampleHolding(Fraction.FromInteger(120), 0));
        Assert.Equal(-1, clock.FirstSampleHolding(Fraction.FromInteger(90), 0));
    }
}
