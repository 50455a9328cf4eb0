using System.Buffers.Binary;
using System.Text;

namespace LiveEngine.Osc;

/// <summary>
/// Reads OSC 1.0 packets (a message, or a bundle of messages and bundles with time tags). Any input is safe: a
/// malformed packet returns an <see cref="OscReadError"/> (and adds nothing), never throws, never reads outside the
/// span, and its cost is bounded by its length (nesting, argument and message counts are capped).
/// </summary>
/// <remarks>
/// Design: OSC 1.0 (opensoundcontrol.org/spec-1_0): every element is a multiple of 4 bytes, big-endian; a string is
/// NUL-terminated and padded with NULs to 4 bytes; a bundle is "#bundle", a time tag and size-prefixed elements, and
/// a nested bundle's messages take the nested time tag. A message without a type tag string (pre-1.0 senders) has no
/// arguments. Strings are decoded as UTF-8 with replacement characters. Numbers, booleans, nil and the other
/// fixed-size types allocate nothing; strings and blobs are copied out of the packet.
/// </remarks>
public static class OscPacketReader
{
    /// <summary>The largest packet accepted (a UDP datagram's limit).</summary>
    public const int MaxPacketBytes = 65_536;

    /// <summary>Bundles nested deeper than this are refused.</summary>
    public const int MaxDepth = 8;

    /// <summary>Arguments of one message, array brackets included.</summary>
    public const int MaxArguments = 256;

    /// <summary>Messages in one packet, all bundles together.</summary>
    public const int MaxMessages = 1024;

    private static ReadOnlySpan<byte> BundleTag => "#bundle\0"u8;

    /// <summary>
    /// Reads <paramref name="packet"/> and appends its messages to <paramref name="messages"/>, in packet order, each
    /// with the time tag of the bundle that holds it (<see cref="OscTimeTag.Immediately"/> for a bare message).
    /// Returns <see cref="OscReadError.None"/>, or why the packet was refused; a refused packet adds nothing.
    /// </summary>
    public static OscReadError TryRead(ReadOnlySpan<byte> packet, List<OscMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        int start = messages.Count;
        OscReadError error = packet.Length > MaxPacketBytes ? OscReadError.TooLarge : ReadElement(packet, OscTimeTag.Immediately, 0, messages, start);
        if (error != OscReadError.None)
        {
            messages.RemoveRange(start, messages.Count - start);
        }

        return error;
    }

    /// <summary>What went wrong, in a sentence a performer can act on.</summary>
    public static string Describe(OscReadError error) => error switch
    {
        OscReadError.None => "no error",
        OscReadError.Empty => "the packet is empty",
        OscReadError.TooLarge => $"the packet is larger than {MaxPacketBytes} bytes",
        OscReadError.NotAligned => "the packet's length is not a multiple of 4 bytes (OSC pads every element to 4)",
        OscReadError.BadAddress => "the address does not start with '/' or holds control characters",
        OscReadError.UnterminatedString => "a string has no terminating NUL within the packet",
        OscReadError.MissingTypeTags => "the type tag string (',' and one letter per argument) is missing",
        OscReadError.UnknownTypeTag => "a type tag is not one of i f s b h t d S c r m T F N I [ ]",
        OscReadError.Truncated => "the packet ends before its arguments do",
        OscReadError.BadBundleHeader => "the bundle has no time tag after '#bundle'",
        OscReadError.BadElementSize => "a bundle element's size is negative, not a multiple of 4 or past the bundle's end",
        OscReadError.NestingTooDeep => $"bundles are nested deeper than {MaxDepth}",
        OscReadError.UnbalancedArray => "the array brackets '[' and ']' do not match",
        OscReadError.TooManyArguments => $"a message has more than {MaxArguments} arguments",
        OscReadError.TooManyMessages => $"the packet holds more than {MaxMessages} messages",
        OscReadError.BadUtf8 => "a string is not valid text",
        _ => error.ToString(),
    };

    private static OscReadError ReadElement(ReadOnlySpan<byte> element, OscTimeTag time, int depth, List<OscMessage> messages, int start)
    {
        if (element.IsEmpty)
        {
            return OscReadError.Empty;
        }

        if ((element.Length & 3) != 0)
        {
            return OscReadError.NotAligned;
        }

        if (element[0] == (byte)'#')
        {
            return ReadBundle(element, time, depth, messages, start);
        }

        if (messages.Count - start >= MaxMessages)
        {
            return OscReadError.TooManyMessages;
        }

        OscReadError error = ReadMessage(element, time, out OscMessage? message);
        if (error == OscReadError.None)
        {
            messages.Add(message!);
        }

        return error;
    }

    private static OscReadError ReadBundle(ReadOnlySpan<byte> bundle, OscTimeTag enclosing, int depth, List<OscMessage> messages, int start)
    {
        if (depth >= MaxDepth)
        {
            return OscReadError.NestingTooDeep;
        }

        if (bundle.Length < 16 || !bundle[..8].SequenceEqual(BundleTag))
        {
            return OscReadError.BadBundleHeader;
        }

        var time = new OscTimeTag(BinaryPrimitives.ReadUInt64BigEndian(bundle.Slice(8, 8)));

        // OSC 1.0: a nested bundle's time tag must not be earlier than its enclosing bundle's; a sender that breaks
        // the rule gets the enclosing time (never earlier), rather than a refusal.
        if (!enclosing.IsImmediate && (time.IsImmediate || time.Raw < enclosing.Raw))
        {
            time = enclosing;
        }

        int offset = 16;
        while (offset < bundle.Length)
        {
            if (bundle.Length - offset < 4)
            {
                return OscReadError.BadElementSize;
            }

            int size = BinaryPrimitives.ReadInt32BigEndian(bundle.Slice(offset, 4));
            offset += 4;
            if (size <= 0 || (size & 3) != 0 || size > bundle.Length - offset)
            {
                return OscReadError.BadElementSize;
            }

            OscReadError error = ReadElement(bundle.Slice(offset, size), time, depth + 1, messages, start);
            if (error != OscReadError.None)
            {
                return error;
            }

            offset += size;
        }

        return OscReadError.None;
    }

