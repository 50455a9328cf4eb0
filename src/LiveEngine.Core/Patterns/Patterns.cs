using LiveEngine.Time;

namespace LiveEngine.Patterns;

/// <summary>Pattern constructors and combinators, ported from @strudel/core (pattern.mjs, signal.mjs, euclid.mjs).</summary>
public static class Patterns
{
    /// <summary>The value once per cycle, each event a whole cycle.</summary>
    public static Pattern<T> Pure<T>(T value) => Pattern<T>.MakePure(
        arc =>
        {
            List<Arc> cycles = arc.SpanCycles();
            QueryBudget.Spend(1);
            return cycles.ConvertAll(span => new Hap<T>(new Arc(Arc.Sam(span.Begin), Arc.Sam(span.Begin) + 1), span, value));
        },
        value);

    public static Pattern<T> Silence<T>() => new(_ => []);

    /// <summary>A continuous pattern: one event without a whole, its value taken at the query's begin.</summary>
    public static Pattern<T> Signal<T>(Func<Fraction, T> valueAt) => new(arc => [new Hap<T>(null, arc, valueAt(arc.Begin))]);

    public static Pattern<T> Stack<T>(IReadOnlyList<Pattern<T>> patterns) => new(arc =>
    {
        var haps = new List<Hap<T>>();
        foreach (Pattern<T> pattern in patterns)
        {
            haps.AddRange(pattern.Query(arc));
        }

        return haps;
    });

    /// <summary>One pattern per cycle, in turn; each keeps its own cycle count (Strudel's <c>slowcat</c>).</summary>
    public static Pattern<T> SlowCat<T>(IReadOnlyList<Pattern<T>> patterns)
    {
        if (patterns.Count == 1)
        {
            return patterns[0];
        }

        if (patterns.Count == 0)
        {
            return Silence<T>();
        }

        int count = patterns.Count;
        return new Pattern<T>(arc =>
        {
            long cycle = arc.Begin.Floor();
            int index = (int)(((cycle % count) + count) % count);

            // So that the cycles of each pattern are not skipped: the fourth cycle of three slowcat-ed patterns is
            // the second of the first pattern.
            Fraction offset = Fraction.FromInteger(cycle) - Fraction.FromInteger((arc.Begin / count).Floor());
            return patterns[index].WithHapTime(t => t + offset).Query(arc.WithTime(t => t - offset));
        }).SplitQueries();
    }

    /// <summary>All patterns squeezed into one cycle, one after another.</summary>
    public static Pattern<T> FastCat<T>(IReadOnlyList<Pattern<T>> patterns)
    {
        Pattern<T> result = SlowCat(patterns);
        return patterns.Count > 1 ? result.Fast(patterns.Count) : result;
    }

    /// <summary>Patterns side by side in one cycle, each taking its weight's share (Strudel's <c>stepcat</c>/<c>timeCat</c>).</summary>
    public static Pattern<T> TimeCat<T>(IReadOnlyList<(Fraction Weight, Pattern<T> Pattern)> parts)
    {
        if (parts.Count == 0)
        {
            return Silence<T>();
        }

        if (parts.Count == 1)
        {
            return parts[0].Pattern;
        }

        Fraction total = Fraction.Zero;
        foreach ((Fraction weight, _) in parts)
        {
            total += weight;
        }

        var compressed = new List<Pattern<T>>();
        Fraction begin = Fraction.Zero;
        foreach ((Fraction weight, Pattern<T> pattern) in parts)
        {
            if (weight == Fraction.Zero)
            {
                continue;
            }

            Fraction end = begin + weight;
            compressed.Add(pattern.Compress(begin / total, end / total));
            begin = end;
        }

        return Stack(compressed);
    }

    /// <summary>
    /// Flattens a pattern of patterns: the inner pattern is queried over each outer event's part and keeps its own
    /// wholes (Strudel's <c>innerJoin</c>).
    /// </summary>
    public static Pattern<T> InnerJoin<T>(Pattern<Pattern<T>> outer) => new(arc =>
    {
        var haps = new List<Hap<T>>();
        foreach (Hap<Pattern<T>> outerHap in outer.Query(arc))
        {
            foreach (Hap<T> inner in outerHap.Value.Query(outerHap.Part))
            {
                haps.Add(new Hap<T>(inner.Whole, inner.Part, inner.Value));
            }
        }

        return haps;
    });

    /// <summary>
    /// Applies <paramref name="transform"/> with the argument's value: directly for a plain value, else per event of the
    /// argument pattern through <see cref="InnerJoin"/> (how Strudel's <c>register</c> patternifies arguments).
    /// </summary>
    public static Pattern<T> Patternify<T, TArg>(Pattern<TArg> argument, Func<TArg, Pattern<T>> transform) =>
        argument.IsPure ? transform(argument.PureValue!) : InnerJoin(argument.Fmap(transform));

    /// <summary>Keeps <paramref name="pattern"/>'s values on the steps of a boolean rhythm (Strudel's <c>struct</c> with a list).</summary>
    public static Pattern<T> Struct<T>(Pattern<T> pattern, IReadOnlyList<bool> steps)
    {
        var bits = new List<Pattern<bool>>(steps.Count);
        foreach (bool step in steps)
        {
            bits.Add(Pure(step));
        }

        Pattern<bool> rhythm = FastCat(bits);
        return pattern.AppRight(rhythm, (value, on) => (value, on)).FilterValues(pair => pair.on).Fmap(pair => pair.value);
    }

    /// <summary>
    /// Euclidean rhythm: <paramref name="pulses"/> onsets spread over <paramref name="steps"/> (negative pulses invert),
    /// rotated as Strudel's <c>euclidRot</c> does.
    /// </summary>
    public static Pattern<T> Euclid<T>(Pattern<T> pattern, int pulses, int steps, int rotation) =>
        Struct(pattern, EuclidRhythm(pulses, steps, rotation));

    public static bool[] EuclidRhythm(int pulses, int steps, int rotation)
    {
        if (steps < 0 || Math.Abs(pulses) > steps)
        {
            throw new ArgumentOutOfRangeException(nameof(pulses), $"A Euclidean rhythm needs |pulses| <= steps, not ({pulses},{steps}).");
        }

        bool[] rhythm = Bjorklund.Rhythm(pulses, steps);
        if (rotation != 0)
        {
            // Strudel: rotate(b, -rotation), rotate(arr, n) = arr.slice(n).concat(arr.slice(0, n)) with JS slice indices.
            int n = -rotation;
            int length = rhythm.Length;
            int start = n < 0 ? Math.Max(length + n, 0) : Math.Min(n, length);
            rhythm = [.. rhythm.AsSpan(start), .. rhythm.AsSpan(0, start)];
        }

        return rhythm;
    }
}
