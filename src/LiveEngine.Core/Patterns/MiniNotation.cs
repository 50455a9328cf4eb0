using System.Globalization;
using LiveEngine.Time;

namespace LiveEngine.Patterns;

/// <summary>
/// Tidal/Strudel mini-notation: <c>"bd*2 [sn cp] &lt;hh oh&gt;"</c> read into a <see cref="Pattern{T}"/>. The
/// subset in docs/tracker.md: sequences, <c>[ ]</c>, <c>.</c> feet, <c>*</c> <c>/</c>, <c>&lt; &gt;</c>, <c>~</c>
/// <c>-</c> rests, <c>,</c> stacks, <c>|</c> random choice, <c>{ }</c> polymeter with <c>%</c>, Euclid
/// <c>(3,8)</c> <c>(3,8,2)</c>, <c>?</c> degrade, <c>!</c> replicate, <c>@</c> <c>_</c> elongate, <c>:</c> tails.
/// </summary>
/// <remarks>
/// Design: the parser follows Strudel's grammar (@strudel/mini krill.pegjs) rule by rule, including the order in
/// which it numbers the random seeds of <c>?</c> and <c>|</c>; the evaluator follows <c>patternifyAST</c>
/// (mini.mjs) over the port of Strudel's pattern core in this folder. Checked against Strudel itself
/// (tools/strudel, MiniNotationStrudelTests).
/// </remarks>
public static class MiniNotation
{
    /// <summary>Reads a pattern; throws <see cref="MiniNotationException"/> naming the column of a mistake.</summary>
    public static Pattern<MiniValue> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new MiniNotationParser(text);
        MiniNotationParser.Node root = parser.ParseRoot();
        return Evaluate(root);
    }

    /// <summary>The most leaf events one <see cref="Events"/> call may make before it gives up.</summary>
    public const long MaxQueryEvents = 1_000_000;

    /// <summary>
    /// The events that start in [<paramref name="from"/>, <paramref name="to"/>) cycles, ordered by begin, end and value.
    /// A pattern that would make more than <see cref="MaxQueryEvents"/> events is refused (<see cref="MiniNotationException"/>).
    /// </summary>
    public static List<Hap<MiniValue>> Events(Pattern<MiniValue> pattern, Fraction from, Fraction to)
    {
        List<Hap<MiniValue>> haps = QueryBudget.Run(MaxQueryEvents, () => pattern.QueryArc(from, to)).FindAll(hap => hap.HasOnset);
        haps.Sort((a, b) =>
        {
            int c = a.Whole!.Value.Begin.CompareTo(b.Whole!.Value.Begin);
            if (c == 0)
            {
                c = a.Whole.Value.End.CompareTo(b.Whole.Value.End);
            }

            return c != 0 ? c : string.CompareOrdinal(a.Value.ToJson(), b.Value.ToJson());
        });
        return haps;
    }

    private static Pattern<MiniValue> Evaluate(MiniNotationParser.Node node)
    {
        switch (node)
        {
            case MiniNotationParser.Atom atom:
                return atom.Source is "~" or "-" ? Patterns.Silence<MiniValue>() : Patterns.Pure(MiniValue.FromWord(atom.Source));

            case MiniNotationParser.Element element:
                // Strudel: an element's operators are applied by the sequence holding it, not when it is entered.
                return Evaluate(element.Slice);

            case MiniNotationParser.Sequence sequence:
                {
                    var parts = new List<(Fraction, Pattern<MiniValue>)>();
                    Fraction total = Fraction.Zero;
                    bool weighted = false;
                    foreach (MiniNotationParser.Element child in sequence.Elements)
                    {
                        // Strudel: `weight || Fraction(1)`, so a weight that adds up to 0 ("a@0.5@0.5") counts as 1.
                        Fraction weight = child.Weight == Fraction.Zero ? 1 : child.Weight;
                        parts.Add((weight, ApplyOperators(Evaluate(child.Slice), child)));
                        total += weight;
                        weighted |= child.Weight != Fraction.Zero;
                    }

                    Pattern<MiniValue> result;
                    if (weighted)
                    {
                        result = parts.Count == 1 ? new Pattern<MiniValue>(parts[0].Item2.Query) : Patterns.TimeCat(parts);
                        result.Weight = total;
                    }
                    else
                    {
                        result = Patterns.FastCat(parts.ConvertAll(p => p.Item2));
                    }

                    return result;
                }

            case MiniNotationParser.Group group:
                {
                    List<Pattern<MiniValue>> children = group.Sequences.ConvertAll(Evaluate);
                    return group.Alignment switch
                    {
                        MiniNotationParser.Alignment.Stack => Patterns.Stack(children),
                        MiniNotationParser.Alignment.Feet => Patterns.FastCat(children),
                        MiniNotationParser.Alignment.Random => ChooseIn(group.Seed, children),
                        MiniNotationParser.Alignment.SlowSequence => Patterns.Stack(children.ConvertAll(c => c.Slow(WeightOf(c)))),
                        MiniNotationParser.Alignment.Polymeter => Polymeter(group, children),
                        _ => throw new InvalidOperationException(group.Alignment.ToString()),
                    };
                }

            default:
                throw new InvalidOperationException(node.GetType().Name);
        }
    }

    private static Fraction WeightOf(Pattern<MiniValue> pattern) => pattern.Weight ?? 1;

    private static Pattern<MiniValue> Polymeter(MiniNotationParser.Group group, List<Pattern<MiniValue>> children)
    {
        Pattern<Fraction> steps = group.StepsPerCycle is { } node
            ? Evaluate(node).Fmap(v => ToFraction(v, node.Column, "a polymeter's steps per cycle"))
            : Patterns.Pure(children.Count > 0 ? WeightOf(children[0]) : 1).Fmap(x => x);
        return Patterns.Stack(children.ConvertAll(child =>
        {
            Fraction weight = WeightOf(child);
            return Patterns.InnerJoin(steps.Fmap(x => child.Fast(x / weight)));
        }));
    }

    private static Pattern<MiniValue> ChooseIn(int seed, List<Pattern<MiniValue>> children)
    {
        if (children.Count == 0)
        {
            return Patterns.Silence<MiniValue>();
        }

        // Strudel: chooseInWith(rand.early(0.0003 * seed).segment(1), children): one choice per cycle.
        Pattern<double> random = StrudelRandom.Signal().Early(StrudelRandom.SeedOffset(seed));
        Pattern<double> perCycle = random.AppRight(Patterns.Pure(true).Fast(1), (r, _) => r);
        int count = children.Count;
        Pattern<double> scaled = perCycle.AppLeft(Patterns.Pure((double)count), (r, n) => (r * n) + 0);
        return Patterns.InnerJoin(scaled.Fmap(i => children[Math.Min(Math.Max((int)Math.Floor(i), 0), count - 1)]));
    }

    private static Pattern<MiniValue> ApplyOperators(Pattern<MiniValue> pattern, MiniNotationParser.Element element)
    {
        foreach (MiniNotationParser.Operator op in element.Operators)
        {
            Pattern<MiniValue> current = pattern;
            switch (op)
            {
                case MiniNotationParser.Stretch stretch:
                    {
                        Pattern<MiniValue> amount = Evaluate(stretch.Amount);
                        string what = stretch.Fast ? "'*'" : "'/'";
                        pattern = Patterns.Patternify(amount, v =>
                        {
                            Fraction factor = ToFraction(v, stretch.Column, what);
                            return stretch.Fast ? current.Fast(factor) : current.Slow(factor);
                        });
                        break;
                    }

                case MiniNotationParser.Replicate replicate:
                    pattern = current.RepeatCycles(replicate.Times).Fast(replicate.Times);
                    break;

                case MiniNotationParser.EuclidOperator euclid:
                    pattern = EuclidOf(current, euclid);
                    break;

                case MiniNotationParser.Degrade degrade:
                    {
                        double amount = degrade.Amount ?? 0.5;
                        Pattern<double> random = StrudelRandom.Signal().Early(StrudelRandom.SeedOffset(degrade.Seed)).FilterValues(r => r > amount);
                        pattern = current.AppLeft(random, (value, _) => value);
                        break;
                    }

                case MiniNotationParser.Tail tail:
                    pattern = current.AppLeft(Evaluate(tail.Friend), (a, b) => new MiniValue(a + ":" + b, null));
                    break;

                default:
                    throw new InvalidOperationException(op.GetType().Name);
            }
        }

        return pattern;
    }

    private static Pattern<MiniValue> EuclidOf(Pattern<MiniValue> pattern, MiniNotationParser.EuclidOperator euclid)
    {
        Pattern<MiniValue> pulses = Evaluate(euclid.Pulses);
        Pattern<MiniValue> steps = Evaluate(euclid.Steps);
        Pattern<MiniValue> rotation = euclid.Rotation is { } r ? Evaluate(r) : Patterns.Pure(new MiniValue("0", 0));
        Pattern<MiniValue> Apply(MiniValue p, MiniValue s, MiniValue rot) => Patterns.Euclid(
            pattern,
            ToInt(p, euclid.Column, "a Euclidean rhythm's pulses"),
            ToInt(s, euclid.Column, "a Euclidean rhythm's steps"),
            ToInt(rot, euclid.Column, "a Euclidean rhythm's rotation"));

        if (pulses.IsPure && steps.IsPure && rotation.IsPure)
        {
            return Apply(pulses.PureValue, steps.PureValue, rotation.PureValue);
        }

        Pattern<(MiniValue, MiniValue)> two = pulses.AppLeft(steps, (p, s) => (p, s));
        Pattern<(MiniValue, MiniValue, MiniValue)> three = euclid.Rotation is null
            ? two.Fmap(ps => (ps.Item1, ps.Item2, new MiniValue("0", 0)))
            : two.AppLeft(rotation, (ps, rot) => (ps.Item1, ps.Item2, rot));
        return Patterns.InnerJoin(three.Fmap(args => Apply(args.Item1, args.Item2, args.Item3)));
    }

    private static Fraction ToFraction(MiniValue value, int column, string what)
    {
        if (value.IsNumber && Fraction.TryParse(value.Text, out Fraction exact))
        {
            return exact;
        }

        if (value.Number is double number && double.IsFinite(number))
        {
            return Fraction.FromDecimal((decimal)number);
        }

        throw new MiniNotationException($"column {column}: {what} must be a number, not '{value.Text}'.", column);
    }

    private static int ToInt(MiniValue value, int column, string what)
    {
        if (value.Number is double number && number == Math.Floor(number) && Math.Abs(number) <= 1_000_000)
        {
            return (int)number;
        }

        throw new MiniNotationException(
            string.Create(CultureInfo.InvariantCulture, $"column {column}: {what} must be a whole number up to a million, not '{value.Text}'."),
            column);
    }
}
