using System.Globalization;
using LiveEngine.Time;

namespace LiveEngine.Patterns;

/// <summary>
/// The mini-notation grammar, a recursive-descent reading of Strudel's krill.pegjs (same rules, same order of
/// alternatives, same numbering of random seeds). Builds a small syntax tree for <see cref="MiniNotation"/>.
/// </summary>
internal sealed class MiniNotationParser
{
    private readonly string _text;
    private int _position;
    private int _seed;

    public MiniNotationParser(string text)
    {
        _text = text;
    }

    internal enum Alignment
    {
        Stack,
        Random,
        Feet,
        Polymeter,
        SlowSequence,
    }

    /// <summary>The whole text: a stack, a choice or a sequence.</summary>
    public Node ParseRoot()
    {
        SkipWhitespace();
        Node root = ParseStackOrChoose();
        SkipWhitespace();
        if (_position < _text.Length)
        {
            throw Error($"unexpected '{_text[_position]}'");
        }

        return root;
    }

    // stack_or_choose = head:sequence tail:(stack_tail / choose_tail / dot_tail)?
    private Node ParseStackOrChoose()
    {
        Sequence head = ParseSequence();
        foreach ((char separator, Alignment alignment) in new[] { (',', Alignment.Stack), ('|', Alignment.Random), ('.', Alignment.Feet) })
        {
            List<Sequence>? tail = ParseTail(separator);
            if (tail is not null)
            {
                var group = new Group([head, .. tail], alignment, Column(_position));

                // Strudel numbers a choice's seed (and, unused, a foot's) after parsing its sequences.
                if (alignment is Alignment.Random or Alignment.Feet)
                {
                    group.Seed = _seed++;
                }

                return group;
            }
        }

        return head;
    }

    // (ws SEP ws @sequence)+ ; null when not even one matches.
    private List<Sequence>? ParseTail(char separator)
    {
        List<Sequence>? list = null;
        while (true)
        {
            int start = _position;
            SkipWhitespace();
            if (!TryChar(separator) || (separator == '.' && Peek() == '.'))
            {
                _position = start;
                return list;
            }

            SkipWhitespace();
            list ??= [];
            list.Add(ParseSequence());
        }
    }

    // polymeter_stack = head:sequence tail:stack_tail?
    private List<Sequence> ParsePolymeterStack()
    {
        var list = new List<Sequence> { ParseSequence() };
        if (ParseTail(',') is { } tail)
        {
            list.AddRange(tail);
        }

        return list;
    }

    // sequence = '^'? s:(slice_with_ops)+
    private Sequence ParseSequence()
    {
        int start = _position;
        if (Peek() == '^')
        {
            _position++;
        }

        var elements = new List<Element>();
        while (TryParseSliceWithOperators() is { } element)
        {
            elements.Add(element);
        }

        if (elements.Count == 0)
        {
            _position = Math.Max(_position, start);
            throw Error(_position < _text.Length ? $"expected a step, '[', '{{' or '<', not '{_text[_position]}'" : "expected a step, '[', '{' or '<', not the end of the pattern");
        }

        return new Sequence(elements, Column(start));
    }

    // slice_with_ops = s:slice ops:slice_op*
    private Element? TryParseSliceWithOperators()
    {
        int start = _position;
        Node? slice = TryParseSlice();
        if (slice is null)
        {
            _position = start;
            return null;
        }

        var element = new Element(slice, Column(start));
        var degrades = new List<Degrade>();
        while (TryParseOperator(element, degrades))
        {
        }

        // Strudel assigns the seeds of '?' when the element is complete, in the order of its operators.
        foreach (Degrade degrade in degrades)
        {
            degrade.Seed = _seed++;
        }

        return element;
    }

