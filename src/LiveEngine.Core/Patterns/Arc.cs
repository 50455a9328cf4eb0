using LiveEngine.Time;

namespace LiveEngine.Patterns;

/// <summary>
/// A span of pattern time in cycles, [Begin, End) (Strudel's <c>TimeSpan</c>; renamed so it does not clash with
/// <see cref="System.TimeSpan"/>). Exact: both ends are <see cref="Fraction"/>s.
/// </summary>
public readonly record struct Arc(Fraction Begin, Fraction End)
{
    public Fraction Duration => End - Begin;

    /// <summary>The start of the cycle a time falls in (Strudel's <c>sam</c>).</summary>
    public static Fraction Sam(Fraction time) => Fraction.FromInteger(time.Floor());

    /// <summary>
    /// The arc cut at cycle boundaries (Strudel's <c>spanCycles</c>); a zero-width arc gives itself. Each cycle counts
    /// against the <see cref="QueryBudget"/> as it is cut, so a query over billions of cycles stops early.
    /// </summary>
    public List<Arc> SpanCycles()
    {
        var spans = new List<Arc>();
        if (Begin == End)
        {
            spans.Add(this);
            return spans;
        }

        Fraction begin = Begin;
        Fraction endSam = Sam(End);
        while (End > begin)
        {
            if (Sam(begin) == endSam)
            {
                spans.Add(new Arc(begin, End));
                break;
            }

            Fraction next = Sam(begin) + 1;
            QueryBudget.Spend(1);
            spans.Add(new Arc(begin, next));
            begin = next;
        }

        return spans;
    }

    public Arc WithTime(Func<Fraction, Fraction> map) => new(map(Begin), map(End));

    /// <summary>
    /// The common part of two arcs, or null. A point where one arc ends does not count as an intersection with
    /// that arc (Strudel's rule, so that a zero-width query at a cycle's end finds nothing in that cycle).
    /// </summary>
    public Arc? Intersection(Arc other)
    {
        Fraction begin = Begin > other.Begin ? Begin : other.Begin;
        Fraction end = End < other.End ? End : other.End;
        if (begin > end)
        {
            return null;
        }

        if (begin == end)
        {
            if (begin == End && Begin < End)
            {
                return null;
            }

            if (begin == other.End && other.Begin < other.End)
            {
                return null;
            }
        }

        return new Arc(begin, end);
    }
}
