using System.Globalization;

namespace LiveEngine.Osc;

/// <summary>
/// One OSC argument: its type tag and its value. Numbers and the other fixed-size types are stored inline (no
/// allocation); strings, symbols and blobs hold their own copy. Array brackets are values with the tags '[' and ']'.
/// </summary>
public readonly struct OscValue : IEquatable<OscValue>
{
    private readonly long _integer;
    private readonly double _real;
    private readonly object? _reference;

    private OscValue(char tag, long integer, double real, object? reference)
    {
        Tag = tag;
        _integer = integer;
        _real = real;
        _reference = reference;
    }

    /// <summary>The OSC type tag: i f s b h t d S c r m T F N I [ ].</summary>
    public char Tag { get; }

    public static OscValue Int32(int value) => new('i', value, 0, null);

    public static OscValue Float32(float value) => new('f', 0, value, null);

    public static OscValue String(string value) => new('s', 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    public static OscValue Blob(byte[] value) => new('b', 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    public static OscValue Int64(long value) => new('h', value, 0, null);

    public static OscValue Time(OscTimeTag value) => new('t', (long)value.Raw, 0, null);

    public static OscValue Float64(double value) => new('d', 0, value, null);

    public static OscValue Symbol(string value) => new('S', 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    public static OscValue Char(char value) => new('c', value, 0, null);

    /// <summary>An RGBA colour, red in the high byte.</summary>
    public static OscValue Rgba(uint value) => new('r', value, 0, null);

    /// <summary>A MIDI message: port id, status, data 1, data 2 (high byte first).</summary>
    public static OscValue Midi(uint value) => new('m', value, 0, null);

    public static OscValue Bool(bool value) => new(value ? 'T' : 'F', value ? 1 : 0, 0, null);

    public static OscValue Nil => new('N', 0, 0, null);

    public static OscValue Infinitum => new('I', 0, 0, null);

    public static OscValue ArrayBegin => new('[', 0, 0, null);

    public static OscValue ArrayEnd => new(']', 0, 0, null);

    internal static OscValue FromRaw(char tag, long integer, double real, object? reference) => new(tag, integer, real, reference);

    internal long RawInteger => _integer;

    internal double RawReal => _real;

    /// <summary>Whether the value is a number (i h f d), a boolean (T F) or a char: what a parameter or variable accepts.</summary>
    public bool IsNumeric => Tag is 'i' or 'h' or 'f' or 'd' or 'T' or 'F' or 'c';

    /// <summary>The value as a double (booleans 1 and 0); false for strings, blobs and the rest.</summary>
    public bool TryGetDouble(out double value)
    {
        switch (Tag)
        {
            case 'i' or 'h' or 'T' or 'F' or 'c':
                value = _integer;
                return true;
            case 'f' or 'd':
                value = _real;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    public int AsInt32 => Tag == 'i' ? (int)_integer : throw new InvalidOperationException($"OSC argument of type '{Tag}' is not an int32.");

    public long AsInt64 => Tag is 'i' or 'h' ? _integer : throw new InvalidOperationException($"OSC argument of type '{Tag}' is not an integer.");

    public double AsDouble => TryGetDouble(out double v) ? v : throw new InvalidOperationException($"OSC argument of type '{Tag}' is not a number.");

    /// <summary>The text of a string or symbol; null for anything else.</summary>
    public string? AsString => _reference as string;

    /// <summary>The bytes of a blob; null for anything else.</summary>
    public byte[]? AsBlob => _reference as byte[];

    public OscTimeTag AsTime => new((ulong)_integer);

    public bool Equals(OscValue other) => Tag == other.Tag && _integer == other._integer && _real.Equals(other._real)
        && (_reference is byte[] a && other._reference is byte[] b ? a.AsSpan().SequenceEqual(b) : Equals(_reference, other._reference));

    public override bool Equals(object? obj) => obj is OscValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Tag, _integer, _real, _reference is string s ? s : null);

    public static bool operator ==(OscValue left, OscValue right) => left.Equals(right);

    public static bool operator !=(OscValue left, OscValue right) => !left.Equals(right);

    public override string ToString() => Tag switch
    {
        'i' or 'h' => _integer.ToString(CultureInfo.InvariantCulture),
        'f' or 'd' => _real.ToString("R", CultureInfo.InvariantCulture),
        's' or 'S' => "\"" + (string)_reference! + "\"",
        'b' => $"blob[{((byte[])_reference!).Length}]",
        'T' => "true",
        'F' => "false",
        'N' => "nil",
        'I' => "infinitum",
        'c' => "'" + (char)_integer + "'",
        't' => "time:" + ((ulong)_integer).ToString("X16", CultureInfo.InvariantCulture),
        'r' => "rgba:" + _integer.ToString("X8", CultureInfo.InvariantCulture),
        'm' => "midi:" + _integer.ToString("X8", CultureInfo.InvariantCulture),
        _ => Tag.ToString(),
    };
}
