using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Builds one frame at a time in a pooled buffer that grows as needed and is reused for the next frame: steady
/// state allocates nothing. One thread at a time.
/// </summary>
public sealed class FrameWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public FrameWriter(int initialBytes = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialBytes);
    }

    /// <summary>The finished frame, length prefix included.</summary>
    public ReadOnlySpan<byte> Frame => _buffer.AsSpan(0, _length);

    /// <summary>Starts a frame of <paramref name="type"/> answering or asking <paramref name="requestId"/>.</summary>
    public void Begin(ushort type, uint requestId)
    {
        _length = EngineProtocol.LengthBytes;
        WriteUInt16(type);
        WriteUInt32(requestId);
    }

    /// <summary>Writes the length prefix; <see cref="Frame"/> is then ready to send.</summary>
    public void Finish()
    {
        int length = _length - EngineProtocol.LengthBytes;
        if (length > EngineProtocol.MaxFrameBytes)
        {
            throw new EngineProtocolException($"A frame of {length} bytes is over the protocol's limit of {EngineProtocol.MaxFrameBytes}.");
        }

        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)length);
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);

    public void WriteString(string value)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        WriteInt32(bytes);
        Encoding.UTF8.GetBytes(value, Reserve(bytes));
    }

    /// <summary>A byte string: <c>u32 count | bytes</c>.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteFraction(Fraction value)
    {
        WriteInt64(value.Numerator);
        WriteInt64(value.Denominator);
    }

    public void WriteQuantization(Quantization value)
    {
        WriteByte((byte)value.Kind);
        WriteInt32(value.Count);
        WriteFraction(value.Beat);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_length + bytes > _buffer.Length)
        {
            Grow(_length + bytes);
        }

        Span<byte> span = _buffer.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }

    private void Grow(int needed)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