    // slice = step / sub_cycle / polymeter / slow_sequence
    private Node? TryParseSlice()
    {
        int start = _position;
        if (TryParseStep() is { } atom)
        {
            return atom;
        }

        _position = start;
        SkipWhitespace();
        int column = Column(_position);
        if (TryChar('['))
        {
            SkipWhitespace();
            Node inner = ParseStackOrChoose();
            SkipWhitespace();
            Expect(']');
            SkipWhitespace();
            return inner;
        }

        if (TryChar('{'))
        {
            SkipWhitespace();
            List<Sequence> sequences = ParsePolymeterStack();
            SkipWhitespace();
            Expect('}');
            Node? steps = null;
            if (TryChar('%'))
            {
                steps = TryParseSlice() ?? throw Error("expected the steps per cycle after '%'");
            }

            SkipWhitespace();
            return new Group(sequences, Alignment.Polymeter, column) { StepsPerCycle = steps };
        }

        if (TryChar('<'))
        {
            SkipWhitespace();
            List<Sequence> sequences = ParsePolymeterStack();
            SkipWhitespace();
            Expect('>');
            SkipWhitespace();
            return new Group(sequences, Alignment.SlowSequence, column);
        }

        _position = start;
        return null;
    }

    // step = ws chars:step_char+ ws !{ s === "." || s === "_" }
    private Atom? TryParseStep()
    {
        SkipWhitespace();
        int start = _position;
        while (_position < _text.Length && IsStepChar(_text[_position]))
        {
            _position++;
        }

        if (_position == start)
        {
            return null;
        }

        string chars = _text[start.._position];
        SkipWhitespace();
        return chars is "." or "_" ? null : new Atom(chars, Column(start));
    }

    // slice_op = op_weight / op_bjorklund / op_slow / op_fast / op_replicate / op_degrade / op_tail / op_range
    private bool TryParseOperator(Element element, List<Degrade> degrades)
    {
        int start = _position;
        SkipWhitespace();
        int column = Column(_position);
        if (TryChar('@') || TryChar('_'))
        {
            Fraction amount = TryParseNumber(out Fraction n) ? n : 2;
            element.Weight = element.Weight + amount - 1;
            return true;
        }

        _position = start;
        if (TryChar('('))
        {
            SkipWhitespace();
            Element pulses = TryParseSliceWithOperators() ?? throw Error("expected the number of pulses after '('");
            SkipWhitespace();
            Expect(',');
            SkipWhitespace();
            Element steps = TryParseSliceWithOperators() ?? throw Error("expected the number of steps");
            SkipWhitespace();
            if (TryChar(','))
            {
                SkipWhitespace();
            }

            SkipWhitespace();
            Element? rotation = TryParseSliceWithOperators();
            SkipWhitespace();
            Expect(')');
            element.Operators.Add(new EuclidOperator(pulses, steps, rotation, column));
            return true;
        }

        if (TryChar('/') || TryChar('*'))
        {
            bool fast = _text[_position - 1] == '*';
            Node amount = TryParseSlice() ?? throw Error($"expected a number after '{(fast ? '*' : '/')}'");
            element.Operators.Add(new Stretch(fast, amount, column));
            return true;
        }

        SkipWhitespace();
        column = Column(_position);
        if (TryChar('!'))
        {
            Fraction amount = TryParseNumber(out Fraction n) ? n : 2;
            element.Replications = element.Replications + amount - 1;
            element.Operators.RemoveAll(o => o is Replicate);
            element.Operators.Add(new Replicate(element.Replications));
            element.Weight = element.Replications;
            return true;
        }

        _position = start;
        if (TryChar('?'))
        {
            double? amount = TryParseNumber(out Fraction n) ? n.ToDouble() : null;
            var degrade = new Degrade(amount);
            degrades.Add(degrade);
            element.Operators.Add(degrade);
            return true;
        }

        if (TryChar(':'))
        {
            Node friend = TryParseSlice() ?? throw Error("expected a value after ':'");
            element.Operators.Add(new Tail(friend));
            return true;
        }

        if (Peek() == '.' && _position + 1 < _text.Length && _text[_position + 1] == '.')
        {
            throw Error("ranges ('..') are not part of LiveEngine's mini-notation subset");
        }

        _position = start;
        return false;
    }

