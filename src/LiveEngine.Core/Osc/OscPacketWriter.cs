using System.Buffers.Binary;
using System.Text;

namespace LiveEngine.Osc;

/// <summary>
/// Writes OSC 1.0 messages and bundles into a caller's buffer (nothing allocated). Every method returns the bytes
/// written, or -1 when the buffer is too small (then the buffer's content is unspecified).
/// </summary>
public static class OscPacketWriter
{
    /// <summary>Writes <paramref name="address"/> and <paramref name="arguments"/> as one message.</summary>
    public static int WriteMessage(Span<byte> destination, string address, ReadOnlySpan<OscValue> arguments)
    {
        ArgumentNullException.ThrowIfNull(address);
        int offset = WriteString(destination, 0, address);
        if (offset < 0 || arguments.Length + 2 > destination.Length - offset)
        {
            return -1;
        }

        int tagsStart = offset;
        destination[offset++] = (byte)',';
        foreach (OscValue value in arguments)
        {
            destination[offset++] = (byte)value.Tag;
        }

        destination[offset++] = 0;
        offset = Pad(destination, offset, tagsStart);
        if (offset < 0)
        {
            return -1;
        }

        foreach (OscValue value in arguments)
        {
            offset = WriteValue(destination, offset, value);
            if (offset < 0)
            {
                return -1;
            }
        }

        return offset;
    }

    /// <summary>Writes a message as a <see cref="OscMessage"/> holds it (its time tag is ignored: that is a bundle's).</summary>
    public static int WriteMessage(Span<byte> destination, OscMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        OscValue[] arguments = message.Arguments as OscValue[] ?? [.. message.Arguments];
        return WriteMessage(destination, message.Address, arguments);
    }

    /// <summary>Writes a bundle at <paramref name="time"/> holding <paramref name="messages"/>, in order.</summary>
    public static int WriteBundle(Span<byte> destination, OscTimeTag time, IReadOnlyList<OscMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (destination.Length < 16)
        {
            return -1;
        }

        "#bundle\0"u8.CopyTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], time.Raw);
        int offset = 16;
        foreach (OscMessage message in messages)
        {
            if (destination.Length - offset < 4)
            {
                return -1;
            }

            int size = WriteMessage(destination[(offset + 4)..], message);
            if (size < 0)
            {
                return -1;
            }

            BinaryPrimitives.WriteInt32BigEndian(destination[offset..], size);
            offset += 4 + size;
        }

        return offset;
    }

    /// <summary>A message as a new array (control side convenience).</summary>
    public static byte[] ToArray(OscMessage message)
    {
        byte[] buffer = new byte[OscPacketReader.MaxPacketBytes];
        int length = WriteMessage(buffer, message);
        return length < 0 ? throw new ArgumentException($"The OSC message {message.Address} does not fit in {OscPacketReader.MaxPacketBytes} bytes.", nameof(message)) : buffer[..length];
    }

    /// <summary>A bundle as a new array (control side convenience).</summary>
    public static byte[] ToArray(OscTimeTag time, IReadOnlyList<OscMessage> messages)
    {
        byte[] buffer = new byte[OscPacketReader.MaxPacketBytes];
        int length = WriteBundle(buffer, time, messages);
        return length < 0 ? throw new ArgumentException($"The OSC bundle does not fit in {OscPacketReader.MaxPacketBytes} bytes.", nameof(messages)) : buffer[..length];
    }

    private static int WriteValue(Span<byte> destination, int offset, OscValue value)
    {
        int room = destination.Length - offset;
        switch (value.Tag)
        {
            case 'i' or 'c' or 'r' or 'm':
                if (room < 4)
                {
                    return -1;
                }

                BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], (uint)value.RawInteger);
                return offset + 4;
            case 'f':
                if (room < 4)
                {
                    return -1;
                }

                BinaryPrimitives.WriteSingleBigEndian(destination[offset..], (float)value.RawReal);
                return offset + 4;
            case 'h' or 't':
                if (room < 8)
                {
                    return -1;
                }

                BinaryPrimitives.WriteInt64BigEndian(destination[offset..], value.RawInteger);
                return offset + 8;
            case 'd':
                if (room < 8)
                {
                    return -1;
                }

                BinaryPrimitives.WriteDoubleBigEndian(destination[offset..], value.RawReal);
                return offset + 8;
            case 's' or 'S':
                return WriteString(destination, offset, value.AsString!);
            case 'b':
                {
                    byte[] blob = value.AsBlob!;
                    if (room < 4 + ((blob.Length + 3) & ~3))
                    {
                        return -1;
                    }

                    BinaryPrimitives.WriteInt32BigEndian(destination[offset..], blob.Length);
                    blob.CopyTo(destination[(offset + 4)..]);
                    int end = offset + 4 + blob.Length;
                    destination[end..(offset + 4 + ((blob.Length + 3) & ~3))].Clear();
                    return offset + 4 + ((blob.Length + 3) & ~3);
                }

            default:
                return offset;
        }
    }

    private static int WriteString(Span<byte> destination, int offset, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        int length = max <= destination.Length - offset ? Encoding.UTF8.GetBytes(text, destination[offset..]) : Encoding.UTF8.GetByteCount(text);
        if (length + 1 > destination.Length - offset)
        {
            return -1;
        }

        if (max > destination.Length - offset)
        {
            Encoding.UTF8.GetBytes(text, destination[offset..]);
        }

        destination[offset + length] = 0;
        return Pad(destination, offset + length + 1, offset);
    }

    /// <summary>Pads with NULs from <paramref name="offset"/> to the next multiple of 4 counted from <paramref name="start"/>.</summary>
    private static int Pad(Span<byte> destination, int offset, int start)
    {
        int end = start + ((offset - start + 3) & ~3);
        if (end > destination.Length)
        {
            return -1;
        }

        destination[offset..end].Clear();
        return end;
    }
}
