using System.Globalization;
using System.Numerics;

namespace LiveEngine.Patterns;

/// <summary>
/// A mini-notation value: a word (<c>bd</c>, <c>c4</c>, <c>bd:3</c>) or a number (<c>0.5</c>), as Strudel makes a
/// number of every word JavaScript's <c>Number()</c> reads as one.
/// </summary>
public readonly record struct MiniValue(string Text, double? Number)
{
    public bool IsNumber => Number.HasValue;

    public static MiniValue FromWord(string word)
    {
        if (TryReadNumber(word, out double number))
        {
            return new MiniValue(word, number);
        }

        return new MiniValue(word, null);
    }

    /// <summary>The value as JSON: a number as JavaScript prints it, a word as a string.</summary>
    public string ToJson()
    {
        if (Number is double number)
        {
            return FormatNumber(number);
        }

        return System.Text.Json.JsonSerializer.Serialize(Text);
    }

    public override string ToString() => Number is double number ? FormatNumber(number) : Text;

    private static string FormatNumber(double number)
    {
        if (double.IsInfinity(number))
        {
            return "null";
        }

        if (number == Math.Floor(number) && Math.Abs(number) < 1e21)
        {
            return new BigInteger(number).ToString(CultureInfo.InvariantCulture);
        }

        return number.ToString("R", CultureInfo.InvariantCulture);
    }

    // JavaScript's Number() on a word of mini-notation's step characters: decimal, with an optional exponent.
    private static bool TryReadNumber(string word, out double number)
    {
        number = 0;
        if (word.Length == 0 || word.Contains('_') || word.Contains('#') || word.Contains('^') || word.Contains('~'))
        {
            return false;
        }

        foreach (char c in word)
        {
            if (!(char.IsAsciiDigit(c) || c is '.' or '-' or '+' or 'e' or 'E'))
            {
                return false;
            }
        }

        return double.TryParse(word, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out number)
            && word != "." && word != "-";
    }
}
