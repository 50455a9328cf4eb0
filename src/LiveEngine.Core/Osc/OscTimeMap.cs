namespace LiveEngine.Osc;

/// <summary>
/// Maps OSC time tags (NTP wall-clock time) to engine samples: sample(t) = anchorSample + (t − anchorTime) · rate +
/// latency. The anchor pairs a wall-clock time with the engine position at that time; the latency (as
/// SuperCollider's server latency) is a constant added to every time, so that a message stamped up to that long ago,
/// or sent with no time, still lands on a sample the audio side has not rendered yet, and a bundle's offsets from
/// each other are kept to the sample. Thread-safe: readers see one anchor or the next, never a mix.
/// </summary>
/// <remarks>
/// Design: the mapping is exact integer arithmetic on 32.32 fixed-point NTP time (rounded to the nearest sample),
/// so a bundle stamped k/rate seconds after another lands exactly k samples later. The engine's sample clock and the
/// system clock drift apart (a sound card's crystal is off by tens of ppm: a second or so per day); <see cref="Resync"/>
/// re-anchors only when the difference passes a tolerance, so between re-anchors every time maps on the same line.
/// </remarks>
public sealed class OscTimeMap
{
    private Anchor _anchor;
    private long _resyncs;

    public OscTimeMap(int sampleRate, long latencySamples, OscTimeTag anchorTime, long anchorSample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(latencySamples);
        SampleRate = sampleRate;
        LatencySamples = latencySamples;
        _anchor = new Anchor(anchorTime, anchorSample);
    }

    public int SampleRate { get; }

    /// <summary>Added to every mapped time (<c>[osc] latency_ms</c>).</summary>
    public long LatencySamples { get; }

    /// <summary>Times <see cref="Resync"/> moved the anchor.</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    /// <summary>The wall-clock time and engine position the map counts from.</summary>
    public (OscTimeTag Time, long Sample) Current
    {
        get
        {
            Anchor a = Volatile.Read(ref _anchor);
            return (a.Time, a.Sample);
        }
    }

    /// <summary>The sample at which a message stamped <paramref name="time"/> lands (latency included).</summary>
    public long SampleAt(OscTimeTag time)
    {
        Anchor a = Volatile.Read(ref _anchor);
        long delta = (long)(time.Raw - a.Time.Raw);

        // (delta · rate) / 2³², rounded to nearest; Int128 keeps any 64-bit delta exact.
        Int128 scaled = ((Int128)delta * SampleRate) + (1L << 31);
        return a.Sample + (long)(scaled >> 32) + LatencySamples;
    }

    /// <summary>Moves the anchor to (<paramref name="time"/>, <paramref name="sample"/>).</summary>
    public void Reanchor(OscTimeTag time, long sample) => Volatile.Write(ref _anchor, new Anchor(time, sample));

    /// <summary>
    /// Compares the map with the engine's <paramref name="position"/> at wall-clock <paramref name="now"/>, and
    /// re-anchors there if they differ by more than <paramref name="toleranceSamples"/>. Returns whether it did.
    /// </summary>
    public bool Resync(OscTimeTag now, long position, long toleranceSamples)
    {
        long predicted = SampleAt(now) - LatencySamples;
        if (Math.Abs(predicted - position) <= toleranceSamples)
        {
            return false;
        }

        Reanchor(now, position);
        Interlocked.Increment(ref _resyncs);
        return true;
    }

    private sealed record Anchor(OscTimeTag Time, long Sample);
}
