using System.Buffers.Binary;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// One command packet of a Network MIDI 2.0 datagram (M2-124-UM 5.4): a 32-bit header — command code (8 bits),
/// payload length in 32-bit words (8 bits), command-specific data (16 bits) — and the payload, big-endian.
/// A view into the datagram: no copy, no allocation.
/// </summary>
public readonly ref struct NetMidiCommand
{
    public NetMidiCommand(byte code, ushort specific, ReadOnlySpan<byte> payload)
    {
        Code = code;
        Specific = specific;
        Payload = payload;
    }

    public byte Code { get; }

    public NetMidiCommandCode Command => (NetMidiCommandCode)Code;

    /// <summary>The 16 command-specific bits (a sequence number for UMP Data and Retransmit Request).</summary>
    public ushort Specific { get; }

    public ReadOnlySpan<byte> Payload { get; }

    public int PayloadWords => Payload.Length / 4;

    public uint Header => ((uint)Code << 24) | ((uint)PayloadWords << 16) | Specific;

    public uint Word(int index) => BinaryPrimitives.ReadUInt32BigEndian(Payload.Slice(4 * index, 4));
}
