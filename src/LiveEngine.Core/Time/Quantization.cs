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
        : throw new ArgumentOutOfRangeException(null, $"A change lands at least one bar ahead, not {bars}; use NextBar or Now otherwise.");

    public static Quantization AtBeat(Fraction beat) => new(QuantizationKind.AtBeat, Beat: beat);

    /// <summary>The text form: <c>now</c>, <c>beat</c>, <c>bar</c>, <c>bars:N</c> or <c>at:BEAT</c> (a fraction, e.g. <c>at:33/2</c>).</summary>
    public override string ToString() => Kind switch
    {
        QuantizationKind.Now => "now",
        QuantizationKind.NextBeat => "beat",
        QuantizationKind.NextBar => "bar",
        QuantizationKind.Bars => "bars:" + Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "at:" + Beat.ToString(),
    };

    /// <summary>
    /// Parses the text form (see <see cref="ToString"/>); also <c>N bars</c>/<c>Nbars</c>. False, with a message
    /// that says what is accepted, on anything else.
    /// </summary>
    public static bool TryParse(string? text, out Quantization value, out string? error)
    {
        value = Now;
        error = null;
        string t = (text ?? "").Trim().ToLowerInvariant();
        switch (t)
        {
            case "now" or "":
                return true;
            case "beat":
                value = NextBeat;
                return true;
            case "bar":
                value = NextBar;
                return true;
        }

        string count = t.StartsWith("bars:", StringComparison.Ordinal) ? t[5..]
            : t.EndsWith("bars", StringComparison.Ordinal) ? t[..^4].Trim()
            : "";
        if (count.Length > 0)
        {
            if (int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bars) && bars >= 1)
            {
                value = InBars(bars);
                return true;
            }

            error = $"'{text}': the number of bars must be a whole number of at least 1.";
            return false;
        }

        if (t.StartsWith("at:", StringComparison.Ordinal) && Fraction.TryParse(t[3..], out Fraction beat) && beat >= Fraction.Zero)
        {
            value = AtBeat(beat);
            return true;
        }

        error = $"'{text}' is not a quantisation: use now, beat, bar, N bars (bars:N) or at:BEAT.";
        return false;
    }
}
