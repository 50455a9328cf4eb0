using System.Buffers.Binary;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// Reads the command packets of one Network MIDI 2.0 datagram: the "MIDI" signature (0x4D494449), then command
/// packets until the datagram ends (M2-124-UM 5.3). Never throws, never allocates: a datagram without the signature,
/// with trailing bytes that are not a whole header, or with a payload longer than what is left is reported as
/// <see cref="NetMidiReadResult.Malformed"/>.
/// </summary>
public ref struct NetMidiPacketReader
{
    public const uint Signature = 0x4D494449;

    private readonly ReadOnlySpan<byte> _datagram;
    private int _offset;

    public NetMidiPacketReader(ReadOnlySpan<byte> datagram)
    {
        _datagram = datagram;
        _offset = 4;
        HasSignature = datagram.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(datagram) == Signature;
    }

    public bool HasSignature { get; }

    /// <summary>Header of the command last read, or of the one found malformed (for a NAK).</summary>
    public uint LastHeader { get; private set; }

    public NetMidiReadResult TryReadNext(out NetMidiCommand command)
    {
        command = default;
        if (!HasSignature)
        {
            return NetMidiReadResult.Malformed;
        }

        int left = _datagram.Length - _offset;
        if (left == 0)
        {
            return NetMidiReadResult.End;
        }

        if (left < 4)
        {
            _offset = _datagram.Length;
            return NetMidiReadResult.Malformed;
        }

        uint header = BinaryPrimitives.ReadUInt32BigEndian(_datagram.Slice(_offset, 4));
        LastHeader = header;
        int payloadBytes = 4 * (int)((header >> 16) & 0xFF);
        if (payloadBytes > left - 4)
        {
            _offset = _datagram.Length;
            return NetMidiReadResult.Malformed;
        }

        command = new NetMidiCommand((byte)(header >> 24), (ushort)header, _datagram.Slice(_offset + 4, payloadBytes));
        _offset += 4 + payloadBytes;
        return NetMidiReadResult.Ok;
    }
}

/// <summary>The outcome of <see cref="NetMidiPacketReader.TryReadNext"/>.</summary>
public enum NetMidiReadResult
{
    Ok,
    End,
    Malformed,
}
