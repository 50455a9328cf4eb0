namespace LiveEngine.Time;

/// <summary>
/// The musical clock: tempo and meter as a list of segments, each starting at an exact sample, and positions in
/// beats and bars derived exactly from the sample counter (rational arithmetic: no drift over any length, and
/// none across tempo changes). Control thread only; the audio side deals in samples.
/// </summary>
/// <remarks>
/// Within a segment, beat(s) = startBeat + (s − startSample) · bpm / (60 · sampleRate); the sample of a beat is
/// the first sample at or after it (a ceiling), so a change "on" a beat never lands early. A beat is a unit of
/// the meter; a bar is <c>BeatsPerBar</c> beats. Tempo changes land on exact samples. A tempo ramp (linear in
/// BPM over L samples) integrates exactly too: beat(s) = startBeat + (bpm₀·Δ + (bpm₁ − bpm₀)·Δ²/(2L)) / (60 · sampleRate)
/// with Δ = s − startSample, still a rational number; the sample of a beat inside a ramp is found from the
/// quadratic's floating-point root and then fixed with exact comparisons.
/// </remarks>
public sealed class TempoMap
{
    private readonly List<Segment> _segments = [];

    public TempoMap(int sampleRate, Fraction bpm, int beatsPerBar = 4)
        : this(sampleRate, bpm, beatsPerBar, default)
    {
    }

    /// <summary>
    /// A map whose first tempo starts at <paramref name="origin"/> rather than at sample 0, beat 0: an engine that takes
    /// over a performance mid-way (after its predecessor died) continues the beat and bar count from there.
    /// </summary>
    public TempoMap(int sampleRate, Fraction bpm, int beatsPerBar, TempoOrigin origin)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ValidateTempo(bpm);
        ArgumentOutOfRangeException.ThrowIfLessThan(beatsPerBar, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(origin.Sample);
        SampleRate = sampleRate;
        Origin = origin;
        _segments.Add(new Segment(origin.Sample, origin.Beat, origin.Bar, bpm, beatsPerBar, bpm, 0));
    }

    /// <summary>Where the first tempo starts (sample 0, beat 0, bar 0 unless the map continues another).</summary>
    public TempoOrigin Origin { get; }

    public int SampleRate { get; }

    /// <summary>The earliest sample a new tempo change may start on: where the last change starts (or its ramp ends).</summary>
    public long LastChangeSample => _segments[^1].StartSample + _segments[^1].RampSamples;

    /// <summary>Tempo at <paramref name="sample"/> in beats per minute.</summary>
    public Fraction TempoAt(long sample)
    {
        Segment segment = SegmentAtSample(sample);
        return segment.RampSamples == 0
            ? segment.Bpm
            : segment.Bpm + ((segment.EndBpm - segment.Bpm) * Fraction.Create(sample - segment.StartSample, segment.RampSamples));
    }

    /// <summary>
    /// The first sample at or after <paramref name="from"/> where the tempo arrives at <paramref name="bpm"/> and
    /// starts a stretch there (a change to it, or a ramp's end; a ramp passing through it does not count), or
    /// <paramref name="from"/> itself if it is already held there; −1 if it never does in the map so far.
    /// </summary>
    public long FirstSampleHolding(Fraction bpm, long from)
    {
        Segment at = SegmentAtSample(from);
        if (at.RampSamples == 0 && at.Bpm == bpm)
        {
            return from;
        }

        foreach (Segment segment in _segments)
        {
            if (segment.StartSample > from && segment.Bpm == bpm)
            {
                return segment.StartSample;
            }
        }

        return -1;
    }

    public int BeatsPerBarAt(long sample) => SegmentAtSample(sample).BeatsPerBar;

    /// <summary>The exact beat position of <paramref name="sample"/>.</summary>
    public Fraction BeatAt(long sample) => BeatInSegment(SegmentAtSample(sample), sample);

    /// <summary>The exact bar position of <paramref name="sample"/> (bar 0 starts at sample 0).</summary>
    public Fraction BarAt(long sample)
    {
        Segment segment = SegmentAtSample(sample);
        return segment.StartBar + ((BeatAt(sample) - segment.StartBeat) / segment.BeatsPerBar);
    }

    /// <summary>The first sample at or after <paramref name="beat"/>.</summary>
    public long SampleAtBeat(Fraction beat)
    {
        Segment segment = _segments[0];
        foreach (Segment s in _segments)
        {
            if (s.StartBeat <= beat)
            {
                segment = s;
            }
        }

        if (beat < segment.StartBeat)
        {
            return segment.StartSample;
        }

        if (segment.RampSamples == 0)
        {
            return segment.StartSample + ((beat - segment.StartBeat) * (60L * SampleRate) / segment.Bpm).Ceiling();
        }

        // Inside a ramp: the root of a·Δ² + b·Δ = beats·60·sr in floating point, then the exact first sample.
        double a = (segment.EndBpm - segment.Bpm).ToDouble() / (2.0 * segment.RampSamples);
        double b = segment.Bpm.ToDouble();
        double c = (beat - segment.StartBeat).ToDouble() * 60.0 * SampleRate;
        double root = Math.Abs(a) < 1e-300 ? c / b : (-b + Math.Sqrt(Math.Max(0, (b * b) + (4 * a * c)))) / (2 * a);
        long delta = Math.Clamp((long)Math.Floor(root), 0, segment.RampSamples);
        while (delta > 0 && BeatInSegment(segment, segment.StartSample + delta - 1) >= beat)
        {
            delta--;
        }

        while (BeatInSegment(segment, segment.StartSample + delta) < beat)
        {
            delta++;
        }

        return segment.StartSample + delta;
    }

