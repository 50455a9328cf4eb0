namespace LiveEngine.Osc;

/// <summary>
/// SLIP framing (RFC 1055) of OSC packets on a stream, as OSC 1.1 suggests for TCP: each packet is sent between two
/// END bytes (0xC0), with END and ESC (0xDB) inside it escaped as ESC 0xDC and ESC 0xDD.
/// </summary>
public static class OscSlip
{
    public const byte End = 0xC0;
    public const byte Escape = 0xDB;
    public const byte EscapedEnd = 0xDC;
    public const byte EscapedEscape = 0xDD;

    /// <summary>The framed form of <paramref name="packet"/> (END, escaped bytes, END).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> packet)
    {
        int length = 2;
        foreach (byte b in packet)
        {
            length += b is End or Escape ? 2 : 1;
        }

        byte[] frame = new byte[length];
        int o = 0;
        frame[o++] = End;
        foreach (byte b in packet)
        {
            switch (b)
            {
                case End:
                    frame[o++] = Escape;
                    frame[o++] = EscapedEnd;
                    break;
                case Escape:
                    frame[o++] = Escape;
                    frame[o++] = EscapedEscape;
                    break;
                default:
                    frame[o++] = b;
                    break;
            }
        }

        frame[o] = End;
        return frame;
    }
}
