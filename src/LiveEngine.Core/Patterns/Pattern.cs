using LiveEngine.Time;

namespace LiveEngine.Patterns;

/// <summary>
/// A pattern: a function from a query arc (in cycles) to the events that touch it. A port of the core of
/// Strudel's <c>Pattern</c> (@strudel/core, pattern.mjs), kept to the same query semantics step by step so that
/// mini-notation gives the same events as Strudel, exactly (tests compare with Strudel itself).
/// </summary>
/// <remarks>Control plane only: queries allocate.</remarks>
public sealed class Pattern<T>
{
    private readonly Func<Arc, List<Hap<T>>> _query;

    public Pattern(Func<Arc, List<Hap<T>>> query)
    {
        _query = query;
    }

    /// <summary>Set on a pattern made by <see cref="Patterns.Pure"/>: an argument that is a plain value.</summary>
    internal bool IsPure { get; private init; }

    internal T? PureValue { get; private init; }

    /// <summary>The steps per cycle of a mini-notation sequence (Strudel's <c>__weight</c>), for <c>&lt; &gt;</c> and <c>{ }</c>.</summary>
    internal Fraction? Weight { get; set; }

    public List<Hap<T>> Query(Arc arc) => _query(arc);

    public List<Hap<T>> QueryArc(Fraction begin, Fraction end) => _query(new Arc(begin, end));

    internal static Pattern<T> MakePure(Func<Arc, List<Hap<T>>> query, T value) => new(query) { IsPure = true, PureValue = value };

    public Pattern<T> SplitQueries() => new(arc =>
    {
        var haps = new List<Hap<T>>();
        foreach (Arc cycle in arc.SpanCycles())
        {
            haps.AddRange(_query(cycle));
        }

        return haps;
    });

    public Pattern<T> WithQuerySpan(Func<Arc, Arc> map) => new(arc => _query(map(arc)));

    public Pattern<T> WithQuerySpanMaybe(Func<Arc, Arc?> map) => new(arc => map(arc) is Arc mapped ? _query(mapped) : []);

    public Pattern<T> WithQueryTime(Func<Fraction, Fraction> map) => new(arc => _query(arc.WithTime(map)));

    public Pattern<T> WithHapSpan(Func<Arc, Arc> map) => WithHaps(hap => hap.WithSpan(map));

    public Pattern<T> WithHapTime(Func<Fraction, Fraction> map) => WithHapSpan(span => span.WithTime(map));

    public Pattern<T> WithHaps(Func<Hap<T>, Hap<T>> map) => new(arc => _query(arc).ConvertAll(hap => map(hap)));

    public Pattern<TOut> Fmap<TOut>(Func<T, TOut> map) => new(arc => _query(arc).ConvertAll(hap => hap.WithValue(map(hap.Value))));

    public Pattern<T> FilterHaps(Func<Hap<T>, bool> keep) => new(arc => _query(arc).FindAll(hap => keep(hap)));

    public Pattern<T> FilterValues(Func<T, bool> keep) => FilterHaps(hap => keep(hap.Value));

    /// <summary>Events whose onset lies in the query (what a player plays).</summary>
    public Pattern<T> OnsetsOnly() => FilterHaps(hap => hap.HasOnset);

    /// <summary>Structure from this pattern; values combined with those of <paramref name="other"/> found over each event's whole.</summary>
    public Pattern<TOut> AppLeft<TOther, TOut>(Pattern<TOther> other, Func<T, TOther, TOut> combine) => new(arc =>
    {
        var haps = new List<Hap<TOut>>();
        foreach (Hap<T> left in _query(arc))
        {
            foreach (Hap<TOther> right in other.Query(left.WholeOrPart))
            {
                if (left.Part.Intersection(right.Part) is Arc part)
                {
                    haps.Add(new Hap<TOut>(left.Whole, part, combine(left.Value, right.Value)));
                }
            }
        }

        return haps;
    });

    /// <summary>Structure from <paramref name="other"/>; values combined with this pattern's over each of its events' whole.</summary>
    public Pattern<TOut> AppRight<TOther, TOut>(Pattern<TOther> other, Func<T, TOther, TOut> combine) => new(arc =>
    {
        var haps = new List<Hap<TOut>>();
        foreach (Hap<TOther> right in other.Query(arc))
        {
            foreach (Hap<T> left in _query(right.WholeOrPart))
            {
                if (left.Part.Intersection(right.Part) is Arc part)
                {
                    haps.Add(new Hap<TOut>(right.Whole, part, combine(left.Value, right.Value)));
                }
            }
        }

        return haps;
    });

    /// <summary>Faster by <paramref name="factor"/> (Strudel's <c>_fast</c>); 0 gives silence.</summary>
    public Pattern<T> Fast(Fraction factor)
    {
        if (factor == Fraction.Zero)
        {
            return Patterns.Silence<T>();
        }

        if (factor < Fraction.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "A pattern's speed factor cannot be negative.");
        }

        return WithQueryTime(t => t * factor).WithHapTime(t => t / factor);
    }

    public Pattern<T> Slow(Fraction factor) => factor == Fraction.Zero ? Patterns.Silence<T>() : Fast(1 / factor);

    public Pattern<T> Early(Fraction offset) => WithQueryTime(t => t + offset).WithHapTime(t => t - offset);

    public Pattern<T> Late(Fraction offset) => Early(Fraction.Zero - offset);

    /// <summary>Faster by <paramref name="factor"/> but only the first 1/factor of each cycle plays (Strudel's <c>_fastGap</c>).</summary>
    public Pattern<T> FastGap(Fraction factor)
    {
        Fraction one = 1;
        Fraction Min1(Fraction x) => x < one ? x : one;
        return new Pattern<T>(arc =>
        {
            Fraction cycle = Arc.Sam(arc.Begin);
            Fraction bpos = Min1((arc.Begin - cycle) * factor);
            Fraction epos = Min1((arc.End - cycle) * factor);
            if (bpos >= one)
            {
                return [];
            }

            return _query(new Arc(cycle + bpos, cycle + epos)).ConvertAll(hap =>
            {
                Fraction begin = hap.Part.Begin;
                Fraction end = hap.Part.End;
                Fraction hapCycle = Arc.Sam(begin);
                var part = new Arc(hapCycle + Min1((begin - hapCycle) / factor), hapCycle + Min1((end - hapCycle) / factor));
                Arc? whole = hap.Whole is Arc w
                    ? new Arc(part.Begin - ((begin - w.Begin) / factor), part.End + ((w.End - end) / factor))
                    : null;
                return new Hap<T>(whole, part, hap.Value);
            });
        }).SplitQueries();
    }

    /// <summary>Squeezes each cycle into [begin, end) of the cycle (Strudel's <c>_compress</c>).</summary>
    public Pattern<T> Compress(Fraction begin, Fraction end)
    {
        if (begin > end || begin > 1 || end > 1 || begin < Fraction.Zero || end < Fraction.Zero)
        {
            return Patterns.Silence<T>();
        }

        return FastGap(1 / (end - begin)).Late(begin);
    }

    /// <summary>Plays each cycle <paramref name="times"/> times (Strudel's <c>repeatCycles</c>).</summary>
    public Pattern<T> RepeatCycles(Fraction times) => new Pattern<T>(arc =>
    {
        Fraction cycle = Arc.Sam(arc.Begin);
        Fraction source = Arc.Sam(cycle / times);
        Fraction delta = cycle - source;
        return _query(arc.WithTime(t => t - delta)).ConvertAll(hap => hap.WithSpan(span => span.WithTime(t => t + delta)));
    }).SplitQueries();
}
