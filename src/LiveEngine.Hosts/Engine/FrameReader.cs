using System.Buffers.Binary;
using System.Text;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Reads one frame's payload. Every read checks the bytes left and throws <see cref="EngineProtocolException"/>
/// naming what was missing, so a truncated or lying frame becomes an error reply, never a crash.
/// </summary>
public ref struct FrameReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _payload;
    private int _offset;

    public FrameReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
    }

    public readonly int Remaining => _payload.Length - _offset;

    /// <summary>Bytes read so far.</summary>
    internal readonly int Offset => _offset;

    /// <summary>The bytes not read yet.</summary>
    internal readonly ReadOnlySpan<byte> Unread => _payload[_offset..];

    /// <summary>The bytes read since <paramref name="offset"/> (an earlier <see cref="Offset"/>).</summary>
    internal readonly ReadOnlySpan<byte> ReadSince(int offset) => _payload[offset.._offset];

    /// <summary>Passes over <paramref name="bytes"/> bytes known to be there (a match in <see cref="Unread"/>).</summary>
    internal void Skip(int bytes) => Take(bytes, "bytes skipped");

    public byte ReadByte(string what) => Take(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public int ReadInt32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    public long ReadInt64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public double ReadDouble(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    public float ReadSingle(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));

    /// <summary>A string, looked up in <paramref name="table"/> so that names seen before allocate nothing.</summary>
    public string ReadString(string what, StringTable? table = null)
    {
        return Decode(ReadStringBytes(what), what, table);
    }

    /// <summary>
    /// Reads a string and says whether it is <paramref name="expected"/> (false for null), as <c>ReadString(what, table)
    /// == expected</c> would, but without decoding or looking it up where both are ASCII (names almost always are): what
    /// the unchanged names of a graph sent again cost (<see cref="GraphCodec"/>). Invalid UTF-8 throws as ReadString does.
    /// </summary>
    public bool ReadStringEquals(string what, string? expected, StringTable? table = null)
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes(what);
        if (expected is null)
        {
            // Still decoded, so that invalid UTF-8 is refused here as ReadString refuses it.
            _ = Decode(bytes, what, table);
            return false;
        }

        if (Ascii.Equals(bytes, expected))
        {
            return true;
        }

        // ASCII bytes that are not the expected string decode to another string; anything else is compared decoded.
        return !Ascii.IsValid(bytes) && Decode(bytes, what, table) == expected;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string what, StringTable? table)
    {
        try
        {
            return table is null ? s_strictUtf8.GetString(bytes) : table.Intern(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new EngineProtocolException($"The {what} is not valid UTF-8.");
        }
    }

    public Fraction ReadFraction(string what)
    {
        long numerator = ReadInt64(what);
        long denominator = ReadInt64(what);
        if (denominator <= 0)
        {
            throw new EngineProtocolException($"The {what}'s denominator must be positive, not {denominator}.");
        }

        return Fraction.Create(numerator, denominator);
    }

    public Quantization ReadQuantization()
    {
        byte kind = ReadByte("quantization kind");
        int count = ReadInt32("quantization count");
        Fraction beat = ReadFraction("quantization beat");
        return kind switch
        {
            (byte)QuantizationKind.Now => Quantization.Now,
            (byte)QuantizationKind.NextBeat => Quantization.NextBeat,
            (byte)QuantizationKind.NextBar => Quantization.NextBar,
            (byte)QuantizationKind.Bars when count >= 1 => Quantization.InBars(count),
            (byte)QuantizationKind.Bars => throw new EngineProtocolException($"A quantization of N bars needs N >= 1, not {count}."),
            (byte)QuantizationKind.AtBeat => Quantization.AtBeat(beat),
            _ => throw new EngineProtocolException($"Unknown quantization kind {kind} (0 now, 1 next beat, 2 next bar, 3 bars, 4 at beat)."),
        };
    }

    /// <summary>Throws unless the whole payload was read: a frame with bytes left over was not what its type says.</summary>
    public readonly void EnsureEnd(EngineMessage type)
    {
        if (Remaining != 0)
        {
            throw new EngineProtocolException($"{Remaining} unexpected byte(s) after the payload of {type}.");
        }
    }

    /// <summary>A byte string (<c>u32 count | bytes</c>), valid until the next frame is read.</summary>
    public ReadOnlySpan<byte> ReadBytes(string what) => ReadStringBytes(what);

    private ReadOnlySpan<byte> ReadStringBytes(string what)
    {
        if (Remaining < 4)
        {
            throw new EngineProtocolException($"The frame ends before the {what} length (4 byte(s) needed, {Remaining} left).");
        }

        int length = ReadInt32(what);
        if (length < 0 || length > Remaining)
        {
            throw new EngineProtocolException($"The {what} claims {length} bytes but {Remaining} are left in the frame.");
        }

        return Take(length, what);
    }

    private ReadOnlySpan<byte> Take(int bytes, string what)
    {
        if (Remaining < bytes)
        {
            throw new EngineProtocolException($"The frame ends before the {what} ({bytes} byte(s) needed, {Remaining} left).");
        }

        ReadOnlySpan<byte> span = _payload.Slice(_offset, bytes);
        _offset += bytes;
        return span;
    }
}
