using System.Security.Cryptography;
using System.Text;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// Shared-secret authentication of Network MIDI 2.0 (M2-124-UM v1.0, 6.7 and 6.9): the host answers an Invitation
/// with Invitation Reply: Authentication Required, carrying a 16-byte crypto nonce; the client answers with
/// Invitation with Authentication, carrying the SHA-256 digest of the nonce followed by the secret's UTF-8 bytes.
/// </summary>
public static class NetMidiAuthentication
{
    /// <summary>Bytes of the crypto nonce (4 payload words).</summary>
    public const int NonceBytes = 16;

    /// <summary>Bytes of the SHA-256 digest (8 payload words).</summary>
    public const int DigestBytes = 32;

    /// <summary>Invitation capability bit: the client supports Invitation with Authentication (M2-124-UM 6.4, table 11).</summary>
    public const byte CapabilityAuthentication = 0x01;

    /// <summary>Authentication state of Invitation Reply: Authentication Required (M2-124-UM 6.7, table 15): the first request.</summary>
    public const byte StateFirstRequest = 0x00;

    /// <summary>Authentication state: the digest the client sent was not correct.</summary>
    public const byte StateIncorrectDigest = 0x01;

    /// <summary>
    /// A fresh nonce from the system's cryptographic generator, in printable ASCII (as amidi2net does), so that
    /// a client that keeps it as a C string cannot lose bytes after a zero.
    /// </summary>
    public static byte[] NewNonce()
    {
        byte[] nonce = new byte[NonceBytes];
        for (int i = 0; i < nonce.Length; i++)
        {
            nonce[i] = (byte)RandomNumberGenerator.GetInt32(0x21, 0x7F);
        }

        return nonce;
    }

    /// <summary>SHA-256(nonce ‖ UTF-8(secret)).</summary>
    public static byte[] Digest(ReadOnlySpan<byte> nonce, string secret)
    {
        byte[] input = new byte[nonce.Length + Encoding.UTF8.GetByteCount(secret)];
        nonce.CopyTo(input);
        Encoding.UTF8.GetBytes(secret, input.AsSpan(nonce.Length));
        return SHA256.HashData(input);
    }
}
