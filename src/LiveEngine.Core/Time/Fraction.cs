using System.Globalization;
using System.Numerics;

namespace LiveEngine.Time;

/// <summary>
/// An exact rational number (numerator over a positive denominator, always reduced): musical positions and
/// tempi, so that beats and samples convert without drift however long the session runs. Operations check for
/// overflow of the 64-bit parts (through 128-bit intermediates) and throw rather than wrap.
/// </summary>
public readonly struct Fraction : IEquatable<Fraction>, IComparable<Fraction>
{
    // 0 only in default(Fraction), which means 0/1.
    private readonly long _denominator;

    private Fraction(long numerator, long denominator)
    {
        Numerator = numerator;
        _denominator = denominator;
    }

    public long Numerator { get; }

    /// <summary>Always positive.</summary>
    public long Denominator => _denominator == 0 ? 1 : _denominator;

    public static Fraction Zero => default;

    public static Fraction Create(Int128 numerator, Int128 denominator)
    {
        if (denominator == 0)
        {
            throw new DivideByZeroException("A fraction's denominator cannot be zero.");
        }

        if (denominator < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }

        Int128 gcd = Gcd(Int128.Abs(numerator), denominator);
        if (gcd > 1)
        {
            numerator /= gcd;
            denominator /= gcd;
        }

        if (numerator > long.MaxValue || numerator < long.MinValue || denominator > long.MaxValue)
        {
            throw new OverflowException("The fraction does not fit in 64-bit parts.");
        }

        return new Fraction((long)numerator, (long)denominator);
    }

    public static Fraction FromInteger(long value) => Create(value, 1);

    /// <summary>A decimal such as 128.5, exactly (it is parsed as text, not through binary floating point).</summary>
    public static Fraction FromDecimal(decimal value)
    {
        int[] bits = decimal.GetBits(value);
        int scale = (bits[3] >> 16) & 0xFF;
        Int128 mantissa = ((Int128)(uint)bits[2] << 64) | ((Int128)(uint)bits[1] << 32) | (uint)bits[0];
        if (bits[3] < 0)
        {
            mantissa = -mantissa;
        }

        return Create(mantissa, Int128.CreateChecked(BigInteger.Pow(10, scale)));
    }

    public static Fraction operator +(Fraction a, Fraction b) =>
        Create(((Int128)a.Numerator * b.Denominator) + ((Int128)b.Numerator * a.Denominator), (Int128)a.Denominator * b.Denominator);

    public static Fraction operator -(Fraction a, Fraction b) =>
        Create(((Int128)a.Numerator * b.Denominator) - ((Int128)b.Numerator * a.Denominator), (Int128)a.Denominator * b.Denominator);

    public static Fraction operator *(Fraction a, Fraction b) =>
        Create((Int128)a.Numerator * b.Numerator, (Int128)a.Denominator * b.Denominator);

    public static Fraction operator /(Fraction a, Fraction b) =>
        Create((Int128)a.Numerator * b.Denominator, (Int128)a.Denominator * b.Numerator);

    public static bool operator <(Fraction a, Fraction b) => a.CompareTo(b) < 0;

    public static bool operator >(Fraction a, Fraction b) => a.CompareTo(b) > 0;

    public static bool operator <=(Fraction a, Fraction b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Fraction a, Fraction b) => a.CompareTo(b) >= 0;

    public static bool operator ==(Fraction a, Fraction b) => a.Equals(b);

    public static bool operator !=(Fraction a, Fraction b) => !a.Equals(b);

    public static implicit operator Fraction(long value) => FromInteger(value);

    /// <summary>The largest integer not above the value.</summary>
    public long Floor()
    {
        long quotient = Math.DivRem(Numerator, Denominator, out long remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    /// <summary>The smallest integer not below the value.</summary>
    public long Ceiling()
    {
        long quotient = Math.DivRem(Numerator, Denominator, out long remainder);
        return remainder > 0 ? quotient + 1 : quotient;
    }

    public bool IsInteger => Denominator == 1;

    public double ToDouble() => Numerator / (double)Denominator;

    public int CompareTo(Fraction other) => ((Int128)Numerator * other.Denominator).CompareTo((Int128)other.Numerator * Denominator);

    public bool Equals(Fraction other) => Numerator == other.Numerator && Denominator == other.Denominator;

    public override bool Equals(object? obj) => obj is Fraction other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Numerator, Denominator);

    public override string ToString() => Denominator == 1
        ? Numerator.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");

    /// <summary>Parses <c>7</c>, <c>-3/4</c> or a decimal such as <c>0.25</c>. False (and zero) on anything else.</summary>
    public static bool TryParse(string? text, out Fraction value)
    {
        value = Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        int slash = text.IndexOf('/');
        if (slash >= 0)
        {
            if (long.TryParse(text.AsSpan(0, slash), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
                && long.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long d) && d != 0)
            {
                value = Create(n, d);
                return true;
            }

            return false;
        }

        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
        {
            value = FromDecimal(number);
            return true;
        }

        return false;
    }

    private static Int128 Gcd(Int128 a, Int128 b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a == 0 ? 1 : a;
    }
}
