namespace LiveEngine.Midi.Transports.Network;

/// <summary>Command codes of Network MIDI 2.0 (UDP), M2-124-UM v1.0 section 5.5, table 6.</summary>
public enum NetMidiCommandCode : byte
{
    Invitation = 0x01,
    InvitationWithAuthentication = 0x02,
    InvitationWithUserAuthentication = 0x03,
    InvitationReplyAccepted = 0x10,
    InvitationReplyPending = 0x11,
    InvitationReplyAuthenticationRequired = 0x12,
    InvitationReplyUserAuthenticationRequired = 0x13,
    Ping = 0x20,
    PingReply = 0x21,
    RetransmitRequest = 0x80,
    RetransmitError = 0x81,
    SessionReset = 0x82,
    SessionResetReply = 0x83,
    Nak = 0x8F,
    Bye = 0xF0,
    ByeReply = 0xF1,
    UmpData = 0xFF,
}

/// <summary>NAK reasons (M2-124-UM 6.15, table 25).</summary>
public enum NetMidiNakReason : byte
{
    Other = 0x00,
    CommandNotSupported = 0x01,
    CommandNotExpected = 0x02,
    CommandMalformed = 0x03,
    BadPingReply = 0x20,
}

/// <summary>Bye reasons used here (M2-124-UM 6.11, table 21).</summary>
public enum NetMidiByeReason : byte
{
    Unknown = 0x00,
    UserTerminated = 0x01,
    PowerDown = 0x02,
    TooManyMissingPackets = 0x03,
    Timeout = 0x04,
    AuthenticationFailed = 0x43,
    NoMatchingAuthenticationMethod = 0x45,
}