    // number = minus? int frac? exp?  (read exactly, as a fraction)
    private bool TryParseNumber(out Fraction value)
    {
        value = Fraction.Zero;
        int start = _position;
        int p = _position;
        if (p < _text.Length && _text[p] == '-')
        {
            p++;
        }

        if (p >= _text.Length || !char.IsAsciiDigit(_text[p]))
        {
            return false;
        }

        if (_text[p] == '0')
        {
            p++;
        }
        else
        {
            while (p < _text.Length && char.IsAsciiDigit(_text[p]))
            {
                p++;
            }
        }

        if (p + 1 < _text.Length && _text[p] == '.' && char.IsAsciiDigit(_text[p + 1]))
        {
            p++;
            while (p < _text.Length && char.IsAsciiDigit(_text[p]))
            {
                p++;
            }
        }

        int mantissaEnd = p;
        int exponent = 0;
        if (p < _text.Length && _text[p] is 'e' or 'E')
        {
            int q = p + 1;
            if (q < _text.Length && _text[q] is '-' or '+')
            {
                q++;
            }

            int digits = q;
            while (q < _text.Length && char.IsAsciiDigit(_text[q]))
            {
                q++;
            }

            if (q > digits)
            {
                exponent = int.Parse(_text.AsSpan(p + 1, q - p - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                p = q;
            }
        }

        if (!Fraction.TryParse(_text[start..mantissaEnd], out value) || Math.Abs(exponent) > 12)
        {
            throw Error("a number out of range");
        }

        value *= exponent >= 0 ? Fraction.FromInteger((long)Math.Pow(10, exponent)) : Fraction.Create(1, (long)Math.Pow(10, -exponent));
        _position = p;
        return true;
    }

    private static bool IsStepChar(char c)
    {
        if (char.IsAsciiDigit(c) || c is '~' or '-' or '#' or '.' or '^' or '_')
        {
            return true;
        }

        return char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.LetterNumber;
    }

    private void SkipWhitespace()
    {
        while (_position < _text.Length && _text[_position] is ' ' or '\n' or '\r' or '\t' or '\u00A0')
        {
            _position++;
        }
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private bool TryChar(char c)
    {
        if (Peek() == c && _position < _text.Length)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void Expect(char c)
    {
        if (!TryChar(c))
        {
            throw Error(_position < _text.Length ? $"expected '{c}', not '{_text[_position]}'" : $"expected '{c}' before the end of the pattern");
        }
    }

    private static int Column(int position) => position + 1;

    private MiniNotationException Error(string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"column {Column(_position)}: {what}: \"{_text}\""), Column(_position));

    internal abstract class Node
    {
        protected Node(int column)
        {
            Column = column;
        }

        public int Column { get; }
    }

    internal sealed class Atom(string source, int column) : Node(column)
    {
        public string Source { get; } = source;
    }

    internal sealed class Sequence(List<Element> elements, int column) : Node(column)
    {
        public List<Element> Elements { get; } = elements;
    }

    internal sealed class Group(List<Sequence> sequences, Alignment alignment, int column) : Node(column)
    {
        public List<Sequence> Sequences { get; } = sequences;

        public Alignment Alignment { get; } = alignment;

        public int Seed { get; set; }

        public Node? StepsPerCycle { get; init; }
    }

    internal sealed class Element(Node slice, int column) : Node(column)
    {
        public Node Slice { get; } = slice;

        public List<Operator> Operators { get; } = [];

        public Fraction Weight { get; set; } = 1;

        public Fraction Replications { get; set; } = 1;
    }

    internal abstract class Operator
    {
    }

    internal sealed class Stretch(bool fast, Node amount, int column) : Operator
    {
        public bool Fast { get; } = fast;

        public Node Amount { get; } = amount;

        public int Column { get; } = column;
    }

    internal sealed class Replicate(Fraction times) : Operator
    {
        public Fraction Times { get; } = times;
    }

    internal sealed class EuclidOperator(Element pulses, Element steps, Element? rotation, int column) : Operator
    {
        public Element Pulses { get; } = pulses;

        public Element Steps { get; } = steps;

        public Element? Rotation { get; } = rotation;

        public int Column { get; } = column;
    }

    internal sealed class Degrade(double? amount) : Operator
    {
        public double? Amount { get; } = amount;

        public int Seed { get; set; }
    }

    internal sealed class Tail(Node friend) : Operator
    {
        public Node Friend { get; } = friend;
    }
}