    private static OscReadError ReadMessage(ReadOnlySpan<byte> message, OscTimeTag time, out OscMessage? result)
    {
        result = null;
        OscReadError error = ReadPaddedString(message, 0, out int addressLength, out int offset);
        if (error != OscReadError.None)
        {
            return error;
        }

        ReadOnlySpan<byte> address = message[..addressLength];
        if (address.IsEmpty || address[0] != (byte)'/')
        {
            return OscReadError.BadAddress;
        }

        foreach (byte b in address)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return OscReadError.BadAddress;
            }
        }

        if (offset == message.Length)
        {
            result = new OscMessage(Encoding.UTF8.GetString(address), [], time);
            return OscReadError.None;
        }

        if (message[offset] != (byte)',')
        {
            return OscReadError.MissingTypeTags;
        }

        error = ReadPaddedString(message, offset, out int tagsLength, out int data);
        if (error != OscReadError.None)
        {
            return error;
        }

        ReadOnlySpan<byte> tags = message.Slice(offset + 1, tagsLength - 1);
        if (tags.Length > MaxArguments)
        {
            return OscReadError.TooManyArguments;
        }

        var arguments = tags.IsEmpty ? [] : new OscValue[tags.Length];
        int depth = 0;
        for (int i = 0; i < tags.Length; i++)
        {
            char tag = (char)tags[i];
            switch (tag)
            {
                case 'i' or 'c' or 'r' or 'm':
                    {
                        if (message.Length - data < 4)
                        {
                            return OscReadError.Truncated;
                        }

                        long value = tag == 'i' ? BinaryPrimitives.ReadInt32BigEndian(message.Slice(data, 4)) : BinaryPrimitives.ReadUInt32BigEndian(message.Slice(data, 4));
                        if (tag == 'c')
                        {
                            value &= 0xFFFF;
                        }

                        arguments[i] = OscValue.FromRaw(tag, value, 0, null);
                        data += 4;
                        break;
                    }

                case 'f':
                    if (message.Length - data < 4)
                    {
                        return OscReadError.Truncated;
                    }

                    arguments[i] = OscValue.FromRaw('f', 0, BinaryPrimitives.ReadSingleBigEndian(message.Slice(data, 4)), null);
                    data += 4;
                    break;
                case 'h' or 't':
                    if (message.Length - data < 8)
                    {
                        return OscReadError.Truncated;
                    }

                    arguments[i] = OscValue.FromRaw(tag, BinaryPrimitives.ReadInt64BigEndian(message.Slice(data, 8)), 0, null);
                    data += 8;
                    break;
                case 'd':
                    if (message.Length - data < 8)
                    {
                        return OscReadError.Truncated;
                    }

                    arguments[i] = OscValue.FromRaw('d', 0, BinaryPrimitives.ReadDoubleBigEndian(message.Slice(data, 8)), null);
                    data += 8;
                    break;
                case 's' or 'S':
                    {
                        if (data >= message.Length)
                        {
                            return OscReadError.Truncated;
                        }

                        error = ReadPaddedString(message, data, out int length, out int next);
                        if (error != OscReadError.None)
                        {
                            return error;
                        }

                        arguments[i] = OscValue.FromRaw(tag, 0, 0, Encoding.UTF8.GetString(message.Slice(data, length)));
                        data = next;
                        break;
                    }

                case 'b':
                    {
                        if (message.Length - data < 4)
                        {
                            return OscReadError.Truncated;
                        }

                        int size = BinaryPrimitives.ReadInt32BigEndian(message.Slice(data, 4));
                        data += 4;
                        if (size < 0 || size > message.Length - data)
                        {
                            return OscReadError.Truncated;
                        }

                        arguments[i] = OscValue.FromRaw('b', 0, 0, message.Slice(data, size).ToArray());
                        data += (size + 3) & ~3;
                        if (data > message.Length)
                        {
                            return OscReadError.Truncated;
                        }

                        break;
                    }

                case 'T' or 'F':
                    arguments[i] = OscValue.Bool(tag == 'T');
                    break;
                case 'N' or 'I':
                    arguments[i] = OscValue.FromRaw(tag, 0, 0, null);
                    break;
                case '[':
                    depth++;
                    arguments[i] = OscValue.ArrayBegin;
                    break;
                case ']':
                    if (--depth < 0)
                    {
                        return OscReadError.UnbalancedArray;
                    }

                    arguments[i] = OscValue.ArrayEnd;
                    break;
                default:
                    return OscReadError.UnknownTypeTag;
            }
        }

        if (depth != 0)
        {
            return OscReadError.UnbalancedArray;
        }

        result = new OscMessage(Encoding.UTF8.GetString(address), arguments, time);
        return OscReadError.None;
    }

    /// <summary>A NUL-terminated string at <paramref name="offset"/>: its length, and where the next element starts (after the padding).</summary>
    private static OscReadError ReadPaddedString(ReadOnlySpan<byte> data, int offset, out int length, out int next)
    {
        length = data[offset..].IndexOf((byte)0);
        if (length < 0)
        {
            next = data.Length;
            return OscReadError.UnterminatedString;
        }

        next = offset + ((length + 4) & ~3);
        if (next > data.Length)
        {
            return OscReadError.UnterminatedString;
        }

        return OscReadError.None;
    }
}