    /// <summary>The first sample of bar <paramref name="bar"/>.</summary>
    public long SampleAtBar(long bar)
    {
        Segment segment = _segments[0];
        foreach (Segment s in _segments)
        {
            if (s.StartBar <= bar)
            {
                segment = s;
            }
        }

        return SampleAtBeat(segment.StartBeat + ((Fraction.FromInteger(bar) - segment.StartBar) * segment.BeatsPerBar));
    }

    /// <summary>The sample at which a change requested at <paramref name="now"/> with <paramref name="when"/> lands.</summary>
    public long Resolve(Quantization when, long now)
    {
        switch (when.Kind)
        {
            case QuantizationKind.Now:
                return now;
            case QuantizationKind.NextBeat:
                return SampleAtBeat(BeatAt(now).Ceiling());
            case QuantizationKind.NextBar:
                return SampleAtBar(BarAt(now).Ceiling());
            case QuantizationKind.Bars:
                return SampleAtBar(BarAt(now).Floor() + when.Count);
            case QuantizationKind.AtBeat:
                return Math.Max(now, SampleAtBeat(when.Beat));
            default:
                throw new ArgumentOutOfRangeException(nameof(when), when.Kind, "Unknown quantization.");
        }
    }

    /// <summary>
    /// Changes tempo (and optionally the meter) from <paramref name="sample"/> on. Changes must come in time order;
    /// a meter change must land on a bar line so that bar numbers stay whole.
    /// </summary>
    public void SetTempo(long sample, Fraction bpm, int? beatsPerBar = null)
    {
        ValidateTempo(bpm);
        Segment last = _segments[^1];
        if (sample < last.StartSample)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), sample, $"Tempo changes must come in time order; the last one is at sample {last.StartSample}.");
        }

        Fraction beat = BeatAt(sample);
        Fraction bar = BarAt(sample);
        int meter = beatsPerBar ?? last.BeatsPerBar;
        if (meter != last.BeatsPerBar && !bar.IsInteger)
        {
            throw new ArgumentException($"A meter change must land on a bar line; sample {sample} is at bar {bar}.", nameof(beatsPerBar));
        }

        if (last.RampSamples > 0 && sample < last.StartSample + last.RampSamples)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), sample, $"A tempo ramp runs until sample {last.StartSample + last.RampSamples}; change the tempo after it.");
        }

        if (sample == last.StartSample)
        {
            _segments[^1] = last with { Bpm = bpm, EndBpm = bpm, RampSamples = 0, BeatsPerBar = meter };
            return;
        }

        _segments.Add(new Segment(sample, beat, bar, bpm, meter, bpm, 0));
    }

    /// <summary>
    /// Ramps the tempo linearly (in BPM) from its value at <paramref name="sample"/> to <paramref name="targetBpm"/>
    /// over <paramref name="lengthSamples"/> samples, then holds it. Positions stay exact through the ramp.
    /// </summary>
    public void RampTempo(long sample, long lengthSamples, Fraction targetBpm)
    {
        ValidateTempo(targetBpm);
        ArgumentOutOfRangeException.ThrowIfLessThan(lengthSamples, 1);
        Fraction from = TempoAt(sample);
        SetTempo(sample, from);
        Segment start = _segments[^1];
        _segments[^1] = start with { EndBpm = targetBpm, RampSamples = lengthSamples };

        // The tempo after the ramp, from the ramp's exact end position (this also checks the arithmetic fits).
        long end = sample + lengthSamples;
        Segment ramp = _segments[^1];
        Fraction endBeat = BeatInSegment(ramp, end);
        Fraction endBar = ramp.StartBar + ((endBeat - ramp.StartBeat) / ramp.BeatsPerBar);
        _segments.Add(new Segment(end, endBeat, endBar, targetBpm, ramp.BeatsPerBar, targetBpm, 0));
    }

    /// <summary>The length in samples of the tempo ramp that starts at <paramref name="sample"/>, or 0 if none starts there.</summary>
    public long RampSamplesFrom(long sample)
    {
        Segment segment = SegmentAtSample(sample);
        return segment.StartSample == sample ? segment.RampSamples : 0;
    }

    private Fraction BeatInSegment(Segment segment, long sample)
    {
        long delta = sample - segment.StartSample;
        Fraction beats = Fraction.FromInteger(delta) * segment.Bpm;
        if (segment.RampSamples > 0)
        {
            beats += (segment.EndBpm - segment.Bpm) * Fraction.Create((Int128)delta * delta, 2 * (Int128)segment.RampSamples);
        }

        return segment.StartBeat + (beats / (60L * SampleRate));
    }

    private Segment SegmentAtSample(long sample)
    {
        for (int i = _segments.Count - 1; i > 0; i--)
        {
            if (_segments[i].StartSample <= sample)
            {
                return _segments[i];
            }
        }

        return _segments[0];
    }

    private static void ValidateTempo(Fraction bpm)
    {
        if (bpm <= Fraction.Zero || bpm > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(bpm), bpm.ToString(), "Tempo must be more than 0 and at most 1000 BPM.");
        }
    }

    /// <summary>A stretch of constant tempo (RampSamples 0), or a linear ramp from Bpm to EndBpm over RampSamples.</summary>
    private readonly record struct Segment(long StartSample, Fraction StartBeat, Fraction StartBar, Fraction Bpm, int BeatsPerBar, Fraction EndBpm, long RampSamples);
}

/// <summary>Where a tempo map starts: its first sample and the beat and bar positions there.</summary>
public readonly record struct TempoOrigin(long Sample, Fraction Beat, Fraction Bar);
