namespace LiveEngine.Patterns;

/// <summary>
/// Bjorklund's algorithm for Euclidean rhythms.
/// </summary>
/// <remarks>
/// Design: a literal port of Strudel's euclid.mjs (itself ported from Rohan Drape's Haskell Music Theory module),
/// so that the order of onsets matches Strudel's for every (pulses, steps).
/// </remarks>
public static class Bjorklund
{
    public static bool[] Rhythm(int pulses, int steps)
    {
        bool inverted = pulses < 0;
        int ons = Math.Abs(pulses);
        int offs = steps - ons;
        var xs = new List<List<bool>>();
        var ys = new List<List<bool>>();
        for (int i = 0; i < ons; i++)
        {
            xs.Add([true]);
        }

        for (int i = 0; i < offs; i++)
        {
            ys.Add([false]);
        }

        while (Math.Min(ons, offs) > 1)
        {
            if (ons > offs)
            {
                // left: split xs at offs; zip the first part with ys.
                var head = xs.GetRange(0, Math.Min(offs, xs.Count));
                var rest = xs.GetRange(head.Count, xs.Count - head.Count);
                var zipped = Zip(head, ys);
                (ons, offs) = (offs, ons - offs);
                (xs, ys) = (zipped, rest);
            }
            else
            {
                // right: split ys at ons; zip xs with the first part.
                var head = ys.GetRange(0, Math.Min(ons, ys.Count));
                var rest = ys.GetRange(head.Count, ys.Count - head.Count);
                var zipped = Zip(xs, head);
                offs -= ons;
                (xs, ys) = (zipped, rest);
            }
        }

        var rhythm = new List<bool>();
        foreach (List<bool> x in xs)
        {
            rhythm.AddRange(x);
        }

        foreach (List<bool> y in ys)
        {
            rhythm.AddRange(y);
        }

        return inverted ? rhythm.ConvertAll(on => !on).ToArray() : [.. rhythm];
    }

    private static List<List<bool>> Zip(List<List<bool>> a, List<List<bool>> b)
    {
        int count = Math.Min(a.Count, b.Count);
        var zipped = new List<List<bool>>(count);
        for (int i = 0; i < count; i++)
        {
            zipped.Add([.. a[i], .. b[i]]);
        }

        return zipped;
    }
}
