namespace LiveEngine.Time;

/// <summary>When a change lands, musically.</summary>
public enum QuantizationKind
{
    /// <summary>At the start of the next block the audio side renders.</summary>
    Now,

    /// <summary>On the first beat at or after now.</summary>
    NextBeat,

    /// <summary>On the first bar line at or after now.</summary>
    NextBar,

    /// <summary>On the bar line <see cref="Quantization.Count"/> bars after the current bar's start.</summary>
    Bars,

    /// <summary>At an absolute beat position (<see cref="Quantization.Beat"/>), or now if that has passed.</summary>
    AtBeat,
}

/// <summary>A commit time in musical terms: now, next beat, next bar, in N bars, at beat X.</summary>
public readonly record struct Quantization(QuantizationKind Kind, int Count = 0, Fraction Beat = default)
{
    public static Quantization Now => new(QuantizationKind.Now);

    public static Quantization NextBeat => new(QuantizationKind.NextBeat);

    public static Quantization NextBar => new(QuantizationKind.NextBar);

    public static Quantization InBars(int bars) => bars >= 1
        ? new(QuantizationKind.Bars, bars)
        : throw new ArgumentOutOfRangeException(nameof(bars), bars, "A change lands at least one bar ahead; use NextBar or Now otherwise.");

    public static Quantization AtBeat(Fraction beat) => new(QuantizationKind.AtBeat, Beat: beat);
}
