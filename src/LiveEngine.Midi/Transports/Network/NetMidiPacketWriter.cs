using System.Buffers.Binary;
using System.Text;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// Writes a Network MIDI 2.0 datagram into a caller's buffer: the signature, then command packets (M2-124-UM 5.3–5.4).
/// Throws <see cref="ArgumentException"/> if the buffer is too small. Writing UMP data allocates nothing.
/// </summary>
public ref struct NetMidiPacketWriter
{
    private readonly Span<byte> _buffer;

    public NetMidiPacketWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        BinaryPrimitives.WriteUInt32BigEndian(buffer, NetMidiPacketReader.Signature);
        Length = 4;
    }

    /// <summary>Bytes written so far (the datagram to send).</summary>
    public int Length { get; private set; }

    public void Command(NetMidiCommandCode code, ushort specific, scoped ReadOnlySpan<uint> payload = default)
    {
        Header(code, payload.Length, specific);
        foreach (uint word in payload)
        {
            Word(word);
        }
    }

    /// <summary>A UMP Data command carrying <paramref name="messages"/> with sequence number <paramref name="sequence"/>.</summary>
    public void UmpData(ushort sequence, scoped ReadOnlySpan<UmpMessage> messages)
    {
        int words = 0;
        foreach (UmpMessage m in messages)
        {
            words += m.WordCount;
        }

        Header(NetMidiCommandCode.UmpData, words, sequence);
        Span<uint> packet = stackalloc uint[4];
        foreach (UmpMessage m in messages)
        {
            int n = m.Write(packet);
            for (int i = 0; i < n; i++)
            {
                Word(packet[i]);
            }
        }
    }

    /// <summary>
    /// An Invitation or Invitation Reply Accepted: command-specific data = name length in words (8 bits) and
    /// capabilities (8 bits); payload = the UMP endpoint name, then the product instance id, each UTF-8 padded with
    /// zeros to whole words (M2-124-UM 6.4–6.5).
    /// </summary>
    public void Invitation(NetMidiCommandCode code, string endpointName, string productInstanceId, byte capabilities = 0)
    {
        int nameWords = (Encoding.UTF8.GetByteCount(endpointName) + 3) / 4;
        int idWords = (Encoding.UTF8.GetByteCount(productInstanceId) + 3) / 4;
        Header(code, nameWords + idWords, (ushort)((nameWords << 8) | capabilities));
        Text(endpointName, nameWords);
        Text(productInstanceId, idWords);
    }

    /// <summary>
    /// Invitation Reply: Authentication Required (M2-124-UM 6.7): command-specific data = name length in words and
    /// the authentication state; payload = the 16-byte crypto nonce, then the endpoint name and product instance id.
    /// </summary>
    public void InvitationReplyAuthenticationRequired(byte state, scoped ReadOnlySpan<byte> nonce, string endpointName, string productInstanceId)
    {
        if (nonce.Length != NetMidiAuthentication.NonceBytes)
        {
            throw new ArgumentException($"A crypto nonce is {NetMidiAuthentication.NonceBytes} bytes, not {nonce.Length}.", nameof(nonce));
        }

        int nameWords = (Encoding.UTF8.GetByteCount(endpointName) + 3) / 4;
        int idWords = (Encoding.UTF8.GetByteCount(productInstanceId) + 3) / 4;
        Header(NetMidiCommandCode.InvitationReplyAuthenticationRequired, (NetMidiAuthentication.NonceBytes / 4) + nameWords + idWords, (ushort)((nameWords << 8) | state));
        Bytes(nonce);
        Text(endpointName, nameWords);
        Text(productInstanceId, idWords);
    }

    /// <summary>Invitation with Authentication (M2-124-UM 6.9): payload = the 32-byte SHA-256 digest.</summary>
    public void InvitationWithAuthentication(scoped ReadOnlySpan<byte> digest)
    {
        if (digest.Length != NetMidiAuthentication.DigestBytes)
        {
            throw new ArgumentException($"An authentication digest is {NetMidiAuthentication.DigestBytes} bytes, not {digest.Length}.", nameof(digest));
        }

        Header(NetMidiCommandCode.InvitationWithAuthentication, NetMidiAuthentication.DigestBytes / 4, 0);
        Bytes(digest);
    }

    private void Bytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (Length + bytes.Length > _buffer.Length)
        {
            throw new ArgumentException("The datagram buffer is full.");
        }

        bytes.CopyTo(_buffer.Slice(Length));
        Length += bytes.Length;
    }

    private void Header(NetMidiCommandCode code, int payloadWords, ushort specific)
    {
        if (payloadWords > 255)
        {
            throw new ArgumentException($"A command packet's payload is at most 255 words, not {payloadWords}.");
        }

        Word(((uint)code << 24) | ((uint)payloadWords << 16) | specific);
    }

    private void Word(uint word)
    {
        if (Length + 4 > _buffer.Length)
        {
            throw new ArgumentException("The datagram buffer is full.");
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(Length, 4), word);
        Length += 4;
    }

    private void Text(string text, int words)
    {
        if (Length + (4 * words) > _buffer.Length)
        {
            throw new ArgumentException("The datagram buffer is full.");
        }

        Span<byte> target = _buffer.Slice(Length, 4 * words);
        target.Clear();
        Encoding.UTF8.GetBytes(text, target);
        Length += 4 * words;
    }
}
