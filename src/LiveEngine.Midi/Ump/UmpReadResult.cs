namespace LiveEngine.Midi.Ump;

/// <summary>The outcome of reading one packet from a span of words.</summary>
public enum UmpReadResult
{
    /// <summary>A well-formed message was read.</summary>
    Ok,

    /// <summary>The span ends inside the packet that its first word announces.</summary>
    NeedMoreWords,

    /// <summary>
    /// A packet of a reserved message type (0x6–0xC, 0xE): its size is known, so a receiver skips it (M2-104-UM 2.1.4).
    /// </summary>
    Reserved,

    /// <summary>The first word does not begin a valid packet (unknown status, data byte with bit 7 set, bad length).</summary>
    Invalid,
}
