using System.Buffers.Binary;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Framing of the engine protocol (docs/engine-protocol.md): every message is
/// <c>u32 length | u16 type | u32 request id | payload</c>, little-endian, where length counts the bytes after
/// itself. Strings are <c>u32 byte count | UTF-8</c>; a quantization is <c>u8 kind | i32 count | fraction</c>; a
/// fraction is <c>i64 numerator | i64 denominator</c>.
/// </summary>
public static class EngineProtocol
{
    /// <summary>Bumped whenever a message's layout changes; Hello refuses a client with another one.</summary>
    public const uint Version = 6;

    /// <summary>The most channels a sample sent with LoadSample may have.</summary>
    public const int MaxSampleChannels = 8;

    /// <summary>Bytes of the length prefix.</summary>
    public const int LengthBytes = 4;

    /// <summary>Bytes of type and request id, which every frame has after its length.</summary>
    public const int HeaderBytes = 6;

    /// <summary>The largest frame (after the length prefix) either side accepts: a graph of thousands of nodes fits.</summary>
    public const int MaxFrameBytes = 16 << 20;

    /// <summary>Reads the length prefix of a frame; throws <see cref="EngineProtocolException"/> if it is out of bounds.</summary>
    public static int ReadLength(ReadOnlySpan<byte> prefix)
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length < HeaderBytes || length > MaxFrameBytes)
        {
            throw new EngineProtocolException($"A frame's length must be {HeaderBytes}..{MaxFrameBytes} bytes, not {length}.");
        }

        return (int)length;
    }
}

/// <summary>The engine closed the connection or stopped answering: no reply will come on it.</summary>
public sealed class EngineConnectionLostException(string message) : IOException(message);

/// <summary>A frame or payload that cannot be read; answered with <see cref="EngineErrorCode.Malformed"/>.</summary>
public sealed class EngineProtocolException(string message) : Exception(message);

/// <summary>The engine refused a request: its error code and its precise message (a validation error keeps its text).</summary>
public sealed class EngineRequestException(EngineErrorCode code, string message) : Exception(message)
{
    public EngineErrorCode Code { get; } = code;
}
